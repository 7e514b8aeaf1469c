"""Property changes reach search through the real event pipeline.

The properties subgraph and the search subgraph are both served on loopback; listings are
created, edited and deleted through properties' GraphQL API and found through search's.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from common.auth.viewer import Role
from tests.integration.search.conftest import ServedGraph
from tests.integration.search.graph import (
    CREATE_PROPERTY,
    DELETE_PROPERTY,
    SEARCH,
    UPDATE_PROPERTY,
    unique_word,
)
from tests.support.listings import listing_input
from tests.support.personas import persona


async def _create(graph: ServedGraph, **fields: Any) -> str:
    seller = persona(graph.signer, Role.SELLER)
    data = await graph.properties.data(
        CREATE_PROPERTY, {"input": listing_input(**fields)}, token=seller.token
    )
    return str(data["createProperty"]["id"])


async def _found_ids(graph: ServedGraph, search_filter: dict[str, Any]) -> list[str]:
    data = await graph.search.data(SEARCH, {"filter": search_filter})
    return [edge["node"]["id"] for edge in data["search"]["edges"]]


async def test_a_created_listing_is_found(graph: ServedGraph) -> None:
    word = unique_word()
    listing = await _create(graph, title=f"Bright {word} loft")
    await graph.settle()
    assert await _found_ids(graph, {"text": word}) == [listing]


async def test_a_price_change_is_reflected(graph: ServedGraph) -> None:
    word = unique_word()
    seller = persona(graph.signer, Role.SELLER)
    created = await graph.properties.data(
        CREATE_PROPERTY, {"input": listing_input(title=f"{word} cottage")}, token=seller.token
    )
    listing = created["createProperty"]["id"]
    await graph.settle()
    assert await _found_ids(graph, {"text": word, "priceMax": "500000"}) == []
    await graph.properties.data(
        UPDATE_PROPERTY, {"id": listing, "input": {"price": "480000.00"}}, token=seller.token
    )
    await graph.settle()
    assert await _found_ids(graph, {"text": word, "priceMax": "500000"}) == [listing]
    assert await _found_ids(graph, {"text": word, "priceMin": "500000"}) == []


async def test_a_deleted_listing_is_gone(graph: ServedGraph) -> None:
    word = unique_word()
    seller = persona(graph.signer, Role.SELLER)
    created = await graph.properties.data(
        CREATE_PROPERTY, {"input": listing_input(title=f"{word} villa")}, token=seller.token
    )
    listing = created["createProperty"]["id"]
    await graph.settle()
    assert await _found_ids(graph, {"text": word}) == [listing]
    await graph.properties.data(DELETE_PROPERTY, {"id": listing}, token=seller.token)
    await graph.settle()
    assert await _found_ids(graph, {"text": word}) == []


async def test_an_edit_racing_a_delete_never_resurrects_the_listing(graph: ServedGraph) -> None:
    word = unique_word()
    seller = persona(graph.signer, Role.SELLER)
    created = await graph.properties.data(
        CREATE_PROPERTY, {"input": listing_input(title=f"{word} flat")}, token=seller.token
    )
    listing = created["createProperty"]["id"]
    # Edit and delete back to back: the update event is still in flight when the delete lands.
    await graph.properties.data(
        UPDATE_PROPERTY, {"id": listing, "input": {"price": "1.00"}}, token=seller.token
    )
    await graph.properties.data(DELETE_PROPERTY, {"id": listing}, token=seller.token)
    await graph.settle()
    assert await _found_ids(graph, {"text": word}) == []


async def test_facets_and_total_count_cover_listings_from_events(graph: ServedGraph) -> None:
    word = unique_word()
    for price, bedrooms in (("100000", 1), ("150000", 2), ("420000", 2)):
        await _create(graph, title=f"{word} home", price=price, bedrooms=bedrooms)
    await graph.settle()
    data = await graph.search.data(
        """query($word: String) { search(filter: {text: $word}, first: 1) {
             totalCount
             facets(priceInterval: "200000") {
               types { type count } bedrooms { bedrooms count }
               priceHistogram { min max count } } } }""",
        {"word": word},
    )
    result = data["search"]
    assert result["totalCount"] == 3
    assert result["facets"]["types"] == [{"type": "HOUSE", "count": 3}]
    assert result["facets"]["bedrooms"] == [
        {"bedrooms": 1, "count": 1},
        {"bedrooms": 2, "count": 2},
    ]
    histogram = [
        (Decimal(b["min"]), Decimal(b["max"]), b["count"])
        for b in result["facets"]["priceHistogram"]
    ]
    assert histogram == [
        (Decimal(0), Decimal(200000), 2),
        (Decimal(400000), Decimal(600000), 1),
    ]
