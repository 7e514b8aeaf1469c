"""Booking events, produced by the real bookings subgraph, notify the right people once."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import func, select, text

from common.auth.viewer import Role
from subgraphs.notifications.app import consumer_specs
from subgraphs.notifications.consumers import GROUP
from subgraphs.notifications.models import notifications
from tests.integration.bookings.world import CANCEL, CONFIRM, DECLINE, RESCHEDULE, parse
from tests.integration.notifications.world import NotificationsWorld


def kinds(listed: list[dict[str, object]]) -> list[object]:
    return [n["kind"] for n in listed]


async def test_a_request_notifies_the_owner_and_agent_and_not_the_buyer(
    nworld: NotificationsWorld,
) -> None:
    seller, agent = nworld.persona(Role.SELLER), nworld.persona(Role.AGENT)
    buyer = nworld.persona(Role.BUYER)
    property_id = await nworld.bookings.open_listing(seller, {"agentId": str(agent.id)})
    slot = (await nworld.bookings.slots(property_id))[0]["startsAt"]
    booking = await nworld.bookings.book(buyer, property_id, slot)
    await nworld.settle()

    for host in (seller, agent):
        [told] = await nworld.listed(host)
        assert told["kind"] == "BOOKING_REQUESTED"
        assert told["userId"] == str(host.id)
        assert told["bookingId"] == booking["id"]
        assert told["propertyId"] == property_id
        assert told["readAt"] is None
        assert told["deliveries"] == [
            {"channel": "IN_APP", "status": "DELIVERED", "attempts": 1, "lastError": None}
        ]
    assert await nworld.listed(buyer) == []


async def test_the_host_confirming_or_declining_notifies_the_buyer(
    nworld: NotificationsWorld,
) -> None:
    seller = nworld.persona(Role.SELLER)
    buyers = [nworld.persona(Role.BUYER) for _ in range(2)]
    property_id = await nworld.bookings.open_listing(seller)
    slots = [s["startsAt"] for s in await nworld.bookings.slots(property_id)]
    confirmed = await nworld.bookings.book(buyers[0], property_id, slots[0])
    declined = await nworld.bookings.book(buyers[1], property_id, slots[1])
    bookings = nworld.bookings.bookings
    await bookings.data(CONFIRM, {"id": confirmed["id"]}, seller.token)
    await bookings.data(DECLINE, {"id": declined["id"], "reason": "Under offer"}, seller.token)
    await nworld.settle()

    [yes] = await nworld.listed(buyers[0])
    assert (yes["kind"], yes["bookingId"]) == ("BOOKING_CONFIRMED", confirmed["id"])
    [no] = await nworld.listed(buyers[1])
    assert (no["kind"], no["bookingId"]) == ("BOOKING_DECLINED", declined["id"])
    assert "Under offer" in no["body"]
    assert kinds(await nworld.listed(seller)) == ["BOOKING_REQUESTED", "BOOKING_REQUESTED"]


async def test_a_buyer_rescheduling_or_cancelling_notifies_the_host_only(
    nworld: NotificationsWorld,
) -> None:
    seller, buyer = nworld.persona(Role.SELLER), nworld.persona(Role.BUYER)
    property_id = await nworld.bookings.open_listing(seller)
    slots = [s["startsAt"] for s in await nworld.bookings.slots(property_id)]
    booking = await nworld.bookings.book(buyer, property_id, slots[0])
    bookings = nworld.bookings.bookings
    await bookings.data(RESCHEDULE, {"id": booking["id"], "startsAt": slots[3]}, buyer.token)
    await bookings.data(CANCEL, {"id": booking["id"], "reason": "Found another"}, buyer.token)
    await nworld.settle()

    listed = await nworld.listed(seller)
    assert kinds(listed) == ["BOOKING_CANCELLED", "BOOKING_RESCHEDULED", "BOOKING_REQUESTED"]
    assert "Found another" in listed[0]["body"]
    assert await nworld.listed(buyer) == []


async def test_the_host_cancelling_notifies_the_buyer_only(nworld: NotificationsWorld) -> None:
    seller, buyer = nworld.persona(Role.SELLER), nworld.persona(Role.BUYER)
    property_id = await nworld.bookings.open_listing(seller)
    slot = (await nworld.bookings.slots(property_id))[0]["startsAt"]
    booking = await nworld.bookings.book(buyer, property_id, slot)
    await nworld.bookings.bookings.data(CANCEL, {"id": booking["id"]}, seller.token)
    await nworld.settle()

    assert kinds(await nworld.listed(buyer)) == ["BOOKING_CANCELLED"]
    assert kinds(await nworld.listed(seller)) == ["BOOKING_REQUESTED"]


async def test_a_due_reminder_notifies_both_buyer_and_host(nworld: NotificationsWorld) -> None:
    seller, buyer = nworld.persona(Role.SELLER), nworld.persona(Role.BUYER)
    property_id = await nworld.bookings.open_listing(seller)
    # Between 2 and 24 hours ahead: only its 1-hour reminder is scheduled.
    soon = datetime.now(UTC) + timedelta(hours=2)
    slot = next(s for s in await nworld.bookings.slots(property_id) if parse(s["startsAt"]) > soon)
    booking = await nworld.bookings.book(buyer, property_id, slot["startsAt"])
    await nworld.bookings.bookings.data(CONFIRM, {"id": booking["id"]}, seller.token)
    await nworld.bookings.services.schedule.run_due(parse(slot["startsAt"]) - timedelta(minutes=30))
    await nworld.settle()

    for person in (buyer, seller):
        [reminder] = [n for n in await nworld.listed(person) if n["kind"] == "BOOKING_REMINDER"]
        assert reminder["bookingId"] == booking["id"]
        assert "in 1 hour" in reminder["body"]


async def test_redelivered_booking_events_create_no_second_notification(
    nworld: NotificationsWorld,
) -> None:
    seller, buyer = nworld.persona(Role.SELLER), nworld.persona(Role.BUYER)
    property_id = await nworld.bookings.open_listing(seller)
    slot = (await nworld.bookings.slots(property_id))[0]["startsAt"]
    await nworld.bookings.book(buyer, property_id, slot)
    await nworld.settle()
    engine = nworld.app.state.engine

    async def stored() -> int:
        async with engine.connect() as conn:
            return int(
                (await conn.execute(select(func.count()).select_from(notifications))).scalar_one()
            )

    before = await stored()
    # The consumer stops and its group forgets its position: the whole bookings log is
    # delivered again when it starts over.
    await nworld.runtime.stop()
    async with engine.begin() as conn:
        await conn.execute(
            text("UPDATE event_consumer_offsets SET position = 0 WHERE consumer_group = :g"),
            {"g": GROUP},
        )
    # Every group starts again (the others were stopped too); only bookings' starts over.
    for spec in consumer_specs(nworld.app.state.services):
        await nworld.runtime.start_consumer(spec)
    await nworld.runtime.wait_until_idle(timeout=30)
    async with engine.connect() as conn:
        offset = await conn.execute(
            text("SELECT position FROM event_consumer_offsets WHERE consumer_group = :g"),
            {"g": GROUP},
        )
        assert offset.scalar_one() > 0

    assert await stored() == before
    assert kinds(await nworld.listed(seller)) == ["BOOKING_REQUESTED"]
