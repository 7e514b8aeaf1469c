"""Bookings' projection of listings follows property events: a listing that ends cancels its
future viewings, each with a booking.cancelled event, and accepts no new ones."""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy import select

from common.auth.viewer import Role
from common.events.tables import OUTBOX
from subgraphs.bookings.models import outbox
from tests.integration.bookings.world import (
    CREATE,
    DELETE_PROPERTY,
    GET,
    UPDATE_PROPERTY,
    World,
)


async def events_of(world: World, booking_id: str) -> list[dict[str, Any]]:
    assert outbox.name == OUTBOX
    async with world.engine.connect() as conn:
        rows = await conn.execute(
            select(outbox.c.type, outbox.c.payload)
            .where(outbox.c.aggregate_id == booking_id)
            .order_by(outbox.c.seq)
        )
        return [{"type": r.type, **r.payload} for r in rows]


async def test_selling_a_property_cancels_its_future_bookings_with_events(world: World) -> None:
    seller = world.persona(Role.SELLER)
    property_id = await world.open_listing(seller)
    slots = [s["startsAt"] for s in await world.slots(property_id)]
    buyers = [world.persona(Role.BUYER) for _ in range(2)]
    made = [await world.book(b, property_id, slots[i]) for i, b in enumerate(buyers)]

    await world.properties.data(
        UPDATE_PROPERTY, {"id": property_id, "input": {"status": "SOLD"}}, seller.token
    )
    await world.settle()

    for booking, buyer in zip(made, buyers, strict=True):
        data = await world.bookings.data(GET, {"id": booking["id"]}, buyer.token)
        assert data["booking"]["status"] == "CANCELLED"
        assert data["booking"]["reason"] == "The property has been sold."
        [requested, cancelled] = await events_of(world, booking["id"])
        assert requested["type"] == "booking.requested"
        assert cancelled["type"] == "booking.cancelled"
        assert cancelled["buyer_id"] == str(buyer.id)
        assert cancelled["owner_id"] == str(seller.id)
        assert cancelled["property_id"] == property_id
        assert cancelled["cancelled_by"] is None
    assert await world.slots(property_id) == []
    error = await world.bookings.error(
        CREATE, {"propertyId": property_id, "startsAt": slots[5]}, buyers[0].token
    )
    assert error["extensions"]["reason"] == "PROPERTY_NOT_BOOKABLE"


async def test_deleting_a_property_cancels_its_bookings_and_makes_it_unknown(world: World) -> None:
    seller, buyer = world.persona(Role.SELLER), world.persona(Role.BUYER)
    property_id = await world.open_listing(seller)
    slot = (await world.slots(property_id))[0]["startsAt"]
    booking = await world.book(buyer, property_id, slot)

    await world.properties.data(DELETE_PROPERTY, {"id": property_id}, seller.token)
    await world.settle()

    data = await world.bookings.data(GET, {"id": booking["id"]}, buyer.token)
    assert data["booking"]["status"] == "CANCELLED"
    error = await world.bookings.error(
        CREATE, {"propertyId": property_id, "startsAt": slot}, buyer.token
    )
    assert error["extensions"]["code"] == "NOT_FOUND"


async def test_a_listing_far_from_new_york_gets_its_own_time_zone(world: World) -> None:
    seller = world.persona(Role.SELLER)
    property_id = await world.open_listing(
        seller,
        address="1 Pike St, Seattle, WA",
        zipCode="98101",
        latitude=47.6097,
        longitude=-122.3331,
    )
    [slot] = (await world.slots(property_id))[:1]
    assert slot["localStartsAt"].endswith(("-07:00", "-08:00"))
    assert uuid.UUID(property_id)
