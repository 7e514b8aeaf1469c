"""Cursor pagination and filters of ``properties``."""

from __future__ import annotations

from tests.integration.properties.client import LIST, PropertiesClient
from tests.support.personas import Persona


async def test_pages_walk_every_listing_newest_first_exactly_once(
    client: PropertiesClient, seller: Persona
) -> None:
    created = [(await client.create(seller, title=f"Listing {i}"))["id"] for i in range(7)]
    seen: list[str] = []
    after = None
    pages = 0
    while True:
        data = await client.data(
            LIST, {"filter": {"ownerId": str(seller.id)}, "first": 3, "after": after}
        )
        connection = data["properties"]
        assert connection["totalCount"] == 7
        assert connection["pageInfo"]["hasPreviousPage"] is (after is not None)
        seen.extend(e["node"]["id"] for e in connection["edges"])
        pages += 1
        if not connection["pageInfo"]["hasNextPage"]:
            break
        assert connection["pageInfo"]["endCursor"] == connection["edges"][-1]["cursor"]
        after = connection["pageInfo"]["endCursor"]
    assert pages == 3
    assert seen == list(reversed(created))


async def test_first_zero_returns_only_the_count(client: PropertiesClient, seller: Persona) -> None:
    await client.create(seller)
    data = await client.data(LIST, {"filter": {"ownerId": str(seller.id)}, "first": 0})
    connection = data["properties"]
    assert connection["edges"] == [] and connection["totalCount"] == 1
    assert connection["pageInfo"]["hasNextPage"] is True


async def test_filters_by_type_status_and_price_range(
    client: PropertiesClient, agent: Persona
) -> None:
    house = await client.create(agent, type="HOUSE", price="300000")
    condo = await client.create(agent, type="CONDO", price="450000", status="PENDING")
    land = await client.create(agent, type="LAND", price="90000", floorArea=None)
    await client.create(agent, type="COMMERCIAL", price="2000000", status="SOLD")
    owner = str(agent.id)

    async def ids(**conditions: object) -> set[str]:
        data = await client.data(LIST, {"filter": {"ownerId": owner, **conditions}, "first": 50})
        return {e["node"]["id"] for e in data["properties"]["edges"]}

    assert await ids(types=["HOUSE", "LAND"]) == {house["id"], land["id"]}
    assert await ids(statuses=["PENDING"]) == {condo["id"]}
    assert await ids(minPrice="100000", maxPrice="450000") == {house["id"], condo["id"]}
    assert await ids(maxPrice="90000") == {land["id"]}
    assert await ids(types=["CONDO"], statuses=["AVAILABLE"]) == set()
