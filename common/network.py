"""Who is on the other end of a connection, seen through trusted proxies (the router, NGINX).

Behind the router every request arrives from the router's address, so per-address rate limits
would count all clients as one. ``X-Forwarded-For`` is believed only when the peer itself is a
trusted proxy, and only up to the first address that is not one: a client cannot forge its
way past the limit by sending the header itself.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Sequence

Network = ipaddress.IPv4Network | ipaddress.IPv6Network
# The router runs beside the subgraphs by default.
DEFAULT_TRUSTED_PROXIES = ("127.0.0.1", "::1")


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
    """The client's address: the peer, or the nearest untrusted hop it forwarded for us."""
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
