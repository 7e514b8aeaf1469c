"""Failure modes through the real router: a subgraph stopped, a listing deleted under a search,
Redis unreachable. The rest of each response still arrives; only what failed is null, with an
error saying why.
"""

from __future__ import annotations

import asyncio
import hashlib
import socket
import uuid
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from redis.asyncio import Redis

from common.config import Settings
from common.ratelimit import RedisRateLimiter
from common.redis_fallback import FallbackRateLimiter, redis_answers
from router.config import RouterSettings
from tests.support.graph import Graph, running_graph
from tests.support.listings import listing_input

CREATE = "mutation($input: CreatePropertyInput!) { createProperty(input: $input) { id } }"


async def _own_graph(settings: Settings, label: str) -> AsyncIterator[Graph]:
    async with running_graph(settings, f"{label}{uuid.uuid4().hex[:6]}") as running:
        yield running


@pytest.fixture
async def stoppable(settings: Settings) -> AsyncIterator[Graph]:
    """A graph of this test's own: it stops parts of it."""
    async for running in _own_graph(settings, "fail"):
        yield running


def errors_at(body: dict[str, Any], path: list[Any]) -> list[dict[str, Any]]:
    return [e for e in body.get("errors", []) if e.get("path", [])[: len(path)] == path]


async def test_a_stopped_subgraph_nulls_only_the_fields_it_serves(stoppable: Graph) -> None:
    graph = stoppable
    seller = await graph.login("seller@realio.demo")
    await graph.data(CREATE, {"input": listing_input(title="Owner unknown for now")}, seller)

    await graph.stop_subgraph("users")
    body = await graph.call("{ properties(first: 5) { edges { node { title owner { name } } } } }")
    edges = body["data"]["properties"]["edges"]
    assert edges and all(edge["node"]["owner"] is None for edge in edges), body
    assert "Owner unknown for now" in [edge["node"]["title"] for edge in edges]
    assert errors_at(body, ["properties", "edges", 0, "node", "owner"]), body

    await graph.stop_subgraph("search")
    body = await graph.call("{ properties { totalCount } search { totalCount } }")
    assert body["data"] == {"properties": {"totalCount": 1}, "search": None}, body
    [error] = errors_at(body, ["search"])
    assert error["extensions"]["code"] == "SUBREQUEST_HTTP_ERROR"
    assert error["extensions"]["service"] == "search"
    ready = await graph.http.get(f"{graph.base_url}/ready")
    assert ready.status_code == 503 and ready.json()["unavailable"] == ["search", "users"]


async def test_the_viewer_arrives_without_favorites_while_properties_is_down(
    stoppable: Graph,
) -> None:
    token = await stoppable.login("buyer@realio.demo")
    await stoppable.stop_subgraph("properties")
    body = await stoppable.call("{ me { name favorites { totalCount } } }", token=token)
    assert body["data"] == {"me": {"name": "Bea Buyer", "favorites": None}}, body
    # The entity fetch failed for the whole viewer object: its error is reported there.
    assert errors_at(body, ["me"]), body


async def test_a_listing_deleted_under_a_search_is_nulled_alone(stoppable: Graph) -> None:
    graph = stoppable
    seller = await graph.login("seller@realio.demo")
    title = f"Vanishing cottage {uuid.uuid4().hex[:8]}"
    created = await graph.data(CREATE, {"input": listing_input(title=title)}, seller)
    await graph.settle()
    # Hold the deletion's event in the outbox: search keeps listing it, as it does for the
    # milliseconds between a delete and its event being applied.
    events = graph.apps["properties"].state.events
    await events.stop()
    try:
        await graph.data(
            "mutation($id: ID!) { deleteProperty(id: $id) }",
            {"id": created["createProperty"]["id"]},
            seller,
        )
        query = """query($text: String) {
          me { name }
          search(filter: {text: $text}) { totalCount edges { node { id title } } }
        }"""
        body = await graph.call(query, {"text": title}, seller)
        assert body["data"]["me"] == {"name": "Sam Seller"}, body
        assert body["data"]["search"]["totalCount"] == 1
        assert body["data"]["search"]["edges"] == [{"node": None}], body
    finally:
        await events.start_relay()
    await graph.settle()
    after = await graph.data(query, {"text": title}, seller)
    assert after["search"] == {"totalCount": 0, "edges": []}


def _port_nothing_listens_on() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
    return port


