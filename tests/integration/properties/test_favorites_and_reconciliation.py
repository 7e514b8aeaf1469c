"""Favourite mutations, and the admin-only reconciliation listing search reads."""

from __future__ import annotations

import uuid
from typing import Any

from tests.integration.properties.client import DELETE, UPDATE, PropertiesClient, error_codes
from tests.support.personas import Persona

FAVORITE = "mutation F($id: ID!) { favoriteProperty(id: $id) { id isFavorite } }"
UNFAVORITE = "mutation U($id: ID!) { unfavoriteProperty(id: $id) { id isFavorite } }"
IS_FAVORITE = "query Q($id: ID!) { property(id: $id) { isFavorite } }"
RECONCILE = """
query R($first: Int, $after: String, $since: DateTime) {
  propertiesForReconciliation(first: $first, after: $after, updatedSince: $since) {
    totalCount
    edges { node { id version deleted updatedAt property { id version price { amount } } } }
    pageInfo { hasNextPage endCursor }
  }
}"""


async def test_favouriting_marks_and_unmarks_a_listing_for_that_user_only(
    client: PropertiesClient, seller: Persona, buyer: Persona, agent: Persona
) -> None:
    listing = await client.create(seller)
    marked = await client.data(FAVORITE, {"id": listing["id"]}, buyer.token)
    assert marked["favoriteProperty"] == {"id": listing["id"], "isFavorite": True}
    again = await client.data(FAVORITE, {"id": listing["id"]}, buyer.token)
    assert again["favoriteProperty"]["isFavorite"] is True
    other = await client.data(IS_FAVORITE, {"id": listing["id"]}, agent.token)
    assert other["property"]["isFavorite"] is False
    anonymous = await client.data(IS_FAVORITE, {"id": listing["id"]})
    assert anonymous["property"]["isFavorite"] is False
    unmarked = await client.data(UNFAVORITE, {"id": listing["id"]}, buyer.token)
    assert unmarked["unfavoriteProperty"]["isFavorite"] is False


async def test_favouriting_needs_a_visible_listing_and_a_signed_in_user(
    client: PropertiesClient, seller: Persona, buyer: Persona
) -> None:
    listing = await client.create(seller)
    hidden = await client.create(seller, status="OFF_MARKET")
    assert error_codes(await client.call(FAVORITE, {"id": listing["id"]})) == [
        ("UNAUTHENTICATED", None)
    ]
    for unknown in (str(uuid.uuid4()), hidden["id"]):
        assert error_codes(await client.call(FAVORITE, {"id": unknown}, buyer.token)) == [
            ("NOT_FOUND", None)
        ]


async def reconcile_all(client: PropertiesClient, admin: Persona, **variables: Any) -> list[dict]:
    nodes: list[dict[str, Any]] = []
    after = None
    while True:
        data = await client.data(
            RECONCILE, {"first": 100, "after": after, **variables}, admin.token
        )
        connection = data["propertiesForReconciliation"]
        nodes.extend(e["node"] for e in connection["edges"])
        if not connection["pageInfo"]["hasNextPage"]:
            return nodes
        after = connection["pageInfo"]["endCursor"]


async def test_reconciliation_lists_every_listing_and_every_deletion_by_id(
    client: PropertiesClient, seller: Persona, admin: Persona
) -> None:
    kept = await client.create(seller, status="OFF_MARKET")
    await client.data(UPDATE, {"id": kept["id"], "input": {"price": "1000"}}, seller.token)
    gone = await client.create(seller)
    await client.data(DELETE, {"id": gone["id"]}, seller.token)

    nodes = await reconcile_all(client, admin)
    ids = [n["id"] for n in nodes]
    assert ids == sorted(ids) and len(ids) == len(set(ids))
    by_id = {n["id"]: n for n in nodes}
    assert by_id[kept["id"]]["version"] == 2 and by_id[kept["id"]]["deleted"] is False
    assert by_id[kept["id"]]["property"]["price"]["amount"] == "1000.00"
    assert by_id[gone["id"]]["deleted"] is True and by_id[gone["id"]]["property"] is None
    assert by_id[gone["id"]]["version"] == 2
    first = await client.data(RECONCILE, {"first": 1}, admin.token)
    assert first["propertiesForReconciliation"]["totalCount"] == len(nodes)

    since = by_id[gone["id"]]["updatedAt"]
    recent = {n["id"] for n in await reconcile_all(client, admin, since=since)}
    assert gone["id"] in recent and kept["id"] not in recent


async def test_reconciliation_is_for_admins_only(
    client: PropertiesClient, seller: Persona, buyer: Persona
) -> None:
    for outsider in (seller, buyer):
        body = await client.call(RECONCILE, {"first": 10}, outsider.token)
        assert error_codes(body) == [("FORBIDDEN", None)]
    assert error_codes(await client.call(RECONCILE, {"first": 10})) == [("UNAUTHENTICATED", None)]
