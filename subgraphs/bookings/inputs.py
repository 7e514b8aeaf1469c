"""GraphQL inputs of the bookings subgraph and their conversion to service values."""

from __future__ import annotations

import uuid
from datetime import date, datetime

import strawberry

from subgraphs.bookings import records
from subgraphs.bookings.schema_types import BookingRole, BookingStatus, Weekday
from subgraphs.bookings.service.validation import (
    DEFAULT_HORIZON_DAYS,
    DEFAULT_NOTICE_MINUTES,
    DEFAULT_SLOT_MINUTES,
    ExceptionInput,
    HoursInput,
    SettingsInput,
    WeeklyHoursInput,
    check_instant,
    parse_id,
)


@strawberry.input(description="Local wall-clock hours, HH:MM (multiples of 5 minutes).")
class TimeRangeInput:
    start: str
    end: str


@strawberry.input(description="Opening hours on one weekday, HH:MM in the property's zone.")
class OpeningHoursInput:
    weekday: Weekday  # type: ignore[valid-type]
    start: str
    end: str


@strawberry.input(description="Close a date (closed: true), or add hours to it.")
class ViewingExceptionInput:
    date: date
    closed: bool = False
    hours: list[TimeRangeInput] = strawberry.field(default_factory=list)


@strawberry.input(
    description="All of a property's viewing settings (they replace the previous ones)."
)
class ViewingSettingsInput:
    weekly_hours: list[OpeningHoursInput]
    exceptions: list[ViewingExceptionInput] = strawberry.field(default_factory=list)
    slot_minutes: int = DEFAULT_SLOT_MINUTES
    minimum_notice_minutes: int = DEFAULT_NOTICE_MINUTES
    horizon_days: int = DEFAULT_HORIZON_DAYS
    auto_confirm: bool = strawberry.field(
        default=False, description="Confirm every booking at once, without the host."
    )
    time_zone: str | None = strawberry.field(
        default=None, description="IANA name; by default the zone of the property's location."
    )
    agent_id: strawberry.ID | None = strawberry.field(
        default=strawberry.UNSET,
        description="The listing agent who hosts viewings (the owner or an admin sets it; "
        "null removes it).",
    )

    def to_service(self) -> SettingsInput:
        sent = frozenset() if self.agent_id is strawberry.UNSET else frozenset({"agentId"})
        agent = None if self.agent_id in (None, strawberry.UNSET) else self.agent_id
        return SettingsInput(
            weekly_hours=[WeeklyHoursInput(h.weekday, h.start, h.end) for h in self.weekly_hours],
            exceptions=[
                ExceptionInput(e.date, e.closed, [HoursInput(h.start, h.end) for h in e.hours])
                for e in self.exceptions
            ],
            slot_minutes=self.slot_minutes,
            minimum_notice_minutes=self.minimum_notice_minutes,
            horizon_days=self.horizon_days,
            auto_confirm=self.auto_confirm,
            time_zone=self.time_zone,
            agent_id=None if agent is None else parse_id(str(agent), "input.agentId"),
            sent=sent,
        )


@strawberry.input(description="Which of the viewer's bookings to list.")
class BookingFilterInput:
    status: list[BookingStatus] | None = None  # type: ignore[valid-type]
    property_id: strawberry.ID | None = None
    from_: datetime | None = strawberry.field(default=None, name="from")
    to: datetime | None = None
    role: BookingRole = strawberry.field(
        default=BookingRole.BUYER,
        description="BUYER: viewings the viewer booked; HOST: viewings of listings the viewer "
        "owns or is the agent of.",
    )

    def to_service(self, viewer_id: uuid.UUID) -> records.BookingFilter:
        return records.BookingFilter(
            statuses=tuple(self.status or ()),
            property_id=None
            if self.property_id is None
            else parse_id(str(self.property_id), "filter.propertyId"),
            buyer_id=viewer_id if self.role is BookingRole.BUYER else None,
            host_id=viewer_id if self.role is BookingRole.HOST else None,
            starts_from=None if self.from_ is None else check_instant(self.from_, "filter.from"),
            starts_before=None if self.to is None else check_instant(self.to, "filter.to"),
        )
