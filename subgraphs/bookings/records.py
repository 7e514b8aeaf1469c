"""What the bookings services hand around: bookings, listings as bookings sees them, viewing
settings and pages. Plain dataclasses; the schema layer maps them to GraphQL types."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from enum import StrEnum
from typing import Generic, TypeVar
from zoneinfo import ZoneInfo

from common.auth.viewer import Viewer

ItemT = TypeVar("ItemT")


class BookingStatus(StrEnum):
    PENDING = "pending"
    CONFIRMED = "confirmed"
    DECLINED = "declined"
    CANCELLED = "cancelled"
    COMPLETED = "completed"


# Bookings that hold their slot (and the buyer's time); the others have released it.
HOLDING_STATUSES = (BookingStatus.PENDING, BookingStatus.CONFIRMED)
# Listing statuses that still accept viewings.
BOOKABLE_LISTING_STATUSES = ("available", "pending")


class Weekday(StrEnum):
    MONDAY = "monday"
    TUESDAY = "tuesday"
    WEDNESDAY = "wednesday"
    THURSDAY = "thursday"
    FRIDAY = "friday"
    SATURDAY = "saturday"
    SUNDAY = "sunday"

    @property
    def number(self) -> int:
        """Monday is 0, as ``date.weekday()`` counts."""
        return list(Weekday).index(self)


@dataclass(frozen=True, slots=True)
class Listing:
    """The projection of a listing that bookings keeps from property events."""

    id: uuid.UUID
    owner_id: uuid.UUID
    status: str
    time_zone: str
    version: int
    deleted: bool = False
    agent_id: uuid.UUID | None = None

    @property
    def bookable(self) -> bool:
        return not self.deleted and self.status in BOOKABLE_LISTING_STATUSES


@dataclass(frozen=True, slots=True)
class OpeningInterval:
    """Local wall-clock hours, ``start`` < ``end``, both on the same day."""

    start: time
    end: time


@dataclass(frozen=True, slots=True)
class WeeklyHours:
    weekday: Weekday
    start: time
    end: time


@dataclass(frozen=True, slots=True)
class DateException:
    """One local date: closed all day, or open for ``hours`` on top of the weekly hours."""

    date: date
    closed: bool
    hours: tuple[OpeningInterval, ...] = ()


@dataclass(frozen=True, slots=True)
class ViewingSettings:
    property_id: uuid.UUID
    time_zone: str
    weekly_hours: tuple[WeeklyHours, ...]
    exceptions: tuple[DateException, ...]
    slot_minutes: int
    minimum_notice_minutes: int
    horizon_days: int
    auto_confirm: bool
    agent_id: uuid.UUID | None = None

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.time_zone)

    @property
    def slot_length(self) -> timedelta:
        return timedelta(minutes=self.slot_minutes)


@dataclass(frozen=True, slots=True)
class Host:
    """Who hosts viewings of a listing: its owner and, when one is named, its agent."""

    property_id: uuid.UUID
    owner_id: uuid.UUID
    agent_id: uuid.UUID | None

    def includes(self, viewer: Viewer) -> bool:
        return viewer.user_id is not None and viewer.user_id in (self.owner_id, self.agent_id)


@dataclass(frozen=True, slots=True)
class Booking:
    id: uuid.UUID
    property_id: uuid.UUID
    user_id: uuid.UUID  # the buyer (the original table's column name)
    starts_at: datetime
    duration_minutes: int
    time_zone: str
    status: BookingStatus
    sequence: int
    version: int
    created_at: datetime
    updated_at: datetime
    calendar_token: str
    owner_id: uuid.UUID
    agent_id: uuid.UUID | None = None
    reason: str | None = None
    cancelled_by: uuid.UUID | None = None

    @property
    def ends_at(self) -> datetime:
        return self.starts_at + timedelta(minutes=self.duration_minutes)

    @property
    def local_starts_at(self) -> datetime:
        return self.starts_at.astimezone(ZoneInfo(self.time_zone))

    @property
    def booking_date(self) -> date:
        """The viewing's date in the property's time zone (the original ``booking_date``)."""
        return self.local_starts_at.date()

    @property
    def host(self) -> Host:
        return Host(self.property_id, self.owner_id, self.agent_id)

    def visible_to(self, viewer: Viewer) -> bool:
        return viewer.is_admin or viewer.user_id == self.user_id or self.host.includes(viewer)


@dataclass(frozen=True, slots=True)
class Slot:
    starts_at: datetime
    ends_at: datetime
    time_zone: str

    @property
    def local_starts_at(self) -> datetime:
        return self.starts_at.astimezone(ZoneInfo(self.time_zone))


@dataclass(frozen=True, slots=True)
class BookingFilter:
    statuses: tuple[BookingStatus, ...] = ()
    property_id: uuid.UUID | None = None
    buyer_id: uuid.UUID | None = None
    # Bookings of listings this user hosts (owner or agent).
    host_id: uuid.UUID | None = None
    starts_from: datetime | None = None
    starts_before: datetime | None = None


@dataclass(frozen=True, slots=True)
class Page(Generic[ItemT]):
    items: Sequence[ItemT]
    has_next_page: bool
    has_previous_page: bool = False
    extra: dict[str, object] = field(default_factory=dict)
