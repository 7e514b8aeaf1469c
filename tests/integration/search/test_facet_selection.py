"""Search computes only what the client selected: no facet SQL without facets, partial facets.

Statements are counted on the served search subgraph's own engine and read pool
(``tests.support.statements``), so they are the SQL a real request sent to Postgres.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest

from common.auth.viewer import Role
from tests.integration.search.conftest import ServedGraph
from tests.integration.search.graph import CREATE_PROPERTY, unique_word
from tests.support.listings import listing_input
from tests.support.personas import persona
from tests.support.statements import count_statements


@contextmanager
def statements(graph: ServedGraph) -> Iterator[list[str]]:
    """Every SQL statement the search subgraph sends while the block runs (its engine's and its
    read pool's), in lower case."""
    with count_statements(graph.search_engine, *graph.search_read_pools) as seen:
        lowered: list[str] = []
        yield lowered
    lowered.extend(statement.lower() for statement in seen)


def facet_statements(seen: list[str]) -> list[str]:
    return [s for s in seen if "grouping" in s]


@pytest.fixture(scope="module")
async def word(graph: ServedGraph) -> str:
    """Three houses and an apartment sharing a word no other listing has."""
    word = unique_word()
    seller = persona(graph.signer, Role.SELLER)
    for kind, price, bedrooms in (
        ("HOUSE", "100000", 1),
        ("HOUSE", "150000", 2),
        ("HOUSE", "420000", 2),
        ("APARTMENT", "260000", 3),
    ):
        fields = {"title": f"{word} home", "type": kind, "price": price, "bedrooms": bedrooms}
        await graph.properties.data(
            CREATE_PROPERTY, {"input": listing_input(**fields)}, token=seller.token
        )
    await graph.settle()
    return word


async def search(graph: ServedGraph, word: str, selection: str) -> tuple[dict[str, Any], list[str]]:
    query = f"""query($word: String) {{ search(filter: {{text: $word}}, first: 2) {{
        {selection} }} }}
        fragment Rooms on SearchFacets {{ bedrooms {{ bedrooms count }} }}"""
    if "...Rooms" not in selection:
        query = query.split("fragment")[0]
    with statements(graph) as seen:
        data = await graph.search.data(query, {"word": word})
    return data["search"], seen


async def test_a_page_without_facets_or_total_runs_neither(graph: ServedGraph, word: str) -> None:
    result, seen = await search(graph, word, "edges { node { id } }")
    assert len(result["edges"]) == 2
    assert seen, "the page itself was read from Postgres"
    assert facet_statements(seen) == []
    assert not any("count(" in s for s in seen)


async def test_facets_without_any_facet_field_run_no_facet_query(
    graph: ServedGraph, word: str
) -> None:
    result, seen = await search(graph, word, "facets { __typename }")
    assert result == {"facets": {"__typename": "SearchFacets"}}
    assert facet_statements(seen) == []


async def test_one_facet_is_computed_alone_and_right(graph: ServedGraph, word: str) -> None:
    result, seen = await search(graph, word, "facets { ...Rooms }")
    assert result["facets"] == {
        "bedrooms": [
            {"bedrooms": 1, "count": 1},
            {"bedrooms": 2, "count": 2},
            {"bedrooms": 3, "count": 1},
        ]
    }
    (facet_sql,) = facet_statements(seen)
    assert "bedrooms" in facet_sql
    assert "price" not in facet_sql.split("from", 1)[0]  # no histogram bucket selected


async def test_partial_facets_equal_the_same_facets_of_a_full_selection(
    graph: ServedGraph, word: str
) -> None:
    full, _ = await search(
        graph,
        word,
        """totalCount facets(priceInterval: "200000") { types { type count }
           statuses { status count } priceHistogram { min max count } ...Rooms }""",
    )
    assert full["totalCount"] == 4
    assert full["facets"]["types"] == [
        {"type": "HOUSE", "count": 3},
        {"type": "APARTMENT", "count": 1},
    ]
    partial, seen = await search(
        graph,
        word,
        """facets(priceInterval: "200000") { ... on SearchFacets { types { type count } }
           priceHistogram { min max count } }""",
    )
    assert partial["facets"] == {
        "types": full["facets"]["types"],
        "priceHistogram": full["facets"]["priceHistogram"],
    }
    assert len(facet_statements(seen)) == 1
    assert not any("count(" in s and "grouping" not in s for s in seen)  # no totalCount


FULL_FACETS = """facets(priceInterval: "200000") { types { type count }
    statuses { status count } priceHistogram { min max count } bedrooms { bedrooms count } }"""


async def search_by_price(
    graph: ServedGraph, word: str, selection: str
) -> tuple[dict[str, Any], list[str]]:
    """Words sorted by price: the page is ranked over a materialised match set."""
    query = f"""query($word: String) {{
        search(filter: {{text: $word}}, sort: PRICE_ASC, first: 2) {{ {selection} }} }}"""
    with statements(graph) as seen:
        data = await graph.search.data(query, {"word": word})
    # Reads of the index only: the engine also serves the subgraph's background work (its
    # event consumer and outbox relay), whose statements may fall inside the request.
    return data["search"], [
        s for s in seen if s.lstrip().startswith(("select", "with")) and "search_listing" in s
    ]


async def test_facets_with_page_and_total_come_from_the_one_statement(
    graph: ServedGraph, word: str
) -> None:
    fused, seen = await search_by_price(graph, word, f"totalCount edges {{ cursor }} {FULL_FACETS}")
    (statement,) = seen
    assert "grouping" in statement and "count(" in statement and "limit" in statement
    assert fused["totalCount"] == 4
    assert len(fused["edges"]) == 2
    assert fused["facets"]["types"] == [
        {"type": "HOUSE", "count": 3},
        {"type": "APARTMENT", "count": 1},
    ]
    assert fused["facets"]["bedrooms"] == [
        {"bedrooms": 1, "count": 1},
        {"bedrooms": 2, "count": 2},
        {"bedrooms": 3, "count": 1},
    ]
    # Without totalCount the facets take their own statement: the same counts either way.
    alone, seen_alone = await search_by_price(graph, word, FULL_FACETS)
    assert len(facet_statements(seen_alone)) == 1
    assert not any("limit" in s for s in facet_statements(seen_alone))
    assert alone["facets"] == fused["facets"]


async def test_facets_asked_twice_are_each_computed_with_their_own_interval(
    graph: ServedGraph, word: str
) -> None:
    result, seen = await search_by_price(
        graph,
        word,
        """totalCount
        wide: facets(priceInterval: "1000000") { priceHistogram { min max count } }
        narrow: facets(priceInterval: "200000") { priceHistogram { min max count } }""",
    )
    assert result["wide"]["priceHistogram"] == [{"min": "0", "max": "1000000", "count": 4}]
    assert [b["count"] for b in result["narrow"]["priceHistogram"]] == [2, 1, 1]
    assert len(facet_statements(seen)) == 2


async def test_a_page_of_a_repeated_shape_is_read_on_the_read_pool(
    graph: ServedGraph, word: str
) -> None:
    """Decision 0043: the shaped pages go to the index's read pool, not through the engine."""
    if not graph.search_read_pools:
        pytest.skip("the Elasticsearch index has no read pool")
    query = """query($word: String) {
        search(filter: {text: $word}, sort: PRICE_ASC, first: 2) {
            totalCount edges { cursor } } }"""
    with (
        count_statements(graph.search_engine, *graph.search_read_pools) as everywhere,
        count_statements(graph.search_engine) as through_the_engine,
    ):
        data = await graph.search.data(query, {"word": word})
    assert data["search"]["totalCount"] == 4
    pages = [s for s in everywhere if "search_listing" in s and "LIMIT" in s.upper()]
    assert len(pages) == 1
    assert pages[0] not in through_the_engine
