"""A frontend's view: listings created, changed and deleted through the router are found (or
not) by search, with their owner resolved from users in the same query."""

from __future__ import annotations

import uuid
from typing import Any

from tests.support.graph import Graph
from tests.support.listings import listing_input

CREATE = """mutation($input: CreatePropertyInput!) { createProperty(input: $input) { id } }"""
UPDATE = """mutation($id: ID!, $input: UpdatePropertyInput!) {
  updateProperty(id: $id, input: $input) { id price { amount } } }"""
DELETE = "mutation($id: ID!) { deleteProperty(id: $id) }"
SEARCH = """query($filter: SearchFilterInput) {
  search(filter: $filter, first: 10) {
    totalCount
    edges { node { id title price { amount currency } owner { id name } } }
  }
}"""


def listing(word: str) -> dict[str, Any]:
    return listing_input(title=f"Sunny {word} bungalow")


async def found(graph: Graph, search_filter: dict[str, Any]) -> list[dict[str, Any]]:
    data = await graph.data(SEARCH, {"filter": search_filter})
    return [edge["node"] for edge in data["search"]["edges"]]


async def test_a_created_listing_is_found_with_its_owner_from_users(graph: Graph) -> None:
    token = await graph.login("seller@realio.demo")
    word = f"w{uuid.uuid4().hex[:10]}"
    created = await graph.data(CREATE, {"input": listing(word)}, token)
    await graph.settle()
    [node] = await found(graph, {"text": word})
    assert node["id"] == created["createProperty"]["id"]
    assert node["title"] == f"Sunny {word} bungalow"
    assert node["price"] == {"amount": "525000.00", "currency": "USD"}
    assert node["owner"]["name"] == "Sam Seller"


async def test_price_change_is_reflected_and_delete_removes_it(graph: Graph) -> None:
    token = await graph.login("agent@realio.demo")
    word = f"w{uuid.uuid4().hex[:10]}"
    listing_id = (await graph.data(CREATE, {"input": listing(word)}, token))["createProperty"]["id"]
    await graph.settle()
    assert await found(graph, {"text": word, "priceMax": "500000"}) == []

    await graph.data(UPDATE, {"id": listing_id, "input": {"price": "480000.00"}}, token)
    await graph.settle()
    [node] = await found(graph, {"text": word, "priceMax": "500000"})
    assert node["price"]["amount"] == "480000.00"

    await graph.data(DELETE, {"id": listing_id}, token)
    await graph.settle()
    assert await found(graph, {"text": word}) == []


async def test_a_buyer_cannot_edit_someone_elses_listing_through_the_router(graph: Graph) -> None:
    seller = await graph.login("seller@realio.demo")
    buyer = await graph.login("buyer@realio.demo")
    word = f"w{uuid.uuid4().hex[:10]}"
    listing_id = (await graph.data(CREATE, {"input": listing(word)}, seller))["createProperty"][
        "id"
    ]
    body = await graph.call(UPDATE, {"id": listing_id, "input": {"price": "1.00"}}, buyer)
    assert body["data"] is None or body["data"]["updateProperty"] is None
    assert body["errors"][0]["extensions"]["code"] == "FORBIDDEN"
