"""Headers forwarded to subgraphs, request ids, health and readiness, query plans, masking."""

from __future__ import annotations

import asyncio
import re
import socket
from typing import Any

import httpx

from router.gateway import Gateway, GatewayRequest, PreparedOperation
from tests.router.harness import SubgraphCluster
from tests.router.server.conftest import SUPERGRAPH, Graph, RunningRouter, running_router
from tests.router.server.subgraphs import users_app

ME = {"query": "{ me { id } }"}


async def test_authorization_traceparent_and_request_id_reach_the_subgraph(
    graph: Graph, router: RunningRouter, client: httpx.AsyncClient
) -> None:
    traceparent = "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01"
    response = await client.post(
        router.graphql,
        json=ME,
        headers={
            "authorization": "Bearer token-1",
            "traceparent": traceparent,
            "x-request-id": "req-42",
            "cookie": "session=secret",
        },
    )

    assert response.headers["x-request-id"] == "req-42"
    [received] = graph.cluster["users"].requests
    assert received.headers["authorization"] == "Bearer token-1"
    assert received.headers["traceparent"] == traceparent
    assert received.headers["x-request-id"] == "req-42"
    assert "cookie" not in received.headers


async def test_subgraphs_see_the_client_address_appended_to_x_forwarded_for(
    graph: Graph, router: RunningRouter, client: httpx.AsyncClient
) -> None:
    # The test client connects from 127.0.0.1, so that is the peer the router appends.
    await client.post(router.graphql, json=ME)
    await client.post(
        router.graphql,
        json=ME,
        headers=[
            ("x-forwarded-for", "203.0.113.1, 10.0.0.1"),
            ("x-forwarded-for", "198.51.100.7"),
            ("tracestate", "vendor=abc"),
        ],
    )

    direct, proxied = graph.cluster["users"].requests
    assert direct.headers["x-forwarded-for"] == "127.0.0.1"
    assert proxied.headers["x-forwarded-for"] == "203.0.113.1, 10.0.0.1, 198.51.100.7, 127.0.0.1"
    assert proxied.headers["tracestate"] == "vendor=abc"


async def test_a_request_id_is_generated_when_absent_and_sent_to_the_subgraph(
    graph: Graph, router: RunningRouter, client: httpx.AsyncClient
) -> None:
    response = await client.post(router.graphql, json=ME)

    request_id = response.headers["x-request-id"]
    assert re.fullmatch(r"[0-9a-f]{32}", request_id)
    [received] = graph.cluster["users"].requests
    assert received.headers["x-request-id"] == request_id
    assert "authorization" not in received.headers


async def test_health_answers_while_the_process_runs(
    router: RunningRouter, client: httpx.AsyncClient
) -> None:
    response = await client.get(router.url + "/health")

    assert response.status_code == 200
    assert response.json() == {"status": "ok"}


async def test_ready_when_every_subgraph_answers_typename(
    graph: Graph, router: RunningRouter, client: httpx.AsyncClient
) -> None:
    response = await client.get(router.url + "/ready")

    assert response.status_code == 200
    assert response.json() == {
        "status": "ready",
        "subgraphs": {"messages": "ok", "users": "ok"},
    }
    assert graph.cluster.counts() == {"users": 1, "messages": 1}
    assert graph.cluster["users"].requests[0].json() == {"query": "{ __typename }"}


def _closed_port_url() -> str:
    # Bind then close: nothing listens there afterwards, so connections are refused.
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    return f"http://127.0.0.1:{port}/graphql"


async def test_not_ready_lists_the_subgraphs_that_do_not_answer(
    graph: Graph, client: httpx.AsyncClient
) -> None:
    urls = {**graph.urls, "messages": _closed_port_url()}
    async with (
        SubgraphCluster({"broken": users_app(status=503)}) as broken,
        running_router(graph, urls={**urls, "users": broken.urls["broken"]}) as router,
    ):
        response = await client.get(router.url + "/ready")

    assert response.status_code == 503
    body = response.json()
    assert body["status"] == "unavailable"
    assert body["unavailable"] == ["messages", "users"]
    assert body["subgraphs"]["users"] == "HTTP 503"
    assert body["subgraphs"]["messages"] == "could not connect"
    assert "127.0.0.1" not in response.text  # addresses stay in the log


async def test_query_plan_is_returned_on_opt_in_header(
    router: RunningRouter, client: httpx.AsyncClient
) -> None:
    plain = await client.post(router.graphql, json=ME)
    with_plan = await client.post(router.graphql, json=ME, headers={"x-realio-query-plan": "true"})

    assert "extensions" not in plain.json()
    body = with_plan.json()
    assert body["data"] == {"me": {"id": "1"}}
    plan = body["extensions"]["queryPlan"]
    assert plan["object"]["kind"] == "QueryPlan"
    assert "users" in plan["text"]


async def test_query_plan_shown_is_the_one_the_request_ran(
    router: RunningRouter, client: httpx.AsyncClient
) -> None:
    # The plan depends on the variables: the skipped root field is not fetched nor shown.
    query = "query($all: Boolean!) { me { id } messages @include(if: $all) { id } }"
    plans = {}
    for include in (False, True):
        response = await client.post(
            router.graphql,
            json={"query": query, "variables": {"all": include}},
            headers={"x-realio-query-plan": "true"},
        )
        plans[include] = response.json()["extensions"]["queryPlan"]["text"]

    assert "messages" not in plans[False]
    assert "messages" in plans[True]


async def test_query_plan_header_is_ignored_unless_enabled(
    graph: Graph, client: httpx.AsyncClient
) -> None:
    async with running_router(graph, query_plan_header_enabled=False) as router:
        response = await client.post(
            router.graphql, json=ME, headers={"x-realio-query-plan": "true"}
        )

    assert response.json() == {"data": {"me": {"id": "1"}}}


async def test_per_subgraph_timeout_yields_an_error_not_a_hang(
    graph: Graph, client: httpx.AsyncClient
) -> None:
    never = asyncio.Event()  # the slow subgraph waits for this until the test is over
    async with (
        SubgraphCluster({"users": users_app(delay=never)}) as slow,
        running_router(
            graph,
            urls={**graph.urls, "users": slow.urls["users"]},
            subgraph_timeout=30.0,
            subgraph_timeouts={"users": 0.2},
        ) as router,
    ):
        try:
            response = await client.post(router.graphql, json=ME)
        finally:
            never.set()  # let the subgraph's pending handler end so its server can stop

    assert response.status_code == 200
    body = response.json()
    assert body.get("data") in (None, {"me": None})
    assert body["errors"]
    assert slow.counts() == {"users": 1}


class _ExplodingGateway(Gateway):
    """A real gateway whose execution hits a bug: the server must mask it."""

    async def execute(
        self, prepared: PreparedOperation, request: GatewayRequest, *, include_plan: bool = False
    ) -> dict[str, Any]:
        raise RuntimeError("secret internal detail")


async def test_unexpected_exception_is_masked_with_the_request_id(
    graph: Graph, client: httpx.AsyncClient
) -> None:
    gateway = _ExplodingGateway(SUPERGRAPH, subgraph_urls=graph.urls)
    async with running_router(graph, gateway=gateway) as router:
        response = await client.post(router.graphql, json=ME, headers={"x-request-id": "r-9"})
    await gateway.aclose()

    assert response.status_code == 200
    assert response.json() == {
        "data": None,
        "errors": [
            {
                "message": "Internal server error (request id r-9)",
                "extensions": {"code": "INTERNAL_SERVER_ERROR", "requestId": "r-9"},
            }
        ],
    }
    assert "secret" not in response.text
