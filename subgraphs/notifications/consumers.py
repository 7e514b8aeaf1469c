"""The booking events notifications consumes (its own group on ``realio.bookings``).

Handlers run inside the consumer's transaction, which also records the event as processed, so
a redelivered event creates nothing twice; the notifications fan out after that commit.
"""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from common.events import ConsumerSpec, Event, EventHandler
from subgraphs.notifications.service.booking_events import BOOKING_EVENTS, drafts_for
from subgraphs.notifications.service.inbox import Inbox

GROUP = "notifications-bookings"
BOOKINGS_TOPIC = "realio.bookings"


def booking_consumer(inbox: Inbox, *, max_attempts: int = 5) -> ConsumerSpec:
    """Notifications' consumer group on ``realio.bookings``."""

    async def on_booking_event(session: AsyncSession, event: Event) -> None:
        await inbox.deliver(session, drafts_for(event))

    handlers: dict[str, EventHandler] = {t: on_booking_event for t in BOOKING_EVENTS}
    return ConsumerSpec(
        group=GROUP, topics=[BOOKINGS_TOPIC], handlers=handlers, max_attempts=max_attempts
    )
