"""Every change writes exactly one event in its own transaction; failures write none."""

from __future__ import annotations

import asyncio
import uuid
from typing import Any

import pytest
from sqlalchemy import select

from subgraphs.properties.models import outbox, properties
from subgraphs.properties.service import events as property_events
from subgraphs.properties.service.dependencies import unit_of_work
from tests.integration.properties.client import DELETE, UPDATE, PropertiesClient, error_codes
from tests.integration.properties.conftest import Served
from tests.support.personas import Persona

FAVORITE = "mutation Fav($id: ID!) { favoriteProperty(id: $id) { id } }"
UNFAVORITE = "mutation Unfav($id: ID!) { unfavoriteProperty(id: $id) { id } }"


async def events_of(served: Served, aggregate_id: str) -> list[dict[str, Any]]:
    async with served.engine.connect() as conn:
        rows = await conn.execute(
            select(outbox.c.type, outbox.c.payload, outbox.c.topic, outbox.c.producer)
            .where(outbox.c.aggregate_id == aggregate_id)
            .order_by(outbox.c.seq)
        )
        return [dict(r._mapping) for r in rows]


async def test_create_writes_one_created_event_with_the_full_snapshot(
    served: Served, client: PropertiesClient, seller: Persona
) -> None:
    created = await client.create(seller)
    [event] = await events_of(served, created["id"])
    assert event["type"] == "property.created"
    assert (event["topic"], event["producer"]) == ("realio.properties", "properties")
    payload = event["payload"]
    assert payload["version"] == 1
    snapshot = payload["property"]
    assert snapshot["id"] == created["id"] and snapshot["owner_id"] == str(seller.id)
    assert snapshot["price"] == "525000.00" and snapshot["currency"] == "USD"
    assert (snapshot["type"], snapshot["status"]) == ("house", "available")
    assert snapshot["zip_code"] == "78704" and snapshot["no_of_bed_rooms"] == 3
    assert snapshot["latitude"] == 30.2569 and snapshot["floor_area"] == "142.50"
    assert snapshot["photos"] == [] and snapshot["version"] == 1


async def test_update_writes_the_changed_fields_with_old_and_new_values(
    served: Served, client: PropertiesClient, seller: Persona
) -> None:
    created = await client.create(seller)
    await client.data(
        UPDATE,
        # bedrooms is given but unchanged, so it is not among the changes.
        {"id": created["id"], "input": {"price": "480000", "status": "PENDING", "bedrooms": 3}},
        seller.token,
    )
    events = await events_of(served, created["id"])
    assert [e["type"] for e in events] == ["property.created", "property.updated"]
    payload = events[1]["payload"]
    assert payload["version"] == 2 and payload["property"]["version"] == 2
    assert payload["changes"] == {
        "price": {"old": "525000.00", "new": "480000.00"},
        "status": {"old": "available", "new": "pending"},
    }
    assert payload["property"]["price"] == "480000.00"


async def test_failed_mutations_write_no_event(
    served: Served, client: PropertiesClient, seller: Persona, agent: Persona
) -> None:
    created = await client.create(seller)
    forbidden = await client.call(
        UPDATE, {"id": created["id"], "input": {"title": "x"}}, agent.token
    )
    invalid = await client.call(
        UPDATE, {"id": created["id"], "input": {"price": "-1"}}, seller.token
    )
    conflict = await client.call(
        UPDATE, {"id": created["id"], "input": {"title": "y"}, "expectedVersion": 7}, seller.token
    )
    not_deleted = await client.call(DELETE, {"id": created["id"]}, agent.token)
    assert [error_codes(b)[0][0] for b in (forbidden, invalid, conflict, not_deleted)] == [
        "FORBIDDEN",
        "BAD_USER_INPUT",
        "CONFLICT",
        "FORBIDDEN",
    ]
    assert [e["type"] for e in await events_of(served, created["id"])] == ["property.created"]


async def test_delete_writes_a_deleted_event_one_version_above_the_last(
    served: Served, client: PropertiesClient, seller: Persona
) -> None:
    created = await client.create(seller)
    await client.data(UPDATE, {"id": created["id"], "input": {"title": "Renamed"}}, seller.token)
    await client.data(DELETE, {"id": created["id"]}, seller.token)
    events = await events_of(served, created["id"])
    assert [e["type"] for e in events][-1] == "property.deleted"
    assert events[-1]["payload"] == {
        "version": 3,
        "id": created["id"],
        "owner_id": str(seller.id),
    }


async def test_favourites_write_events_only_when_something_changes(
    served: Served, client: PropertiesClient, seller: Persona, buyer: Persona
) -> None:
    created = await client.create(seller)
    for mutation in (FAVORITE, FAVORITE, UNFAVORITE, UNFAVORITE):
        await client.data(mutation, {"id": created["id"]}, buyer.token)
    events = await events_of(served, created["id"])
    assert [e["type"] for e in events] == [
        "property.created",
        "property.favorited",
        "property.unfavorited",
    ]
    assert events[1]["payload"]["user_id"] == str(buyer.id)
    assert events[1]["payload"]["property_id"] == created["id"]


async def test_a_change_whose_event_cannot_be_written_is_rolled_back(served: Served) -> None:
    """The listing and its event share one transaction: no event, no listing."""
    deps = served.app.state.services.listings.deps
    property_id = uuid.uuid4()
    values = {
        "id": property_id,
        "owner_id": uuid.uuid4(),
        "title": "Never committed",
        "price": 1,
        "type": "house",
        "address": "1 Nowhere St",
        "zip_code": "00000",
        "latitude": 0.0,
        "longitude": 0.0,
    }
    with pytest.raises(Exception):  # noqa: B017 - the outbox insert fails in the database
        async with unit_of_work(deps) as work:
            listing = await deps.repository.insert(work.session, values)
            broken = property_events.created(listing)
            # An aggregate id longer than the outbox column makes the event insert fail.
            object.__setattr__(broken, "aggregate_id", "x" * 500)
            work.publish(broken)
    async with served.engine.connect() as conn:
        found = await conn.execute(select(properties.c.id).where(properties.c.id == property_id))
        assert found.first() is None
    assert await events_of(served, str(property_id)) == []


async def test_the_relay_publishes_what_was_written(
    served: Served, client: PropertiesClient, seller: Persona
) -> None:
    created = await client.create(seller)
    await served.app.state.events.wait_until_idle(timeout=10)
    async with served.engine.connect() as conn:
        published = await conn.execute(
            select(outbox.c.published_at).where(outbox.c.aggregate_id == created["id"])
        )
        assert published.scalar_one() is not None


async def test_concurrent_updates_each_get_their_own_version_and_event(
    served: Served, client: PropertiesClient, seller: Persona
) -> None:
    created = await client.create(seller)
    prices = [f"{600000 + i}.00" for i in range(8)]
    await asyncio.gather(
        *(
            client.data(UPDATE, {"id": created["id"], "input": {"price": p}}, seller.token)
            for p in prices
        )
    )
    events = await events_of(served, created["id"])
    updates = [e["payload"] for e in events if e["type"] == "property.updated"]
    assert sorted(u["version"] for u in updates) == list(range(2, 10))
    # Each update saw the state the previous one left: the old prices chain without gaps.
    chain = {u["changes"]["price"]["old"]: u["changes"]["price"]["new"] for u in updates}
    assert len(chain) == 8 and set(chain.values()) == set(prices)
