"""Demo viewings: the first demo listings get viewing hours, and the demo buyers bookings in
every status (pending, confirmed, declined, cancelled, completed).

Bookings' projection is normally fed by property events; the seed runs before any process
consumes them, so it projects the same deterministic demo listings properties seeds (same
ids, owners, statuses, coordinates, version 1). The events that arrive later carry the same
versions and change nothing. Idempotent: fixed ids, existing rows left alone.
"""

from __future__ import annotations

import secrets
import uuid
from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from common.auth.viewer import Role
from common.config import Settings
from common.db import create_engine, session_factory, transaction
from common.demo import DEMO_USERS
from subgraphs.bookings.models import bookings
from subgraphs.bookings.records import (
    Booking,
    BookingStatus,
    Listing,
    ViewingSettings,
    Weekday,
)
from subgraphs.bookings.repository import BookingRepository
from subgraphs.bookings.repository_listings import ListingRepository
from subgraphs.bookings.repository_reminders import ReminderRepository
from subgraphs.bookings.service.rules import REMINDERS
from subgraphs.bookings.service.time_zones import TimeZoneResolver
from subgraphs.bookings.service.validation import (
    SettingsInput,
    WeeklyHoursInput,
    check_settings,
)
from subgraphs.bookings.slots import free_slots
from subgraphs.properties.seed import demo_listings
from subgraphs.properties.seed_data import DEMO_IMAGES

SUBGRAPH = "bookings"
OPEN_LISTINGS = 12
_NAMESPACE = uuid.UUID("3c9a7f2e-1b4d-4e8a-9f61-2d7b8c5e0a13")
WEEKDAYS = (Weekday.MONDAY, Weekday.TUESDAY, Weekday.WEDNESDAY, Weekday.THURSDAY, Weekday.FRIDAY)
DEMO_HOURS = SettingsInput(
    weekly_hours=[
        *(WeeklyHoursInput(day, "09:00", "18:00") for day in WEEKDAYS),
        WeeklyHoursInput(Weekday.SATURDAY, "10:00", "14:00"),
    ],
)
# (status, days from now): the future ones hold their slots; the past ones are history.
DEMO_BOOKINGS = (
    (BookingStatus.PENDING, 2),
    (BookingStatus.CONFIRMED, 3),
    (BookingStatus.DECLINED, 4),
    (BookingStatus.CANCELLED, 5),
    (BookingStatus.COMPLETED, -7),
)


def _projected(settings: Settings) -> list[Listing]:
    placeholder = {
        kind: [(f"{kind}-{i}", "", 0) for i in range(n)] for kind, n in DEMO_IMAGES.items()
    }
    resolver = TimeZoneResolver(settings.bookings_default_time_zone)
    return [
        Listing(
            id=x.id,
            owner_id=x.owner_id,
            status=x.status.value,
            time_zone=resolver.of_coordinates(x.latitude, x.longitude),
            version=x.version,
        )
        for x in demo_listings(placeholder, datetime.now(UTC))
    ]


def _start(listing: Listing, days: int, index: int) -> datetime:
    """A slot of the demo hours about ``days`` from now (past ones at 10:00 local)."""
    checked = check_settings(DEMO_HOURS)
    now = datetime.now(UTC)
    if days < 0:
        day = (now + timedelta(days=days)).astimezone(ZoneInfo(listing.time_zone)).date()
        return datetime.combine(day, time(10, 0), tzinfo=ZoneInfo(listing.time_zone)).astimezone(
            UTC
        )
    settings = ViewingSettings(
        listing.id, listing.time_zone, checked.weekly_hours, (), 30, 0, 60, False
    )
    day_start = now + timedelta(days=days)
    slots = free_slots(settings, day_start, day_start + timedelta(days=4), now=now, held=[])
    return slots[index % len(slots)].starts_at


async def seed(settings: Settings) -> list[str]:
    """Insert the missing demo settings and bookings; returns lines for ``make run``."""
    engine = create_engine(settings, SUBGRAPH)
    listings_repo, bookings_repo, reminders_repo = (
        ListingRepository(),
        BookingRepository(),
        ReminderRepository(),
    )
    buyers = [u for u in DEMO_USERS if u.role is Role.BUYER]
    made = 0
    try:
        open_listings = [x for x in _projected(settings) if x.bookable][:OPEN_LISTINGS]
        checked = check_settings(DEMO_HOURS)
        async with transaction(session_factory(engine)) as session:
            for listing in open_listings:
                await listings_repo.upsert(session, listing)
                found = await listings_repo.get_settings(session, [listing.id])
                if found[listing.id][1] is None:
                    await listings_repo.put_settings(session, listing.id, checked, None)
            for index, listing in enumerate(open_listings[:2]):
                for status, days in DEMO_BOOKINGS:
                    booking_id = uuid.uuid5(_NAMESPACE, f"{listing.id}-{status.value}")
                    exists = await session.scalar(
                        select(bookings.c.id).where(bookings.c.id == booking_id)
                    )
                    if exists:
                        continue
                    booking = await bookings_repo.insert(
                        session,
                        {
                            "id": booking_id,
                            "property_id": listing.id,
                            "user_id": buyers[index % len(buyers)].id,
                            "starts_at": _start(listing, days, index),
                            "duration_minutes": 30,
                            "time_zone": listing.time_zone,
                            "status": status.value,
                            "reason": "Demo: plans changed"
                            if status in (BookingStatus.DECLINED, BookingStatus.CANCELLED)
                            else None,
                            "calendar_token": secrets.token_urlsafe(24),
                        },
                    )
                    await _hold(session, bookings_repo, reminders_repo, booking)
                    made += 1
    finally:
        await engine.dispose()
    return [
        f"bookings: viewing hours on {OPEN_LISTINGS} demo listings, "
        f"{made} new demo bookings in every status"
    ]


async def _hold(
    session: AsyncSession, repo: BookingRepository, reminders: ReminderRepository, booking: Booking
) -> None:
    if booking.status in (BookingStatus.PENDING, BookingStatus.CONFIRMED):
        await repo.occupy(session, booking)
    if booking.status is BookingStatus.CONFIRMED:
        now = datetime.now(UTC)
        due = [(kind, booking.starts_at - ahead) for kind, ahead in REMINDERS]
        await reminders.schedule(session, booking.id, [(k, at) for k, at in due if at > now])
