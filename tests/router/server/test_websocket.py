"""graphql-transport-ws through the router, down to a real subscription on the messages subgraph."""

from __future__ import annotations

import asyncio
import socket
from collections.abc import Mapping
from typing import Any

import orjson
from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosed

from tests.router.server.conftest import Graph, RunningRouter, running_router
from tests.router.server.tokens import TOKENS

SUBSCRIPTION = 'subscription { messageAdded(room: "lobby") { body author { name } } }'
WAIT = 5.0  # bound on every wait for an event; a hang fails the test instead of blocking it


async def _open(router: RunningRouter, **options: Any) -> ClientConnection:
    options.setdefault("subprotocols", ["graphql-transport-ws"])
    return await connect(router.ws, proxy=None, **options)


async def _send(ws: ClientConnection, message: Mapping[str, Any]) -> None:
    await ws.send(orjson.dumps(message).decode())


async def _receive(ws: ClientConnection) -> Any:
    return orjson.loads(await asyncio.wait_for(ws.recv(), WAIT))


async def _initialised(
    router: RunningRouter, payload: Any = None, **options: Any
) -> ClientConnection:
    ws = await _open(router, **options)
    init: dict[str, Any] = {"type": "connection_init"}
    if payload is not None:
        init["payload"] = payload
    await _send(ws, init)
    assert await _receive(ws) == {"type": "connection_ack"}
    return ws


async def _close_code(ws: ClientConnection) -> tuple[int | None, str | None]:
    """Wait until the server closes the connection; its close code and reason."""
    try:
        while True:
            await asyncio.wait_for(ws.recv(), WAIT)
    except ConnectionClosed:
        pass
    return ws.close_code, ws.close_reason


async def test_subscription_events_are_completed_from_another_subgraph(
    graph: Graph, router: RunningRouter
) -> None:
    token = TOKENS.issue()
    ws = await _initialised(
        router,
        {"token": "client-token"},
        additional_headers={"authorization": f"Bearer {token}", "x-forwarded-for": "198.51.100.7"},
    )
    await _send(ws, {"id": "s1", "type": "subscribe", "payload": {"query": SUBSCRIPTION}})
    await asyncio.wait_for(graph.feed.opened.wait(), WAIT)

    graph.feed.publish("m1", "hello", author_id="2")
    first = await _receive(ws)
    graph.feed.publish("m2", "again", author_id="3")
    second = await _receive(ws)

    assert first == {
        "id": "s1",
        "type": "next",
        "payload": {"data": {"messageAdded": {"body": "hello", "author": {"name": "Grace"}}}},
    }
    assert second["payload"] == {
        "data": {"messageAdded": {"body": "again", "author": {"name": "Edsger"}}}
    }
    # One entity fetch per event; the subscription itself is a WebSocket, not an HTTP request.
    assert graph.cluster.counts() == {"users": 2, "messages": 0}
    assert graph.cluster["messages"].websocket_connections == 1
    # The client's connection_init payload and token reach the subgraph.
    assert graph.feed.connection_params == [
        {"token": "client-token", "Authorization": f"Bearer {token}"}
    ]
    assert graph.feed.handshake_headers[0]["authorization"] == f"Bearer {token}"
    # The subgraph sees the client's address behind the router (the test client's, loopback).
    assert graph.feed.handshake_headers[0]["x-forwarded-for"] == "198.51.100.7, 127.0.0.1"
    assert graph.cluster["users"].requests[0].headers["x-forwarded-for"] == (
        "198.51.100.7, 127.0.0.1"
    )

    await _send(ws, {"id": "s1", "type": "complete"})
    await asyncio.wait_for(graph.feed.closed.wait(), WAIT)
    assert graph.feed.active == 0
    await ws.close()


async def test_client_disconnect_closes_the_subgraph_subscription(
    graph: Graph, router: RunningRouter
) -> None:
    ws = await _initialised(router)
    await _send(ws, {"id": "s1", "type": "subscribe", "payload": {"query": SUBSCRIPTION}})
    await asyncio.wait_for(graph.feed.opened.wait(), WAIT)
    assert graph.feed.active == 1

    await ws.close()

    await asyncio.wait_for(graph.feed.closed.wait(), WAIT)
    assert graph.feed.active == 0


async def test_query_and_mutation_over_websocket(graph: Graph, router: RunningRouter) -> None:
    ws = await _initialised(router)
    await _send(ws, {"id": "q", "type": "subscribe", "payload": {"query": "{ me { name } }"}})
    query_messages = [await _receive(ws), await _receive(ws)]
    mutation = {"query": "mutation($n: String!) { rename(name: $n) { name } }"}
    mutation["variables"] = {"n": "Bo"}  # type: ignore[assignment]
    await _send(ws, {"id": "m", "type": "subscribe", "payload": mutation})
    mutation_messages = [await _receive(ws), await _receive(ws)]
    await ws.close()

    assert query_messages == [
        {"id": "q", "type": "next", "payload": {"data": {"me": {"name": "Ada"}}}},
        {"id": "q", "type": "complete"},
    ]
    assert mutation_messages == [
        {"id": "m", "type": "next", "payload": {"data": {"rename": {"name": "Bo"}}}},
        {"id": "m", "type": "complete"},
    ]
    assert graph.cluster.counts() == {"users": 2, "messages": 0}


