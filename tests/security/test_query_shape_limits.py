"""Query shapes that would block the router are refused with a clear code, quickly enough
that the router keeps answering other requests meanwhile (timings live in bench/limits_bench).
"""

from __future__ import annotations

import asyncio
from typing import Any

import httpx
import pytest

from bench.limits_bench import nested_spreads, repeated_fields, root_spreads
from tests.support.graph import Graph

LIMIT_CODES = {
    "MAX_DEPTH_EXCEEDED",
    "MAX_ALIASES_EXCEEDED",
    "MAX_ROOT_FIELDS_EXCEEDED",
    "MAX_TOKENS_EXCEEDED",
    "MAX_FRAGMENT_SPREADS_EXCEEDED",
    "MAX_FIELDS_EXCEEDED",
    "MAX_FIELD_REPEATS_EXCEEDED",
    "COST_LIMIT_EXCEEDED",
}


async def _refused_while_health_answers(graph: Graph, query: str) -> dict[str, Any]:
    """Send ``query`` and a ``/health`` probe together; both must be answered."""
    body, health = await asyncio.gather(
        graph.call(query), graph.http.get(f"{graph.base_url}/health")
    )
    assert health.status_code == 200
    assert health.json() == {"status": "ok"}
    assert body.get("data") is None
    [error] = body["errors"]
    return error


@pytest.mark.parametrize("levels", [16, 29])
async def test_nested_fragment_spreads_are_refused_and_the_router_stays_responsive(
    graph: Graph, levels: int
) -> None:
    query = nested_spreads(levels)
    assert len(query.encode()) < 2_000  # far within the body limit

    error = await _refused_while_health_answers(graph, query)

    assert error["extensions"] == {"code": "MAX_FRAGMENT_SPREADS_EXCEEDED", "limit": 200}
    assert "spreads fragments" in error["message"]


@pytest.mark.parametrize("levels", [16, 29])
async def test_nested_fragment_spreads_on_the_query_type_are_refused(
    graph: Graph, levels: int
) -> None:
    error = await _refused_while_health_answers(graph, root_spreads(levels))

    assert error["extensions"]["code"] == "MAX_FRAGMENT_SPREADS_EXCEEDED"


async def test_a_field_repeated_hundreds_of_times_is_refused_before_validation(
    graph: Graph,
) -> None:
    error = await _refused_while_health_answers(graph, repeated_fields(400))

    assert error["extensions"] == {"code": "MAX_FIELD_REPEATS_EXCEEDED", "limit": 50}
    assert error["message"].startswith("The document selects 'listings' 400 times")


async def test_fragments_spread_a_few_times_still_work(graph: Graph) -> None:
    query = """
    { me { ...A ...B } }
    fragment A on User { id ...C }
    fragment B on User { name ...C }
    fragment C on User { email }
    """
    token = await graph.login("admin@realio.demo")

    data = await graph.data(query, token=token)

    assert data["me"]["email"] == "admin@realio.demo"
    assert set(data["me"]) == {"id", "name", "email"}


def _three_levels_of_listings(size: str) -> str:
    """Users' listings' owners' listings' owners' listings: three page-size multipliers."""
    page = f"(first: {size})" if size else ""
    listings = "listings" + page + " { edges { node { id } } }"
    for _ in range(2):
        listings = "listings" + page + " { edges { node { owner { " + listings + " } } } }"
    return "{ users" + page + " { edges { node { " + listings + " } } } }"


async def test_omitted_page_sizes_cost_as_much_as_the_default_given_explicitly(
    graph: Graph,
) -> None:
    token = await graph.login("admin@realio.demo")

    explicit = await graph.error(_three_levels_of_listings("20"), token=token)
    omitted = await graph.error(_three_levels_of_listings(""), token=token)

    assert explicit["extensions"]["code"] == "COST_LIMIT_EXCEEDED"
    assert omitted["extensions"] == explicit["extensions"]
    small = await graph.call(_three_levels_of_listings("2"), token=token)
    codes = {e["extensions"]["code"] for e in small.get("errors", ())}
    assert not codes & LIMIT_CODES
    assert isinstance(small["data"]["users"]["edges"], list)


@pytest.mark.parametrize("subgraph", ["users", "properties"])
async def test_subgraphs_reached_directly_refuse_the_same_shapes(
    graph: Graph, subgraph: str
) -> None:
    url = f"{graph.subgraph_urls[subgraph]}/graphql"
    spreads = root_spreads(29)
    repeats = "{ " + "__typename " * 60 + "}"

    # A client of its own, closed here: the graph's shared one only talks to the router.
    async with httpx.AsyncClient(timeout=30, trust_env=False) as http:
        answers = [(await http.post(url, json={"query": q})).json() for q in (spreads, repeats)]
        health = await http.get(f"{graph.subgraph_urls[subgraph]}/health")
        ok = await http.post(url, json={"query": "{ __typename }"})

    codes = [answer["errors"][0]["extensions"]["code"] for answer in answers]
    assert codes == ["MAX_FRAGMENT_SPREADS_EXCEEDED", "MAX_FIELD_REPEATS_EXCEEDED"]
    assert all(answer.get("data") is None for answer in answers)
    assert health.status_code == 200
    assert ok.json() == {"data": {"__typename": "Query"}}
