"""Bad input gets a clear error naming the field, and writes nothing."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from common.auth.viewer import Role
from tests.integration.bookings.world import CREATE, SET_SETTINGS, World, iso, parse

WEEKDAYS = ("MONDAY", "TUESDAY", "WEDNESDAY", "THURSDAY", "FRIDAY", "SATURDAY", "SUNDAY")
NINE_TO_FIVE = [{"weekday": d, "start": "09:00", "end": "17:00"} for d in WEEKDAYS]


async def test_each_unbookable_start_is_refused_naming_starts_at(world: World) -> None:
    seller, buyer = world.persona(Role.SELLER), world.persona(Role.BUYER)
    property_id = await world.open_listing(
        seller, {"weeklyHours": NINE_TO_FIVE, "minimumNoticeMinutes": 120, "horizonDays": 30}
    )
    slots = await world.slots(property_id, days=3)
    first = parse(slots[0]["startsAt"])
    now = datetime.now(UTC).replace(second=0, microsecond=0)
    cases = {
        "PAST": now - timedelta(hours=1, minutes=now.minute % 5),
        "MINIMUM_NOTICE": now + timedelta(minutes=30 - now.minute % 5),
        "BEYOND_HORIZON": first + timedelta(days=35),
        "NOT_ON_SLOT_GRID": first + timedelta(minutes=10),
    }
    # An hour the property is certainly closed: 03:00 local on the first slot's day.
    local = datetime.fromisoformat(slots[0]["localStartsAt"])
    cases["OUTSIDE_OPENING_HOURS"] = local.replace(hour=3, minute=0) + timedelta(days=1)
    for reason, start in cases.items():
        error = await world.bookings.error(
            CREATE, {"propertyId": property_id, "startsAt": iso(start)}, buyer.token
        )
        assert error["extensions"]["code"] == "BAD_USER_INPUT", (reason, error)
        assert error["extensions"]["field"] == "startsAt"
        assert error["extensions"]["reason"] == reason, (reason, error)


async def test_an_unknown_or_unbookable_property_is_refused_naming_property_id(
    world: World,
) -> None:
    buyer, seller = world.persona(Role.BUYER), world.persona(Role.SELLER)
    start = iso(datetime.now(UTC).replace(minute=0, second=0, microsecond=0) + timedelta(days=1))
    error = await world.bookings.error(
        CREATE, {"propertyId": str(uuid.uuid4()), "startsAt": start}, buyer.token
    )
    assert (error["extensions"]["code"], error["extensions"]["field"]) == (
        "NOT_FOUND",
        "propertyId",
    )
    unopened = await world.listing(seller)
    error = await world.bookings.error(
        CREATE, {"propertyId": unopened, "startsAt": start}, buyer.token
    )
    assert error["extensions"]["reason"] == "NO_VIEWING_HOURS"
    error = await world.bookings.error(
        CREATE, {"propertyId": "not-an-id", "startsAt": start}, buyer.token
    )
    assert (error["extensions"]["code"], error["extensions"]["field"]) == (
        "BAD_USER_INPUT",
        "propertyId",
    )


async def test_booking_requires_a_signed_in_buyer_who_is_not_the_host(world: World) -> None:
    seller = world.persona(Role.SELLER)
    property_id = await world.open_listing(seller)
    start = (await world.slots(property_id))[0]["startsAt"]
    error = await world.bookings.error(CREATE, {"propertyId": property_id, "startsAt": start})
    assert error["extensions"]["code"] == "UNAUTHENTICATED"
    error = await world.bookings.error(
        CREATE, {"propertyId": property_id, "startsAt": start}, seller.token
    )
    assert error["extensions"]["code"] == "FORBIDDEN"


@pytest.mark.parametrize(
    ("values", "field"),
    [
        (
            {"weeklyHours": [{"weekday": "MONDAY", "start": "12:00", "end": "09:00"}]},
            "input.weeklyHours[0].end",
        ),
        (
            {
                "weeklyHours": [
                    {"weekday": "MONDAY", "start": "09:00", "end": "12:00"},
                    {"weekday": "MONDAY", "start": "11:00", "end": "13:00"},
                ]
            },
            "input.weeklyHours[1]",
        ),
        (
            {"weeklyHours": [{"weekday": "MONDAY", "start": "9am", "end": "12:00"}]},
            "input.weeklyHours[0].start",
        ),
        ({"weeklyHours": [], "slotMinutes": 7}, "input.slotMinutes"),
        ({"weeklyHours": [], "horizonDays": 0}, "input.horizonDays"),
        ({"weeklyHours": [], "timeZone": "Mars/Olympus"}, "input.timeZone"),
        (
            {"weeklyHours": [], "exceptions": [{"date": "2026-12-24"}]},
            "input.exceptions[0].hours",
        ),
    ],
)
async def test_bad_viewing_settings_are_refused_naming_the_field(
    world: World, values: dict[str, Any], field: str
) -> None:
    seller = world.persona(Role.SELLER)
    property_id = await world.listing(seller)
    error = await world.bookings.error(
        SET_SETTINGS, {"id": property_id, "input": values}, seller.token
    )
    assert error["extensions"]["code"] == "BAD_USER_INPUT"
    assert error["extensions"]["field"] == field
    assert await world.slots(property_id) == []  # nothing was stored


async def test_a_slot_range_that_is_backwards_or_too_long_is_refused(world: World) -> None:
    seller = world.persona(Role.SELLER)
    property_id = await world.open_listing(seller)
    now = datetime.now(UTC)
    for days in (-1, 100):
        body = await world.bookings.call(
            """query($id: ID!, $from: DateTime!, $to: DateTime!) {
              _entities(representations: [{__typename: "Property", id: $id}]) {
                ... on Property { availableSlots(from: $from, to: $to) { startsAt } } } }""",
            {"id": property_id, "from": iso(now), "to": iso(now + timedelta(days=days))},
        )
        assert body["errors"][0]["extensions"] == {
            "code": "BAD_USER_INPUT",
            "field": "to",
        }