async def test_ping_is_answered_with_pong(router: RunningRouter) -> None:
    ws = await _initialised(router)
    await _send(ws, {"type": "ping", "payload": {"at": 1}})

    assert await _receive(ws) == {"type": "pong", "payload": {"at": 1}}
    await ws.close()


async def test_invalid_operation_is_an_error_message_and_the_connection_stays(
    graph: Graph, router: RunningRouter
) -> None:
    ws = await _initialised(router)
    await _send(ws, {"id": "bad", "type": "subscribe", "payload": {"query": "{ nope }"}})
    error = await _receive(ws)
    await _send(ws, {"id": "ok", "type": "subscribe", "payload": {"query": "{ me { id } }"}})
    after = await _receive(ws)
    await ws.close()

    assert error["id"] == "bad"
    assert error["type"] == "error"
    assert error["payload"][0]["extensions"]["code"] == "GRAPHQL_VALIDATION_FAILED"
    assert after == {"id": "ok", "type": "next", "payload": {"data": {"me": {"id": "1"}}}}


async def test_limits_apply_to_websocket_operations(graph: Graph) -> None:
    async with running_router(graph, limits={"max_depth": 1}) as router:
        ws = await _initialised(router)
        await _send(ws, {"id": "d", "type": "subscribe", "payload": {"query": SUBSCRIPTION}})
        error = await _receive(ws)
        await ws.close()

    assert error["payload"][0]["extensions"]["code"] == "MAX_DEPTH_EXCEEDED"
    assert graph.feed.opened.is_set() is False


async def test_invalid_message_closes_4400(router: RunningRouter) -> None:
    ws = await _open(router)
    await ws.send("not json")

    assert await _close_code(ws) == (4400, "Invalid message received")


async def test_subscribe_before_ack_closes_4401(router: RunningRouter) -> None:
    ws = await _open(router)
    await _send(ws, {"id": "1", "type": "subscribe", "payload": {"query": "{ me { id } }"}})

    assert await _close_code(ws) == (4401, "Unauthorized")


async def test_refused_connection_init_closes_4403(graph: Graph) -> None:
    async def only_with_token(payload: Mapping[str, Any] | None) -> bool:
        return bool(payload and payload.get("token"))

    async with running_router(graph, on_connect=only_with_token) as router:
        ws = await _open(router)
        await _send(ws, {"type": "connection_init", "payload": {}})
        refused = await _close_code(ws)
        accepted = await _initialised(router, {"token": "t"})
        await accepted.close()

    assert refused == (4403, "Forbidden")


async def test_missing_subprotocol_closes_4406(router: RunningRouter) -> None:
    ws = await _open(router, subprotocols=None)

    assert (await _close_code(ws))[0] == 4406


async def test_no_connection_init_in_time_closes_4408(graph: Graph) -> None:
    async with running_router(graph, ws_connection_init_timeout=0.2) as router:
        ws = await _open(router)
        assert await _close_code(ws) == (4408, "Connection initialisation timeout")


async def test_duplicate_operation_id_closes_4409_and_ends_the_first(
    graph: Graph, router: RunningRouter
) -> None:
    ws = await _initialised(router)
    subscribe = {"id": "s", "type": "subscribe", "payload": {"query": SUBSCRIPTION}}
    await _send(ws, subscribe)
    await asyncio.wait_for(graph.feed.opened.wait(), WAIT)
    await _send(ws, subscribe)

    assert await _close_code(ws) == (4409, "Subscriber for s already exists")
    await asyncio.wait_for(graph.feed.closed.wait(), WAIT)


async def test_second_connection_init_closes_4429(router: RunningRouter) -> None:
    ws = await _initialised(router)
    await _send(ws, {"type": "connection_init"})

    assert await _close_code(ws) == (4429, "Too many initialisation requests")


async def test_unreachable_subgraph_gives_an_error_event_then_complete(graph: Graph) -> None:
    with socket.socket() as sock:  # a port where nothing listens once closed
        sock.bind(("127.0.0.1", 0))
        dead = f"http://127.0.0.1:{sock.getsockname()[1]}/graphql"
    async with running_router(graph, urls={**graph.urls, "messages": dead}) as router:
        ws = await _initialised(router)
        await _send(ws, {"id": "s", "type": "subscribe", "payload": {"query": SUBSCRIPTION}})
        event, end = await _receive(ws), await _receive(ws)
        await ws.close()

    assert event["type"] == "next"
    assert event["payload"]["data"] is None
    assert event["payload"]["errors"][0]["extensions"]["code"] == "SUBSCRIPTION_CONNECTION_FAILED"
    assert end == {"id": "s", "type": "complete"}
