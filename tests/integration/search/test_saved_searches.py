"""Saved searches: private to their owner; new listings and price drops that match announce
``search.saved_search_matched`` through search's outbox."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from common.auth.viewer import Role
from subgraphs.search.models import outbox
from tests.integration.search.conftest import ServedGraph
from tests.integration.search.graph import CREATE_PROPERTY, UPDATE_PROPERTY, unique_word
from tests.support.listings import listing_input
from tests.support.personas import Persona, persona

SAVE = """
mutation Save($name: String!, $filter: SearchFilterInput!) {
  saveSearch(name: $name, filter: $filter) {
    id name filter { text priceMax types near { latitude longitude radiusKm } }
  }
}"""
MINE = "query { savedSearches { id name } }"
DELETE = "mutation Delete($id: ID!) { deleteSavedSearch(id: $id) }"


async def _save(graph: ServedGraph, owner: Persona, search_filter: dict[str, Any]) -> str:
    data = await graph.search.data(
        SAVE, {"name": "Dream home", "filter": search_filter}, token=owner.token
    )
    return str(data["saveSearch"]["id"])


async def _matches(graph: ServedGraph, saved_search_id: str) -> list[dict[str, Any]]:
    async with graph.search_engine.connect() as conn:
        rows = (
            await conn.execute(
                select(outbox.c.payload)
                .where(
                    outbox.c.type == "search.saved_search_matched",
                    outbox.c.aggregate_id == saved_search_id,
                )
                .order_by(outbox.c.seq)
            )
        ).all()
    return [row.payload for row in rows]


async def test_saved_searches_are_private_to_their_owner(graph: ServedGraph) -> None:
    alice, bob = persona(graph.signer, Role.BUYER), persona(graph.signer, Role.BUYER)
    data = await graph.search.data(
        SAVE,
        {
            "name": "Near the river",
            "filter": {
                "text": "garden",
                "priceMax": "500000",
                "types": ["HOUSE"],
                "near": {"latitude": 38.7, "longitude": -9.1, "radiusKm": 5},
            },
        },
        token=alice.token,
    )
    saved = data["saveSearch"]
    assert saved["filter"] == {
        "text": "garden",
        "priceMax": "500000",
        "types": ["HOUSE"],
        "near": {"latitude": 38.7, "longitude": -9.1, "radiusKm": 5.0},
    }
    assert [
        s["id"] for s in (await graph.search.data(MINE, token=alice.token))["savedSearches"]
    ] == [saved["id"]]
    assert (await graph.search.data(MINE, token=bob.token))["savedSearches"] == []
    refused = await graph.search.call(DELETE, {"id": saved["id"]}, token=bob.token)
    assert refused["errors"][0]["extensions"]["code"] == "NOT_FOUND"
    deleted = await graph.search.data(DELETE, {"id": saved["id"]}, token=alice.token)
    assert deleted["deleteSavedSearch"] == saved["id"]
    assert (await graph.search.data(MINE, token=alice.token))["savedSearches"] == []


async def test_saving_a_search_needs_a_signed_in_user(graph: ServedGraph) -> None:
    body = await graph.search.call(SAVE, {"name": "x", "filter": {"text": "loft"}})
    assert body["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"
    assert (await graph.search.call(MINE))["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"


async def test_a_new_matching_listing_is_announced(graph: ServedGraph) -> None:
    word = unique_word()
    buyer = persona(graph.signer, Role.BUYER)
    saved = await _save(graph, buyer, {"text": word, "priceMax": "600000"})
    seller = persona(graph.signer, Role.SELLER)
    matching = await graph.properties.data(
        CREATE_PROPERTY, {"input": listing_input(title=f"{word} house")}, token=seller.token
    )
    # Too expensive, and another word: neither matches.
    await graph.properties.data(
        CREATE_PROPERTY,
        {"input": listing_input(title=f"{word} mansion", price="900000")},
        token=seller.token,
    )
    await graph.properties.data(
        CREATE_PROPERTY, {"input": listing_input(title="Plain house")}, token=seller.token
    )
    await graph.settle()
    assert await _matches(graph, saved) == [
        {
            "saved_search_id": saved,
            "user_id": str(buyer.id),
            "property_id": matching["createProperty"]["id"],
            "reason": "NEW_LISTING",
        }
    ]


async def test_a_price_drop_into_a_saved_search_is_announced(graph: ServedGraph) -> None:
    word = unique_word()
    buyer = persona(graph.signer, Role.BUYER)
    saved = await _save(graph, buyer, {"text": word, "priceMax": "500000"})
    seller = persona(graph.signer, Role.SELLER)
    created = await graph.properties.data(
        CREATE_PROPERTY,
        {"input": listing_input(title=f"{word} house", price="650000")},
        token=seller.token,
    )
    listing = created["createProperty"]["id"]
    await graph.settle()
    assert await _matches(graph, saved) == []
    for price in ("700000.00", "450000.00", "460000.00", "440000.00"):
        await graph.properties.data(
            UPDATE_PROPERTY, {"id": listing, "input": {"price": price}}, token=seller.token
        )
    # A change that is not a price drop announces nothing.
    await graph.properties.data(
        UPDATE_PROPERTY, {"id": listing, "input": {"description": "New roof"}}, token=seller.token
    )
    await graph.settle()
    found = await _matches(graph, saved)
    # Up to 700k: no. Down to 450k: a drop into range. Up to 460k: no. Down to 440k: a drop.
    assert [m["reason"] for m in found] == ["PRICE_DROP", "PRICE_DROP"]
    assert {m["property_id"] for m in found} == {listing}


async def test_owners_are_not_told_about_their_own_listings(graph: ServedGraph) -> None:
    word = unique_word()
    seller = persona(graph.signer, Role.SELLER)
    saved = await _save(graph, seller, {"text": word})
    await graph.properties.data(
        CREATE_PROPERTY, {"input": listing_input(title=f"{word} house")}, token=seller.token
    )
    await graph.settle()
    assert await _matches(graph, saved) == []
