"""Listings through real HTTP: create, read, update, delete, and who may do what."""

from __future__ import annotations

from decimal import Decimal

from tests.integration.properties.client import (
    CREATE,
    DELETE,
    GET,
    LIST,
    UPDATE,
    PropertiesClient,
    error_codes,
    listing_input,
)
from tests.support.personas import Persona


async def test_seller_creates_a_listing_with_every_field(
    client: PropertiesClient, seller: Persona
) -> None:
    created = await client.create(seller, currency="usd", status="PENDING")
    assert created["title"] == "Sunny bungalow near Zilker Park"
    assert created["price"] == {"amount": "525000.00", "currency": "USD"}
    assert created["type"] == "HOUSE" and created["status"] == "PENDING"
    assert created["zipCode"] == "78704"
    assert (created["bedrooms"], created["bathrooms"], created["toilets"]) == (3, 2, 2)
    assert (created["latitude"], created["longitude"]) == (30.2569, -97.7791)
    assert Decimal(created["floorArea"]) == Decimal("142.5")
    assert created["owner"] == {"id": str(seller.id)}
    assert created["version"] == 1 and created["photos"] == []
    fetched = (await client.data(GET, {"id": created["id"]}))["property"]
    assert fetched == created


async def test_agents_and_admins_create_but_buyers_and_visitors_cannot(
    client: PropertiesClient, agent: Persona, admin: Persona, buyer: Persona
) -> None:
    assert (await client.create(agent))["owner"]["id"] == str(agent.id)
    assert (await client.create(admin))["owner"]["id"] == str(admin.id)
    refused = await client.call(CREATE, {"input": listing_input()}, buyer.token)
    assert error_codes(refused) == [("FORBIDDEN", None)] and refused["data"] is None
    anonymous = await client.call(CREATE, {"input": listing_input()})
    assert error_codes(anonymous) == [("UNAUTHENTICATED", None)]


async def test_update_changes_only_the_given_fields_and_bumps_the_version(
    client: PropertiesClient, seller: Persona
) -> None:
    created = await client.create(seller)
    data = await client.data(
        UPDATE,
        {"id": created["id"], "input": {"price": "499000", "status": "PENDING"}},
        seller.token,
    )
    updated = data["updateProperty"]
    assert updated["price"] == {"amount": "499000.00", "currency": "USD"}
    assert updated["status"] == "PENDING"
    assert updated["version"] == 2
    assert updated["updatedAt"] > created["updatedAt"]
    unchanged = {
        k: v for k, v in created.items() if k not in ("price", "status", "version", "updatedAt")
    }
    assert {k: updated[k] for k in unchanged} == unchanged


async def test_update_with_nothing_new_keeps_the_version(
    client: PropertiesClient, seller: Persona
) -> None:
    created = await client.create(seller)
    same = {"title": created["title"], "price": created["price"]["amount"]}
    data = await client.data(UPDATE, {"id": created["id"], "input": same}, seller.token)
    assert data["updateProperty"]["version"] == 1


async def test_floor_area_can_be_cleared_but_required_fields_cannot(
    client: PropertiesClient, seller: Persona
) -> None:
    created = await client.create(seller)
    cleared = await client.data(
        UPDATE, {"id": created["id"], "input": {"floorArea": None}}, seller.token
    )
    assert cleared["updateProperty"]["floorArea"] is None
    refused = await client.call(
        UPDATE, {"id": created["id"], "input": {"title": None}}, seller.token
    )
    assert error_codes(refused) == [("BAD_USER_INPUT", "input.title")]


