"""A WebSocket's viewer: its token from ``connection_init``, verified, forwarded to subgraphs."""

from __future__ import annotations

import asyncio
import time
from typing import Any

import httpx
import orjson
import pytest

from router.server.auth import authorization_of
from tests.router.server.conftest import Graph, RunningRouter, running_router
from tests.router.server.test_websocket import (
    SUBSCRIPTION,
    WAIT,
    _close_code,
    _initialised,
    _open,
    _receive,
    _send,
)
from tests.router.server.tokens import TOKENS, make_tokens


@pytest.mark.parametrize(
    ("payload", "expected"),
    [
        ({"Authorization": "Bearer abc"}, "Bearer abc"),
        ({"authorization": "Bearer abc"}, "Bearer abc"),
        ({"authToken": "abc"}, "Bearer abc"),
        ({"authToken": "Bearer abc"}, "Bearer abc"),
        ({"Authorization": "abc"}, "Bearer abc"),
        ({"token": "abc"}, None),
        ({}, None),
        (None, None),
    ],
)
def test_token_is_read_from_the_usual_connection_init_keys(
    payload: dict[str, Any] | None, expected: str | None
) -> None:
    assert authorization_of(payload) == expected


@pytest.mark.parametrize("key", ["Authorization", "authorization", "authToken"])
async def test_connection_init_token_reaches_the_subgraph_subscription(
    graph: Graph, router: RunningRouter, key: str
) -> None:
    token = TOKENS.issue()
    value = token if key == "authToken" else f"Bearer {token}"
    ws = await _initialised(router, {key: value, "locale": "en"})
    await _send(ws, {"id": "s", "type": "subscribe", "payload": {"query": SUBSCRIPTION}})
    await asyncio.wait_for(graph.feed.opened.wait(), WAIT)
    await ws.close()

    # Whatever key the client used, the subgraph gets the one its own server reads.
    assert graph.feed.connection_params == [{"Authorization": f"Bearer {token}", "locale": "en"}]
    assert graph.feed.handshake_headers[0]["authorization"] == f"Bearer {token}"


async def test_queries_and_mutations_over_websocket_carry_the_connection_token(
    graph: Graph, router: RunningRouter
) -> None:
    token = TOKENS.issue()
    ws = await _initialised(router, {"authToken": token})
    await _send(ws, {"id": "q", "type": "subscribe", "payload": {"query": "{ me { name } }"}})
    query_result = await _receive(ws)
    assert await _receive(ws) == {"id": "q", "type": "complete"}
    mutation = {"query": 'mutation { rename(name: "Ada L.") { name } }'}
    await _send(ws, {"id": "m", "type": "subscribe", "payload": mutation})
    mutation_result = await _receive(ws)
    await ws.close()

    assert query_result["payload"] == {"data": {"me": {"name": "Ada"}}}
    assert mutation_result["payload"] == {"data": {"rename": {"name": "Ada L."}}}
    query_fetch, mutation_fetch = graph.cluster["users"].requests
    assert query_fetch.headers["authorization"] == f"Bearer {token}"
    assert mutation_fetch.headers["authorization"] == f"Bearer {token}"


async def test_connection_init_token_wins_over_the_upgrade_header(
    graph: Graph, router: RunningRouter
) -> None:
    header_token, payload_token = TOKENS.issue(), TOKENS.issue()
    ws = await _initialised(
        router,
        {"Authorization": f"Bearer {payload_token}"},
        additional_headers={"authorization": f"Bearer {header_token}"},
    )
    await _send(ws, {"id": "q", "type": "subscribe", "payload": {"query": "{ me { id } }"}})
    await _receive(ws)
    await ws.close()

    [fetch] = graph.cluster["users"].requests
    assert fetch.headers["authorization"] == f"Bearer {payload_token}"


@pytest.mark.parametrize(
    "payload",
    [
        {"Authorization": "Bearer not-a-jwt"},
        {"authToken": make_tokens().issue()},  # signed by a key the router does not trust
        {"authorization": f"Bearer {TOKENS.issue(now=int(time.time()) - 3600)}"},  # expired
        {"Authorization": "Basic dXNlcjpwYXNz"},
    ],
    ids=["malformed", "foreign-key", "expired", "not-bearer"],
)
async def test_invalid_connection_init_token_closes_4403(
    graph: Graph, router: RunningRouter, payload: dict[str, str]
) -> None:
    ws = await _open(router)
    await _send(ws, {"type": "connection_init", "payload": payload})

    assert await _close_code(ws) == (4403, "Forbidden")
    assert graph.feed.connection_params == []
    assert graph.cluster.counts() == {"users": 0, "messages": 0}


async def test_invalid_upgrade_header_token_closes_4403(router: RunningRouter) -> None:
    ws = await _open(router, additional_headers={"authorization": "Bearer forged"})
    await _send(ws, {"type": "connection_init"})

    assert await _close_code(ws) == (4403, "Forbidden")


async def test_anonymous_connection_is_accepted_and_forwards_no_token(
    graph: Graph, router: RunningRouter
) -> None:
    ws = await _initialised(router, {})
    await _send(ws, {"id": "q", "type": "subscribe", "payload": {"query": "{ me { id } }"}})
    await _receive(ws)
    await ws.close()

    [fetch] = graph.cluster["users"].requests
    assert "authorization" not in fetch.headers


async def test_without_a_verifier_tokens_pass_to_the_subgraphs_unchecked(graph: Graph) -> None:
    async with running_router(graph, verifier=None, jwks_url=None) as router:
        ws = await _initialised(router, {"authToken": "opaque"})
        await _send(ws, {"id": "q", "type": "subscribe", "payload": {"query": "{ me { id } }"}})
        await _receive(ws)
        await ws.close()

    [fetch] = graph.cluster["users"].requests
    assert fetch.headers["authorization"] == "Bearer opaque"


async def test_sse_subscription_takes_the_authorization_header(
    graph: Graph, router: RunningRouter, client: httpx.AsyncClient
) -> None:
    token = TOKENS.issue()
    headers = {"accept": "text/event-stream", "authorization": f"Bearer {token}"}
    async with client.stream(
        "POST", router.graphql, json={"query": SUBSCRIPTION}, headers=headers
    ) as response:
        assert response.status_code == 200
        await asyncio.wait_for(graph.feed.opened.wait(), WAIT)
        lines = response.aiter_lines()
        graph.feed.publish("m1", "hi", author_id="2")
        data = ""
        while not data.startswith("data: {"):
            data = await asyncio.wait_for(anext(lines), WAIT)

    assert orjson.loads(data[len("data: ") :]) == {
        "data": {"messageAdded": {"body": "hi", "author": {"name": "Grace"}}}
    }
    assert graph.feed.handshake_headers[0]["authorization"] == f"Bearer {token}"
    [entity_fetch] = graph.cluster["users"].requests
    assert entity_fetch.headers["authorization"] == f"Bearer {token}"
