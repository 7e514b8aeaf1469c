"""No double booking, enforced by the database's unique cells (decision 0011)."""

from __future__ import annotations

import asyncio

from sqlalchemy import func, select

from common.auth.viewer import Role
from subgraphs.bookings.models import bookings, property_cells
from tests.integration.bookings.world import CANCEL, CREATE, World


async def test_twenty_buyers_asking_for_one_slot_at_once_get_exactly_one_booking(
    world: World,
) -> None:
    seller = world.persona(Role.SELLER)
    property_id = await world.open_listing(seller)
    slot = (await world.slots(property_id))[3]["startsAt"]
    buyers = [world.persona(Role.BUYER) for _ in range(20)]

    bodies = await asyncio.gather(
        *(
            world.bookings.call(CREATE, {"propertyId": property_id, "startsAt": slot}, b.token)
            for b in buyers
        )
    )

    succeeded = [b for b in bodies if not b.get("errors")]
    refused = [b for b in bodies if b.get("errors")]
    assert len(succeeded) == 1
    assert {b["errors"][0]["extensions"]["code"] for b in refused} == {"CONFLICT"}
    assert {b["errors"][0]["extensions"]["field"] for b in refused} == {"startsAt"}
    async with world.engine.connect() as conn:
        count = await conn.scalar(
            select(func.count()).select_from(bookings).where(bookings.c.property_id == property_id)
        )
    assert count == 1  # nothing half-written by the nineteen that lost


async def test_a_buyer_cannot_hold_two_overlapping_viewings_of_different_properties(
    world: World,
) -> None:
    seller = world.persona(Role.SELLER)
    first = await world.open_listing(seller)
    second = await world.open_listing(seller, {"slotMinutes": 60})
    buyer = world.persona(Role.BUYER)
    thirty_minute_slot = (await world.slots(first))[4]["startsAt"]
    await world.book(buyer, first, thirty_minute_slot)
    hour_slots = [s["startsAt"] for s in await world.slots(second)]
    # The hour-long slot that covers the half-hour one already booked.
    covering = max(s for s in hour_slots if s <= thirty_minute_slot)

    error = await world.bookings.error(
        CREATE, {"propertyId": second, "startsAt": covering}, buyer.token
    )

    assert error["extensions"]["code"] == "CONFLICT"
    assert "already have a viewing" in error["message"]


async def test_a_cancelled_booking_frees_its_slot_for_the_next_buyer(world: World) -> None:
    seller = world.persona(Role.SELLER)
    property_id = await world.open_listing(seller)
    slot = (await world.slots(property_id))[2]["startsAt"]
    first, second = world.persona(Role.BUYER), world.persona(Role.BUYER)
    booking = await world.book(first, property_id, slot)
    assert slot not in [s["startsAt"] for s in await world.slots(property_id)]

    cancelled = await world.bookings.data(
        CANCEL, {"id": booking["id"], "reason": "Found another place"}, first.token
    )

    assert cancelled["cancelBooking"]["status"] == "CANCELLED"
    assert cancelled["cancelBooking"]["reason"] == "Found another place"
    assert slot in [s["startsAt"] for s in await world.slots(property_id)]
    rebooked = await world.book(second, property_id, slot)
    assert rebooked["status"] == "PENDING"
    async with world.engine.connect() as conn:
        holders = await conn.scalar(
            select(func.count(func.distinct(property_cells.c.booking_id))).where(
                property_cells.c.property_id == property_id
            )
        )
    assert holders == 1


async def test_a_retried_create_with_its_idempotency_key_returns_the_first_booking(
    world: World,
) -> None:
    seller, buyer = world.persona(Role.SELLER), world.persona(Role.BUYER)
    property_id = await world.open_listing(seller)
    slots = [s["startsAt"] for s in await world.slots(property_id)]
    keyed = """mutation($p: ID!, $s: DateTime!, $k: String) {
      createBooking(propertyId: $p, startsAt: $s, idempotencyKey: $k) { id status } }"""
    variables = {"p": property_id, "s": slots[1], "k": "attempt-1"}

    first, retried = await asyncio.gather(
        world.bookings.data(keyed, variables, buyer.token),
        world.bookings.data(keyed, variables, buyer.token),
    )

    assert first["createBooking"]["id"] == retried["createBooking"]["id"]
    async with world.engine.connect() as conn:
        count = await conn.scalar(
            select(func.count()).select_from(bookings).where(bookings.c.property_id == property_id)
        )
    assert count == 1
    other = await world.bookings.error(keyed, {**variables, "s": slots[3]}, buyer.token)
    assert (other["extensions"]["code"], other["extensions"]["field"]) == (
        "CONFLICT",
        "idempotencyKey",
    )
