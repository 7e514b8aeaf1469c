"""Subscriptions of one viewer on one subgraph share one upstream graphql-transport-ws
connection; other viewers get their own. Through the real router, in front of the test's
messages and users subgraphs."""

from __future__ import annotations

import asyncio
import uuid
from typing import Any

from tests.router.server.conftest import Graph, RunningRouter
from tests.router.server.test_websocket import WAIT, _initialised, _receive, _send
from tests.router.server.tokens import TOKENS

ROOM = "subscription($room: String!) { messageAdded(room: $room) { body author { name } } }"


def _subscribe(operation_id: str, room: str) -> dict[str, Any]:
    payload = {"query": ROOM, "variables": {"room": room}}
    return {"id": operation_id, "type": "subscribe", "payload": payload}


def _event(operation_id: str, body: str, author: str) -> dict[str, Any]:
    return {
        "id": operation_id,
        "type": "next",
        "payload": {"data": {"messageAdded": {"body": body, "author": {"name": author}}}},
    }


async def _until_active(graph: Graph, count: int) -> None:
    """Wait until the subgraph holds ``count`` open subscriptions."""
    feed = graph.feed
    async with asyncio.timeout(WAIT):
        while True:
            feed.opened.clear()
            feed.closed.clear()
            if feed.active == count:
                return
            changes = {
                asyncio.ensure_future(feed.opened.wait()),
                asyncio.ensure_future(feed.closed.wait()),
            }
            try:
                await asyncio.wait(changes, return_when=asyncio.FIRST_COMPLETED)
            finally:
                for change in changes:
                    change.cancel()


def _viewer(token: str) -> dict[str, Any]:
    return {"additional_headers": {"authorization": f"Bearer {token}"}}


async def test_two_subscriptions_of_one_viewer_share_one_upstream_connection(
    graph: Graph, router: RunningRouter
) -> None:
    ws = await _initialised(router, **_viewer(TOKENS.issue()))
    await _send(ws, _subscribe("a", "kitchen"))
    await _send(ws, _subscribe("b", "garden"))
    await _until_active(graph, 2)

    assert graph.cluster["messages"].websocket_connections == 1
    # Each event reaches the client subscription it belongs to, its author resolved in users.
    graph.feed.publish("m1", "soup", author_id="2", room="kitchen")
    assert await _receive(ws) == _event("a", "soup", "Grace")
    graph.feed.publish("m2", "roses", author_id="3", room="garden")
    assert await _receive(ws) == _event("b", "roses", "Edsger")

    # Completing one leaves the other running on the shared connection.
    await _send(ws, {"id": "a", "type": "complete"})
    await _until_active(graph, 1)
    graph.feed.publish("m3", "ignored", author_id="2", room="kitchen")
    graph.feed.publish("m4", "tulips", author_id="1", room="garden")
    assert await _receive(ws) == _event("b", "tulips", "Ada")
    assert graph.cluster["messages"].websocket_connections == 1
    await ws.close()
    await _until_active(graph, 0)


async def test_one_viewer_on_two_client_connections_shares_one_upstream_connection(
    graph: Graph, router: RunningRouter
) -> None:
    token = TOKENS.issue()
    first = await _initialised(router, **_viewer(token))
    second = await _initialised(router, **_viewer(token))
    await _send(first, _subscribe("1", "kitchen"))
    await _send(second, _subscribe("1", "kitchen"))
    await _until_active(graph, 2)
    assert graph.cluster["messages"].websocket_connections == 1

    graph.feed.publish("m1", "soup", author_id="2", room="kitchen")
    assert await _receive(first) == _event("1", "soup", "Grace")
    assert await _receive(second) == _event("1", "soup", "Grace")

    # The client that goes away ends only its own subscription.
    await first.close()
    await _until_active(graph, 1)
    graph.feed.publish("m2", "bread", author_id="3", room="kitchen")
    assert await _receive(second) == _event("1", "bread", "Edsger")
    await second.close()
    await _until_active(graph, 0)


async def test_two_viewers_get_two_upstream_connections(
    graph: Graph, router: RunningRouter
) -> None:
    ada = await _initialised(router, **_viewer(TOKENS.issue(uuid.uuid4())))
    bob = await _initialised(router, **_viewer(TOKENS.issue(uuid.uuid4())))
    await _send(ada, _subscribe("s", "kitchen"))
    await _send(bob, _subscribe("s", "garden"))
    await _until_active(graph, 2)

    assert graph.cluster["messages"].websocket_connections == 2
    # Each viewer's token reached the subgraph on its own connection.
    assert sorted(h["authorization"] for h in graph.feed.handshake_headers) == sorted(
        [ada.request.headers["authorization"], bob.request.headers["authorization"]]  # type: ignore[union-attr]
    )
    graph.feed.publish("m1", "roses", author_id="3", room="garden")
    assert await _receive(bob) == _event("s", "roses", "Edsger")
    graph.feed.publish("m2", "soup", author_id="2", room="kitchen")
    assert await _receive(ada) == _event("s", "soup", "Grace")
    await ada.close()
    await bob.close()
    await _until_active(graph, 0)


async def test_the_connection_closes_with_its_last_subscription_and_reopens_on_demand(
    graph: Graph, router: RunningRouter
) -> None:
    ws = await _initialised(router, **_viewer(TOKENS.issue()))
    await _send(ws, _subscribe("a", "kitchen"))
    await _until_active(graph, 1)
    await _send(ws, {"id": "a", "type": "complete"})
    await _until_active(graph, 0)

    await _send(ws, _subscribe("b", "kitchen"))
    await _until_active(graph, 1)
    graph.feed.publish("m1", "soup", author_id="2", room="kitchen")
    assert await _receive(ws) == _event("b", "soup", "Grace")
    # The first connection ended with its only subscription; the second one is new.
    assert graph.cluster["messages"].websocket_connections == 2
    await ws.close()
    await _until_active(graph, 0)
