"""What every bookings use case needs, built once by the composition root."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from common.analytics import Analytics, NoAnalytics
from common.db import transaction
from common.events import Event, record_event
from common.idempotency import IdempotencyKeys
from subgraphs.bookings.repository import BookingRepository
from subgraphs.bookings.repository_listings import ListingRepository
from subgraphs.bookings.repository_reminders import ReminderRepository
from subgraphs.bookings.service.time_zones import TimeZoneResolver

Clock = Callable[[], datetime]


def utc_now() -> datetime:
    return datetime.now(UTC)


@dataclass
class Dependencies:
    sessions: async_sessionmaker[AsyncSession]
    time_zones: TimeZoneResolver
    # Where calendar files are served: ``{public_url}/bookings/{id}/calendar.ics``.
    public_url: str
    idempotency: IdempotencyKeys
    bookings: BookingRepository = field(default_factory=BookingRepository)
    listings: ListingRepository = field(default_factory=ListingRepository)
    reminders: ReminderRepository = field(default_factory=ReminderRepository)
    clock: Clock = utc_now
    # Product analytics (GA4 booking_requested), sent in batches off the request path.
    analytics: Analytics = field(default_factory=NoAnalytics)


class UnitOfWork:
    """One transaction: the change and its events."""

    def __init__(self, session: AsyncSession) -> None:
        self.session = session
        self.events: list[Event] = []

    def publish(self, event: Event) -> None:
        self.events.append(event)


@asynccontextmanager
async def unit_of_work(deps: Dependencies) -> AsyncIterator[UnitOfWork]:
    """Commit the change and its outbox events together; nothing is written on any error."""
    async with transaction(deps.sessions) as session:
        work = UnitOfWork(session)
        yield work
        for event in work.events:
            await record_event(session, event)