async def test_editing_someone_elses_listing_is_forbidden_and_changes_nothing(
    client: PropertiesClient, seller: Persona, agent: Persona, buyer: Persona
) -> None:
    created = await client.create(seller)
    for intruder in (agent, buyer):
        refused = await client.call(
            UPDATE, {"id": created["id"], "input": {"price": "1.00"}}, intruder.token
        )
        assert error_codes(refused) == [("FORBIDDEN", None)]
        deleted = await client.call(DELETE, {"id": created["id"]}, intruder.token)
        assert error_codes(deleted) == [("FORBIDDEN", None)]
    anonymous = await client.call(UPDATE, {"id": created["id"], "input": {"price": "1.00"}})
    assert error_codes(anonymous) == [("UNAUTHENTICATED", None)]
    fetched = (await client.data(GET, {"id": created["id"]}))["property"]
    assert fetched["price"]["amount"] == "525000.00" and fetched["version"] == 1


async def test_an_admin_edits_and_deletes_any_listing(
    client: PropertiesClient, seller: Persona, admin: Persona
) -> None:
    created = await client.create(seller)
    data = await client.data(
        UPDATE, {"id": created["id"], "input": {"title": "Fixed"}}, admin.token
    )
    assert data["updateProperty"]["title"] == "Fixed"
    assert data["updateProperty"]["owner"]["id"] == str(seller.id)
    assert (await client.data(DELETE, {"id": created["id"]}, admin.token))[
        "deleteProperty"
    ] == created["id"]


async def test_a_stale_expected_version_is_a_conflict(
    client: PropertiesClient, seller: Persona
) -> None:
    created = await client.create(seller)
    await client.data(UPDATE, {"id": created["id"], "input": {"title": "First edit"}}, seller.token)
    stale = await client.call(
        UPDATE,
        {"id": created["id"], "input": {"title": "Second edit"}, "expectedVersion": 1},
        seller.token,
    )
    assert error_codes(stale) == [("CONFLICT", None)]
    assert stale["errors"][0]["extensions"]["currentVersion"] == 2
    fresh = await client.data(
        UPDATE,
        {"id": created["id"], "input": {"title": "Second edit"}, "expectedVersion": 2},
        seller.token,
    )
    assert fresh["updateProperty"]["version"] == 3


async def test_a_deleted_listing_is_gone(client: PropertiesClient, seller: Persona) -> None:
    created = await client.create(seller)
    assert (await client.data(DELETE, {"id": created["id"]}, seller.token))[
        "deleteProperty"
    ] == created["id"]
    body = await client.call(GET, {"id": created["id"]})
    assert body["data"] == {"property": None}
    assert error_codes(body) == [("NOT_FOUND", None)]
    again = await client.call(DELETE, {"id": created["id"]}, seller.token)
    assert error_codes(again) == [("NOT_FOUND", None)]


async def test_unknown_ids_are_null_with_not_found(
    client: PropertiesClient, seller: Persona
) -> None:
    unknown = "00000000-0000-4000-8000-000000000000"
    body = await client.call(GET, {"id": unknown})
    assert body["data"] == {"property": None}
    assert body["errors"][0]["extensions"] == {"code": "NOT_FOUND", "id": unknown}
    update = await client.call(UPDATE, {"id": unknown, "input": {"title": "x"}}, seller.token)
    assert error_codes(update) == [("NOT_FOUND", None)]


async def test_off_market_listings_are_seen_only_by_their_owner_and_admins(
    client: PropertiesClient, seller: Persona, buyer: Persona, agent: Persona, admin: Persona
) -> None:
    hidden = await client.create(seller, status="OFF_MARKET", title="Quiet pocket listing")
    for outsider in (buyer.token, agent.token, None):
        body = await client.call(GET, {"id": hidden["id"]}, outsider)
        assert body["data"] == {"property": None}
        assert error_codes(body) == [("NOT_FOUND", None)]
        listed = await client.data(
            LIST, {"filter": {"ownerId": str(seller.id)}, "first": 100}, outsider
        )
        assert listed["properties"]["totalCount"] == 0
    for insider in (seller, admin):
        body = await client.data(GET, {"id": hidden["id"]}, insider.token)
        assert body["property"]["status"] == "OFF_MARKET"
        listed = await client.data(LIST, {"filter": {"ownerId": str(seller.id)}}, insider.token)
        assert [e["node"]["id"] for e in listed["properties"]["edges"]] == [hidden["id"]]
