"""The durable schedule emits each reminder exactly once, even with two processes; viewings
complete after their time; each booking's calendar file follows its changes."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

import httpx
from icalendar import Calendar
from sqlalchemy import func, select

from common.auth.viewer import Role
from subgraphs.bookings.app import BookingsOptions, create_app
from subgraphs.bookings.models import outbox
from subgraphs.bookings.service import BookingsServices
from tests.integration.bookings.world import CANCEL, CONFIRM, GET, RESCHEDULE, World, parse


async def reminder_events(world: World, booking_id: str) -> list[str]:
    async with world.engine.connect() as conn:
        rows = await conn.execute(
            select(outbox.c.payload["reminder"].astext)
            .where(outbox.c.aggregate_id == booking_id, outbox.c.type == "booking.reminder_due")
            .order_by(outbox.c.seq)
        )
        return [r[0] for r in rows]


async def test_two_processes_running_the_schedule_emit_each_reminder_once(world: World) -> None:
    seller, buyer = world.persona(Role.SELLER), world.persona(Role.BUYER)
    property_id = await world.open_listing(seller, {"autoConfirm": True})
    slots = await world.slots(property_id, days=3)
    # A slot more than a day ahead gets both reminders.
    far = next(s for s in slots if parse(s["startsAt"]) > datetime.now(UTC) + timedelta(hours=25))
    booking = await world.book(buyer, property_id, far["startsAt"])
    starts_at = parse(booking["startsAt"])
    other_process = create_app(
        world.bookings_app.state.runtime.settings,
        BookingsOptions(run_events=False, schedule_interval_seconds=0),
    )
    second: BookingsServices = other_process.state.services
    try:
        day_before = starts_at - timedelta(hours=23)
        await asyncio.gather(
            *(s.schedule.run_due(day_before) for s in (world.services, second) for _ in range(3))
        )
        assert await reminder_events(world, booking["id"]) == ["24h"]
        hour_before = starts_at - timedelta(minutes=30)
        await asyncio.gather(
            *(s.schedule.run_due(hour_before) for s in (world.services, second) for _ in range(3))
        )
        assert await reminder_events(world, booking["id"]) == ["24h", "1h"]

        await asyncio.gather(
            *(s.schedule.run_due(starts_at + timedelta(hours=2)) for s in (world.services, second))
        )
        data = await world.bookings.data(GET, {"id": booking["id"]}, buyer.token)
        assert data["booking"]["status"] == "COMPLETED"
        async with world.engine.connect() as conn:
            completed = await conn.scalar(
                select(func.count()).where(
                    outbox.c.aggregate_id == booking["id"], outbox.c.type == "booking.completed"
                )
            )
        assert completed == 1
    finally:
        await other_process.state.engine.dispose()


async def test_a_cancelled_booking_sends_no_reminders(world: World) -> None:
    seller, buyer = world.persona(Role.SELLER), world.persona(Role.BUYER)
    property_id = await world.open_listing(seller)
    slots = await world.slots(property_id, days=3)
    booking = await world.book(buyer, property_id, slots[-1]["startsAt"])
    await world.bookings.data(CONFIRM, {"id": booking["id"]}, seller.token)
    await world.bookings.data(CANCEL, {"id": booking["id"]}, buyer.token)
    await world.services.schedule.run_due(parse(booking["startsAt"]) - timedelta(minutes=5))
    assert await reminder_events(world, booking["id"]) == []


def ics_event(body: bytes) -> tuple[str, int, str, str]:
    calendar = Calendar.from_ical(body)
    [event] = calendar.walk("VEVENT")
    return (
        str(event["UID"]),
        int(str(event["SEQUENCE"])),
        str(event["STATUS"]),
        event.decoded("DTSTART").isoformat(),
    )


async def test_the_calendar_file_keeps_its_uid_and_raises_its_sequence(world: World) -> None:
    seller, buyer = world.persona(Role.SELLER), world.persona(Role.BUYER)
    property_id = await world.open_listing(seller)
    slots = [s["startsAt"] for s in await world.slots(property_id)]
    booking = await world.book(buyer, property_id, slots[1])
    path = booking["calendarUrl"].removeprefix("http://bookings.test")
    http: httpx.AsyncClient = world.bookings.http

    async def fetch() -> tuple[str, int, str, str]:
        response = await http.get(f"{world.bookings.base_url}{path}")
        assert response.status_code == 200
        assert response.headers["content-type"].startswith("text/calendar")
        return ics_event(response.content)

    uid, sequence, status, start = await fetch()
    assert (status, parse(start)) == ("TENTATIVE", parse(slots[1]))
    moved = await world.bookings.data(
        RESCHEDULE, {"id": booking["id"], "startsAt": slots[3]}, buyer.token
    )
    assert moved["rescheduleBooking"]["calendarUrl"] == booking["calendarUrl"]
    uid2, sequence2, _, start2 = await fetch()
    assert uid2 == uid and sequence2 > sequence and parse(start2) == parse(slots[3])
    await world.bookings.data(CANCEL, {"id": booking["id"]}, buyer.token)
    uid3, sequence3, status3, _ = await fetch()
    assert (uid3, status3) == (uid, "CANCELLED") and sequence3 > sequence2

    wrong = await http.get(f"{world.bookings.base_url}{path.split('?')[0]}?token=guess")
    assert wrong.status_code == 404
