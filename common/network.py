"""Who is on the other end of a connection, seen through trusted proxies (NGINX, the router).

``X-Forwarded-For`` is believed only when the peer itself is a configured proxy, and then only
up to the right-most address that is not a proxy: that hop was appended by a proxy we trust,
everything to its left was sent by the client and may be forged. Nobody is trusted by default,
so on a shared host a local process cannot spoof its way past a per-address limit.

Behind the router, subgraphs do not trust addresses at all: the router asserts the client's
address in :data:`CLIENT_ADDRESS_HEADER`, signed with a secret only the router and the
subgraphs hold (decision 0012).
"""

from __future__ import annotations

import hashlib
import hmac
import ipaddress
from collections.abc import Sequence

Network = ipaddress.IPv4Network | ipaddress.IPv6Network
# No proxy is trusted unless configured (REALIO_TRUSTED_PROXIES, REALIO_ROUTER_TRUSTED_PROXIES).
DEFAULT_TRUSTED_PROXIES: tuple[str, ...] = ()

# "<address>;<unix time>;<hex HMAC-SHA256 of "<address>;<unix time>">", set only by the router.
CLIENT_ADDRESS_HEADER = "x-realio-client-address"
# A signed address older than this (or this far in the future) is not believed: a header
# copied from one request cannot be replayed for long.
SIGNATURE_MAX_AGE_SECONDS = 300


def parse_networks(entries: Sequence[str]) -> tuple[Network, ...]:
    """Addresses or CIDR ranges (``127.0.0.1``, ``10.0.0.0/8``)."""
    return tuple(ipaddress.ip_network(entry.strip(), strict=False) for entry in entries)


def _is_trusted(address: str, trusted: tuple[Network, ...]) -> bool:
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return False
    return any(ip in network for network in trusted)


def client_address(
    peer: str | None, forwarded_for: str | None, trusted: tuple[Network, ...]
) -> str:
    """The client's address: the peer, or the right-most untrusted hop its proxies forwarded."""
    if peer is None:
        return "unknown"
    if not forwarded_for or not _is_trusted(peer, trusted):
        return peer
    hops = [hop.strip() for hop in forwarded_for.split(",") if hop.strip()]
    for hop in reversed(hops):
        if not _is_trusted(hop, trusted):
            return hop[:64]
    return hops[0][:64] if hops else peer


def forwarded_for(existing: str | None, peer: str | None) -> str | None:
    """The ``X-Forwarded-For`` a proxy sends on: the incoming chain plus the peer it saw."""
    if peer is None:
        return existing
    return f"{existing}, {peer}" if existing else peer


def _signature(secret: str, payload: str) -> str:
    return hmac.new(secret.encode(), payload.encode(), hashlib.sha256).hexdigest()


def sign_client_address(secret: str, address: str, now: int) -> str:
    """The :data:`CLIENT_ADDRESS_HEADER` value asserting ``address`` at ``now`` (unix time)."""
    payload = f"{address[:64]};{now}"
    return f"{payload};{_signature(secret, payload)}"


def verified_client_address(secret: str, value: str | None, now: int) -> str | None:
    """The address a :data:`CLIENT_ADDRESS_HEADER` value asserts, or ``None`` when forged or old."""
    if not value:
        return None
    address, _, rest = value.partition(";")
    issued, _, signature = rest.partition(";")
    if not address or not issued.isdigit() or not signature:
        return None
    if not hmac.compare_digest(_signature(secret, f"{address};{issued}"), signature):
        return None
    if abs(now - int(issued)) > SIGNATURE_MAX_AGE_SECONDS:
        return None
    return address
