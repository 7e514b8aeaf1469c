"""In-flight sharing (decision 0034), counted on a real subgraph server: identical queries in
flight share one execution, identical subgraph fetches share one upstream request; never for
mutations, never across viewers, not when switched off.

The users subgraph holds every request until the test opens its gate, so the requests of a
test are in flight together for as long as the test needs; a test waits for what it expects
to have arrived (a bounded wait on a condition), then opens the gate.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

import httpx
import pytest

from router.server.operation import RouterState
from tests.router.harness import SubgraphCluster
from tests.router.server.conftest import Graph, RunningRouter, running_router
from tests.router.server.subgraphs import MessagesFeed, messages_app, users_app

QUERY = "{ users(first: 2) { id name } }"
ANSWER = {"data": {"users": [{"id": "1", "name": "Ada"}, {"id": "2", "name": "Grace"}]}}


@pytest.fixture
async def gate() -> asyncio.Event:
    return asyncio.Event()


@pytest.fixture
async def gated(gate: asyncio.Event) -> AsyncIterator[Graph]:
    feed = MessagesFeed()
    apps = {"users": users_app(delay=gate), "messages": messages_app(feed)}
    async with SubgraphCluster(apps) as cluster:
        yield Graph(cluster, feed)


async def _until(condition: Callable[[], bool], what: str, seconds: float = 10.0) -> None:
    """Wait (bounded) until ``condition()`` holds; polled, the event loop runs in between."""
    async with asyncio.timeout(seconds):
        while not condition():  # noqa: ASYNC110 (counters in other tasks: no event to wait on)
            await asyncio.sleep(0.01)  # polling a condition, with a deadline
    assert condition(), what


async def _post(
    client: httpx.AsyncClient, url: str, query: str, headers: dict[str, str] | None = None
) -> Any:
    response = await client.post(url, json={"query": query}, headers=headers or {})
    assert response.status_code == 200
    return response.json()


async def _together(
    gate: asyncio.Event,
    arrived: Callable[[], bool],
    requests: list[Awaitable[Any]],
) -> list[Any]:
    tasks = [asyncio.ensure_future(request) for request in requests]
    try:
        await _until(arrived, "the requests did not all arrive while the subgraph was held")
    finally:
        gate.set()
    return await asyncio.gather(*tasks)


async def test_identical_queries_in_flight_share_one_execution(
    gated: Graph, gate: asyncio.Event, client: httpx.AsyncClient
) -> None:
    async with running_router(gated) as router:
        state = _app_state(router)
        results = await _together(
            gate,
            lambda: state.inflight is not None and state.inflight.joined == 4,
            [_post(client, router.graphql, QUERY) for _ in range(5)],
        )
    assert results == [ANSWER] * 5
    assert gated.cluster.counts()["users"] == 1
    assert state.inflight is not None and state.inflight.started == 1


async def test_viewers_never_share(
    gated: Graph, gate: asyncio.Event, client: httpx.AsyncClient
) -> None:
    async with running_router(gated) as router:
        results = await _together(
            gate,
            lambda: gated.cluster.counts()["users"] == 3,
            [
                _post(client, router.graphql, QUERY, {"authorization": "Bearer ada"}),
                _post(client, router.graphql, QUERY, {"authorization": "Bearer grace"}),
                _post(client, router.graphql, QUERY),
            ],
        )
    assert results == [ANSWER] * 3
    authorizations = sorted(
        request.headers.get("authorization", "-") for request in gated.cluster["users"].requests
    )
    assert authorizations == ["-", "Bearer ada", "Bearer grace"]


async def test_mutations_never_share(
    gated: Graph, gate: asyncio.Event, client: httpx.AsyncClient
) -> None:
    mutation = 'mutation { rename(name: "Ada L.") { id name } }'
    async with running_router(gated) as router:
        results = await _together(
            gate,
            lambda: gated.cluster.counts()["users"] == 2,
            [_post(client, router.graphql, mutation) for _ in range(2)],
        )
    assert results == [{"data": {"rename": {"id": "1", "name": "Ada L."}}}] * 2


async def test_identical_subgraph_fetches_of_separate_executions_share_one_request(
    gated: Graph, gate: asyncio.Event, client: httpx.AsyncClient
) -> None:
    # Two documents (they differ in a comment) plan the same subgraph fetch: two executions.
    other = "# another client\n" + QUERY
    async with running_router(gated) as router:
        state = _app_state(router)
        fetcher = state.gateway.fetcher
        results = await _together(
            gate,
            lambda: fetcher.shared_fetches == 1,
            [_post(client, router.graphql, QUERY), _post(client, router.graphql, other)],
        )
    assert results == [ANSWER] * 2
    assert state.inflight is not None and state.inflight.started == 2
    assert gated.cluster.counts()["users"] == 1


async def test_switched_off_every_request_goes_upstream(
    gated: Graph, gate: asyncio.Event, client: httpx.AsyncClient
) -> None:
    async with running_router(
        gated, deduplicate_inflight_requests=False, deduplicate_subgraph_fetches=False
    ) as router:
        state = _app_state(router)
        results = await _together(
            gate,
            lambda: gated.cluster.counts()["users"] == 3,
            [_post(client, router.graphql, QUERY) for _ in range(3)],
        )
    assert results == [ANSWER] * 3
    assert state.inflight is None


def _app_state(router: RunningRouter) -> RouterState:
    assert router.app is not None
    state: RouterState = router.app.state.router
    return state
