"""A notification goes out at most once per channel: replayed events, racing dispatchers, and
a dispatcher that died mid-send."""

from __future__ import annotations

import asyncio
import uuid
from datetime import UTC, datetime, timedelta

from common.db import transaction
from common.events import new_event
from subgraphs.notifications.service.booking_events import drafts_for
from subgraphs.notifications.service.delivery import Dispatcher
from tests.integration.notifications.delivery.world import DeliveryWorld


async def test_a_booking_event_consumed_twice_is_emailed_once(dworld: DeliveryWorld) -> None:
    buyer = dworld.person()
    event = new_event(
        "booking.confirmed",
        uuid.uuid4(),
        {
            "booking_id": str(uuid.uuid4()),
            "property_id": str(uuid.uuid4()),
            "buyer_id": str(buyer.id),
            "owner_id": str(uuid.uuid4()),
            "agent_id": None,
            "starts_at": datetime(2026, 12, 20, 10, tzinfo=UTC).isoformat(),
        },
        producer="bookings",
        aggregate_type="bookings",
    )
    inbox = dworld.services.inbox
    for _ in range(2):  # a redelivery outside the consumer's processed-ids record
        async with transaction(inbox.deps.sessions) as session:
            await inbox.deliver(session, drafts_for(event))
        await dworld.services.dispatcher.run_once()

    [mail] = dworld.mails_to(buyer)
    assert mail["Subject"] == "Viewing confirmed"


async def test_two_dispatchers_racing_deliver_each_notification_once(
    dworld: DeliveryWorld,
) -> None:
    people = [dworld.person() for _ in range(30)]
    for who in people:
        await dworld.notify(who)
    deps = dworld.services.inbox.deps
    senders = dworld.services.dispatcher.senders
    first, second = Dispatcher(deps, senders, batch=4), Dispatcher(deps, senders, batch=4)

    reports = await asyncio.gather(first.run_once(), second.run_once())

    assert [len(dworld.mails_to(who)) for who in people] == [1] * len(people)
    assert sum(r.delivered for r in reports) >= len(people)


async def test_a_claim_whose_dispatcher_died_is_failed_not_sent_again(
    dworld: DeliveryWorld,
) -> None:
    buyer = dworld.person()
    notification_id = await dworld.notify(buyer)
    assert notification_id is not None
    deps = dworld.services.inbox.deps
    async with transaction(deps.sessions) as session:  # claimed, then the process died
        claims = await deps.deliveries.claim_due(
            session, dworld.clock.now, limit=1000, lease=timedelta(minutes=5)
        )
    assert (notification_id, "email") in {(c.notification_id, c.channel.value) for c in claims}

    dworld.clock.now += timedelta(minutes=6)
    report = await dworld.services.dispatcher.run_once()

    assert report.abandoned >= 1
    row = (await dworld.deliveries(notification_id))["email"]
    assert (row["status"], row["attempts"]) == ("failed", 1)
    assert "outcome unknown" in row["last_error"]
    assert dworld.mails_to(buyer) == []
