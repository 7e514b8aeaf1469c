"""The router's ``/metrics``: requests, latency, subgraph fetches, plan cache, subscriptions."""

from __future__ import annotations

import asyncio
import re
import socket
from collections.abc import Callable

import httpx
import orjson
from prometheus_client.parser import text_string_to_metric_families

from common.config import REPO_ROOT
from common.metrics import BoundedLabel
from tests.router.server.conftest import Graph, RunningRouter, running_router
from tests.router.server.test_websocket import SUBSCRIPTION, _initialised, _receive, _send

WAIT = 5.0


async def scrape(client: httpx.AsyncClient, router: RunningRouter) -> dict[tuple[str, str], float]:
    """``(sample name, sorted labels)`` → value, from the router's ``/metrics``."""
    response = await client.get(router.url + "/metrics")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/plain")
    samples = {}
    for family in text_string_to_metric_families(response.text):
        for sample in family.samples:
            labels = ",".join(f"{k}={v}" for k, v in sorted(sample.labels.items()))
            samples[(sample.name, labels)] = sample.value
    return samples


def value(samples: dict[tuple[str, str], float], name: str, **labels: str) -> float:
    key = ",".join(f"{k}={v}" for k, v in sorted(labels.items()))
    return samples.get((name, key), 0.0)


async def eventually(check: Callable[[], object], client: httpx.AsyncClient) -> None:
    """Wait (bounded) until ``check()`` holds; it scrapes, so it is polled."""
    async with asyncio.timeout(WAIT):
        while not await check():  # type: ignore[misc]  # noqa: ASYNC110 (a scrape, not an event)
            await asyncio.sleep(0.01)  # polling /metrics for a condition, with a deadline


async def test_named_queries_are_counted_and_timed_by_operation_and_outcome(
    graph: Graph, client: httpx.AsyncClient
) -> None:
    async with running_router(graph) as router:
        for _ in range(2):
            ok = await client.post(router.graphql, json={"query": "query Me { me { name } }"})
            assert ok.status_code == 200
        broken = {"query": "query Broken { me { nope } }", "operationName": "Broken"}
        await client.post(router.graphql, json=broken)
        samples = await scrape(client, router)

    requests = "realio_router_requests_total"
    assert (
        value(samples, requests, transport="http", operation="Me", type="query", outcome="ok") == 2
    )
    assert (
        value(
            samples,
            requests,
            transport="http",
            operation="Broken",
            type="unknown",
            outcome="request_error",
        )
        == 1
    )
    latency = "realio_router_request_duration_seconds_count"
    assert value(samples, latency, operation="Me", type="query", outcome="ok") == 2
    fetches = "realio_router_subgraph_fetch_duration_seconds_count"
    assert value(samples, fetches, subgraph="users", outcome="ok") == 2
    # The second `Me` found its plan in the cache; `Broken` never reached the planner's cache.
    assert value(samples, "realio_router_plan_cache_hits_total") == 1
    assert value(samples, "realio_router_plan_cache_misses_total") == 2


async def test_unreachable_subgraph_counts_a_fetch_error_for_that_subgraph(
    graph: Graph, client: httpx.AsyncClient
) -> None:
    with socket.socket() as sock:  # a port where nothing listens once closed
        sock.bind(("127.0.0.1", 0))
        dead = f"http://127.0.0.1:{sock.getsockname()[1]}/graphql"
    async with running_router(graph, urls={**graph.urls, "users": dead}) as router:
        await client.post(router.graphql, json={"query": "query Me { me { name } }"})
        samples = await scrape(client, router)

    assert (
        value(
            samples,
            "realio_router_subgraph_fetch_errors_total",
            subgraph="users",
            kind="http_error",
        )
        == 1
    )
    assert (
        value(
            samples,
            "realio_router_requests_total",
            transport="http",
            operation="Me",
            type="query",
            outcome="graphql_error",
        )
        == 1
    )


async def test_open_subscriptions_gauge_follows_websocket_subscriptions(
    graph: Graph, client: httpx.AsyncClient
) -> None:
    gauge = "realio_router_open_subscriptions"
    async with running_router(graph) as router:
        ws = await _initialised(router)
        await _send(ws, {"id": "s", "type": "subscribe", "payload": {"query": SUBSCRIPTION}})
        await asyncio.wait_for(graph.feed.opened.wait(), WAIT)
        open_now = value(await scrape(client, router), gauge, transport="ws")
        await _send(ws, {"id": "q", "type": "subscribe", "payload": {"query": "{ me { id } }"}})
        assert (await _receive(ws))["id"] == "q"
        await ws.close()

        async def closed() -> bool:
            return value(await scrape(client, router), gauge, transport="ws") == 0

        await eventually(closed, client)
        samples = await scrape(client, router)

    assert open_now == 1
    requests = "realio_router_requests_total"
    assert (
        value(
            samples,
            requests,
            transport="ws",
            operation="anonymous",
            type="subscription",
            outcome="ok",
        )
        == 1
    )
    assert (
        value(samples, requests, transport="ws", operation="anonymous", type="query", outcome="ok")
        == 1
    )


async def test_operation_names_beyond_the_cap_share_the_other_series(
    graph: Graph, client: httpx.AsyncClient
) -> None:
    async with running_router(graph, metrics_max_operations=2) as router:
        for name in ("A", "B", "C", "D", "A"):
            query = f"query {name} {{ me {{ id }} }}"
            await client.post(
                router.graphql,
                content=orjson.dumps({"query": query}),
                headers={"content-type": "application/json"},
            )
        samples = await scrape(client, router)

    operations = {
        dict(pair.split("=") for pair in labels.split(","))["operation"]
        for (name, labels) in samples
        if name == "realio_router_requests_total"
    }
    assert operations == {"A", "B", "other"}
    ok = {"transport": "http", "type": "query", "outcome": "ok"}
    assert value(samples, "realio_router_requests_total", operation="A", **ok) == 2
    assert value(samples, "realio_router_requests_total", operation="other", **ok) == 2


def test_bounded_label_admits_first_values_and_keeps_them() -> None:
    label = BoundedLabel(2)

    assert [label(v) for v in ("x", "y", "z", "x", "y", "z")] == ["x", "y", "other"] * 2


async def test_every_router_metric_the_readme_names_is_served(
    graph: Graph, client: httpx.AsyncClient
) -> None:
    named = set(re.findall(r"`(realio_router_\w+)`", (REPO_ROOT / "README.md").read_text()))
    async with running_router(graph) as router:
        await client.post(router.graphql, json={"query": "query Me { me { id } }"})
        ws = await _initialised(router)
        await _send(ws, {"id": "s", "type": "subscribe", "payload": {"query": SUBSCRIPTION}})
        await asyncio.wait_for(graph.feed.opened.wait(), WAIT)
        text = (await client.get(router.url + "/metrics")).text
        served = set(re.findall(r"^# HELP (\w+) ", text, flags=re.MULTILINE))
        await ws.close()

    assert len(named) == 7
    assert named <= served