@pytest.fixture(scope="module")
async def graph_without_redis(settings: Settings) -> AsyncIterator[Graph]:
    dead = f"redis://127.0.0.1:{_port_nothing_listens_on()}/0"
    without = settings.model_copy(update={"redis_url": dead})
    router = RouterSettings(redis_url=dead)
    async with running_graph(without, f"noredis{uuid.uuid4().hex[:6]}", router) as running:
        yield running


async def test_with_redis_unreachable_logins_listings_and_persisted_queries_still_work(
    graph_without_redis: Graph,
) -> None:
    graph = graph_without_redis
    seller = await graph.login("seller@realio.demo")  # rate limits: in-process
    created = await graph.data(CREATE, {"input": listing_input(title="No Redis today")}, seller)
    query = "query($id: ID!) { property(id: $id) { title } }"
    variables = {"id": created["createProperty"]["id"]}
    for _ in range(2):  # listing cache: a miss each time, the database answers
        assert (await graph.data(query, variables))["property"] == {"title": "No Redis today"}
    text = "{ __typename }"
    digest = hashlib.sha256(text.encode()).hexdigest()
    apq = {"persistedQuery": {"version": 1, "sha256Hash": digest}}
    registered = await graph.http.post(graph.url, json={"query": text, "extensions": apq})
    assert registered.json() == {"data": {"__typename": "Query"}}, registered.text
    replayed = await graph.http.post(graph.url, json={"extensions": apq})
    assert replayed.json() == {"data": {"__typename": "Query"}}, replayed.text


async def test_with_redis_unreachable_ready_says_so_and_stays_ready(
    graph_without_redis: Graph,
) -> None:
    graph = graph_without_redis
    for name in ("users", "properties"):
        response = await graph.http.get(f"{graph.subgraph_urls[name]}/ready")
        body = response.json()
        assert response.status_code == 200, body
        assert body["checks"]["redis"] is False and body["degraded"] == ["redis"], body
    router = await graph.http.get(f"{graph.base_url}/ready")
    assert router.status_code == 200, router.text
    assert router.json()["degraded"] == ["redis"], router.text


async def test_too_many_logins_are_still_limited_without_redis(
    graph_without_redis: Graph,
) -> None:
    mutation = "mutation($i: LoginInput!) { login(input: $i) { accessToken } }"
    wrong = {"i": {"email": "buyer@realio.demo", "password": "not the password"}}
    codes = []
    for _ in range(30):
        body = await graph_without_redis.call(mutation, wrong)
        codes.append(body["errors"][0]["extensions"]["code"])
        if codes[-1] == "RATE_LIMITED":
            break
    assert codes[-1] == "RATE_LIMITED", codes
    assert "INTERNAL_SERVER_ERROR" not in codes


async def _redis_server(port: int) -> asyncio.subprocess.Process:
    process = await asyncio.create_subprocess_exec(
        "/usr/bin/redis-server",
        "--port",
        str(port),
        "--bind",
        "127.0.0.1",
        "--save",
        "",
        "--appendonly",
        "no",
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.STDOUT,
    )
    assert process.stdout is not None
    async with asyncio.timeout(10):  # its own log line says when it accepts connections
        while b"Ready to accept connections" not in await process.stdout.readline():
            pass
    return process


async def _stop(process: asyncio.subprocess.Process) -> None:
    process.terminate()
    await process.wait()


@pytest.mark.skipif(not Path("/usr/bin/redis-server").exists(), reason="needs redis-server")
async def test_limits_move_to_process_memory_while_redis_is_down_and_back_after() -> None:
    port = _port_nothing_listens_on()
    server = await _redis_server(port)
    redis = Redis.from_url(f"redis://127.0.0.1:{port}/0", socket_timeout=1.0)
    limiter = FallbackRateLimiter(RedisRateLimiter(redis, "t:"))
    try:
        assert (await limiter.hit("login", 2, 60)).remaining == 1
        assert await redis_answers(redis)
        await _stop(server)
        assert not await redis_answers(redis)
        # Redis is gone: counting goes on in this process, and the limit still holds.
        assert (await limiter.hit("login", 2, 60)).allowed
        assert (await limiter.hit("login", 2, 60)).allowed
        assert not (await limiter.hit("login", 2, 60)).allowed
        server = await _redis_server(port)
        # Back: Redis counts again (a fresh server, so from zero).
        assert (await limiter.hit("login", 2, 60)).remaining == 1
        assert await redis.get("t:ratelimit:login") == b"1"
    finally:
        await redis.aclose()
        await _stop(server)
