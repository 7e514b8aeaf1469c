"""Generated operations against the whole graph through the router.

hypothesis-graphql builds valid operations from the API schema (and, in negative mode,
invalid ones). Whatever arrives, the answer must be GraphQL: never an HTTP 5xx or a stack
trace, and every error must carry ``extensions.code``.
"""

from __future__ import annotations

import asyncio
from typing import Any

import graphql
import httpx
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis_graphql import Mode, mutations, queries

from router.api_schema import build_api_schema
from tests.support.graph import Graph

SCALARS = {
    "Decimal": st.decimals(allow_nan=False, allow_infinity=False, places=2).map(
        lambda value: graphql.StringValueNode(value=str(value))
    ),
    "DateTime": st.datetimes().map(lambda value: graphql.StringValueNode(value=value.isoformat())),
    "Date": st.dates().map(lambda value: graphql.StringValueNode(value=value.isoformat())),
    "Upload": st.just(graphql.NullValueNode()),
}
FUZZ = settings(
    max_examples=60,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)


def check_answer(response: httpx.Response) -> None:
    assert response.status_code < 500, response.text
    assert "Traceback" not in response.text
    body: dict[str, Any] = response.json()
    assert "data" in body or "errors" in body
    for error in body.get("errors") or ():
        assert error.get("extensions", {}).get("code"), error


def run_fuzz(graph: Graph, strategy: st.SearchStrategy[object], token: str | None) -> None:
    headers = {"authorization": f"Bearer {token}"} if token else {}

    @FUZZ
    @given(strategy)
    def post(query: object) -> None:
        with httpx.Client(timeout=30, trust_env=False) as client:
            check_answer(client.post(graph.url, json={"query": str(query)}, headers=headers))

    post()


def api_schema(graph: Graph) -> graphql.GraphQLSchema:
    return build_api_schema(graph.supergraph_sdl)


async def test_generated_queries_always_get_graphql_answers(fuzz_graph: Graph) -> None:
    strategy = queries(api_schema(fuzz_graph), custom_scalars=SCALARS)
    await asyncio.to_thread(run_fuzz, fuzz_graph, strategy, None)


async def test_generated_mutations_by_a_signed_in_seller_get_graphql_answers(
    fuzz_graph: Graph,
) -> None:
    token = await fuzz_graph.login("seller@realio.demo")
    strategy = mutations(api_schema(fuzz_graph), custom_scalars=SCALARS)
    await asyncio.to_thread(run_fuzz, fuzz_graph, strategy, token)


async def test_invalid_operations_are_refused_with_codes(fuzz_graph: Graph) -> None:
    strategy = queries(api_schema(fuzz_graph), custom_scalars=SCALARS, mode=Mode.NEGATIVE)
    await asyncio.to_thread(run_fuzz, fuzz_graph, strategy, None)
