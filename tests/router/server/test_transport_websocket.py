"""The router's graphql-transport-ws client against the real messages subgraph."""

from __future__ import annotations

import asyncio

from router.transport.websocket import WebSocketSubscriptionTransport, websocket_url
from tests.router.server.conftest import Graph

WAIT = 5.0


def test_websocket_url_follows_the_http_scheme() -> None:
    assert websocket_url("http://a:1/graphql") == "ws://a:1/graphql"
    assert websocket_url("https://a/graphql") == "wss://a/graphql"


async def test_events_flow_and_aclose_completes_the_subgraph_subscription(graph: Graph) -> None:
    transport = WebSocketSubscriptionTransport()
    stream = transport.subscribe(
        graph.urls["messages"],
        "subscription($room: String!) { messageAdded(room: $room) { id body author { id } } }",
        {"room": "lobby"},
        connection_params={"token": "abc"},
        headers={"authorization": "Bearer x", "cookie": "not forwarded"},
    )
    first = asyncio.ensure_future(anext(stream))
    await asyncio.wait_for(graph.feed.opened.wait(), WAIT)
    graph.feed.publish("m1", "hi", author_id="2")

    assert await asyncio.wait_for(first, WAIT) == {
        "data": {"messageAdded": {"id": "m1", "body": "hi", "author": {"id": "2"}}}
    }
    assert graph.feed.connection_params == [{"token": "abc"}]
    assert graph.feed.handshake_headers[0]["authorization"] == "Bearer x"
    assert "cookie" not in graph.feed.handshake_headers[0]

    await stream.aclose()  # type: ignore[attr-defined]
    await asyncio.wait_for(graph.feed.closed.wait(), WAIT)
    assert graph.feed.active == 0


async def test_subgraph_error_message_ends_the_stream_with_errors(graph: Graph) -> None:
    transport = WebSocketSubscriptionTransport()
    stream = transport.subscribe(
        graph.urls["messages"],
        "subscription { nope }",
        {},
        connection_params=None,
        headers={},
    )
    events = [event async for event in stream]

    assert len(events) == 1
    assert events[0]["data"] is None
    assert "nope" in events[0]["errors"][0]["message"]
