"""The client headers that reach subgraphs: one list for HTTP fetches and WebSocket handshakes.

Identity (``authorization``), tracing (``traceparent``, ``tracestate``), the request id, and
``x-forwarded-for``: the client's own chain plus the address the router received the request
from. Subgraphs trust the router as a proxy (``common.network.client_address`` with
``Settings.trusted_proxies``), so their per-address rate limits count each real client
rather than the router as one client. Nothing else (cookies above all) leaves the router.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from common.network import forwarded_for

REQUEST_ID_HEADER = "x-request-id"
FORWARDED_FOR_HEADER = "x-forwarded-for"
FORWARDED_HEADERS = (
    "authorization",
    "traceparent",
    "tracestate",
    REQUEST_ID_HEADER,
    FORWARDED_FOR_HEADER,
)


def subgraph_headers(
    client_headers: Mapping[str, str],
    *,
    request_id: str,
    peer: str | None,
    forwarded_for_chain: Iterable[str] = (),
) -> dict[str, str]:
    """The headers sent to subgraphs on behalf of one client request.

    ``client_headers`` have lower-case names; ``peer`` is the address the client connected
    from; ``forwarded_for_chain`` holds every ``X-Forwarded-For`` value the client sent (a
    proxy may send the header more than once), in order.
    """
    headers = {name: client_headers[name] for name in FORWARDED_HEADERS if name in client_headers}
    headers[REQUEST_ID_HEADER] = request_id
    existing = ", ".join(value for value in forwarded_for_chain if value.strip()) or None
    chain = forwarded_for(existing, peer)
    if chain is None:
        headers.pop(FORWARDED_FOR_HEADER, None)
    else:
        headers[FORWARDED_FOR_HEADER] = chain
    return headers


def only_forwarded(headers: Mapping[str, str]) -> dict[str, str]:
    """``headers`` restricted to :data:`FORWARDED_HEADERS` (names in any case)."""
    return {
        name.lower(): value for name, value in headers.items() if name.lower() in FORWARDED_HEADERS
    }
