"""The client headers that reach subgraphs: one list for HTTP fetches and WebSocket handshakes.

Identity (``authorization``), tracing (``traceparent``, ``tracestate``), the request id,
``x-forwarded-for`` (the client's chain plus the address the router received the request
from, for information) and the client's address signed by the router
(``x-realio-client-address``, decision 0012). The router finds the client through the proxies
it trusts (``RouterSettings.trusted_proxies``, none by default); subgraphs believe the signed
address, which no client can forge. Nothing else (cookies above all) leaves the router.
"""

from __future__ import annotations

import time
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from common.network import (
    CLIENT_ADDRESS_HEADER,
    Network,
    client_address,
    forwarded_for,
    parse_networks,
    sign_client_address,
)

REQUEST_ID_HEADER = "x-request-id"
FORWARDED_FOR_HEADER = "x-forwarded-for"
# Copied from the client's request when present.
CLIENT_HEADERS = (
    "authorization",
    "traceparent",
    "tracestate",
    REQUEST_ID_HEADER,
    FORWARDED_FOR_HEADER,
)
# Everything a subgraph may receive: the client's headers plus the router's own assertion.
FORWARDED_HEADERS = (*CLIENT_HEADERS, CLIENT_ADDRESS_HEADER)


@dataclass(frozen=True)
class ClientAddressing:
    """Whom the router believes about the client's address, and how it tells subgraphs."""

    trusted_proxies: tuple[Network, ...] = ()
    secret: str | None = None

    @classmethod
    def from_settings(cls, trusted_proxies: Iterable[str], secret: str | None) -> ClientAddressing:
        return cls(parse_networks(list(trusted_proxies)), secret or None)


def subgraph_headers(
    client_headers: Mapping[str, str],
    *,
    request_id: str,
    peer: str | None,
    forwarded_for_chain: Iterable[str] = (),
    addressing: ClientAddressing = ClientAddressing(),
) -> dict[str, str]:
    """The headers sent to subgraphs on behalf of one client request.

    ``client_headers`` have lower-case names; ``peer`` is the address the client connected
    from; ``forwarded_for_chain`` holds every ``X-Forwarded-For`` value the client sent (a
    proxy may send the header more than once), in order.
    """
    headers = {name: client_headers[name] for name in CLIENT_HEADERS if name in client_headers}
    headers[REQUEST_ID_HEADER] = request_id
    existing = ", ".join(value for value in forwarded_for_chain if value.strip()) or None
    chain = forwarded_for(existing, peer)
    if chain is None:
        headers.pop(FORWARDED_FOR_HEADER, None)
    else:
        headers[FORWARDED_FOR_HEADER] = chain
    if addressing.secret is not None and peer is not None:
        client = client_address(peer, existing, addressing.trusted_proxies)
        headers[CLIENT_ADDRESS_HEADER] = sign_client_address(
            addressing.secret, client, int(time.time())
        )
    return headers


def only_forwarded(headers: Mapping[str, str]) -> dict[str, str]:
    """``headers`` restricted to :data:`FORWARDED_HEADERS` (names in any case)."""
    return {
        name.lower(): value for name, value in headers.items() if name.lower() in FORWARDED_HEADERS
    }
