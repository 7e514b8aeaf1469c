"""GraphQL types of the bookings subgraph and their mapping from service records.

Thin on purpose: fields read records; anything needing the database goes through a service
(entity resolution through a per-request DataLoader: one SQL statement per ``_entities``).
"""

from __future__ import annotations

import uuid
from datetime import date, datetime
from enum import Enum
from typing import Annotated

import strawberry
import strawberry.federation as federation
from strawberry.dataloader import DataLoader
from strawberry.types import Info

from common.context import RequestContext
from common.pagination import Connection, build_connection, check_first, decode_cursor
from subgraphs.bookings import records
from subgraphs.bookings.service import BookingsServices
from subgraphs.bookings.service.booking_reads import booking_cursor
from subgraphs.bookings.service.validation import check_instant, parse_id

Context = RequestContext[BookingsServices]
BookingsInfo = Info[Context, None]

BookingStatus = strawberry.enum(
    records.BookingStatus,
    name="BookingStatus",
    description="PENDING until the host confirms or declines; CANCELLED by either party; "
    "COMPLETED once a confirmed viewing's time has passed.",
)
Weekday = strawberry.enum(records.Weekday, name="Weekday")


@strawberry.enum(description="Which side of a booking the viewer is on.")
class BookingRole(Enum):
    BUYER = "buyer"
    HOST = "host"


@strawberry.enum(description="Viewings still to come (soonest first) or past (latest first).")
class BookingTime(Enum):
    UPCOMING = "upcoming"
    PAST = "past"
    ALL = "all"


def booking_loader(info: BookingsInfo) -> DataLoader[uuid.UUID, records.Booking | None]:
    """The request's loader of bookings by id: one SQL statement per batch."""
    context = info.context

    def build() -> DataLoader[uuid.UUID, records.Booking | None]:
        async def load(ids: list[uuid.UUID]) -> list[records.Booking | None]:
            return await context.services.reads.load_many(context.viewer, ids)

        return DataLoader(load_fn=load)

    return context.loader("bookings", build)


def settings_loader(
    info: BookingsInfo,
) -> DataLoader[uuid.UUID, tuple[records.Listing, records.ViewingSettings | None] | None]:
    """The request's loader of listings with their viewing settings: one SQL per batch."""
    context = info.context

    def build() -> DataLoader[
        uuid.UUID, tuple[records.Listing, records.ViewingSettings | None] | None
    ]:
        async def load(
            ids: list[uuid.UUID],
        ) -> list[tuple[records.Listing, records.ViewingSettings | None] | None]:
            return await context.services.availability.settings_of(ids)

        return DataLoader(load_fn=load)

    return context.loader("viewing_settings", build)


@strawberry.type(description="A free viewing slot.")
class ViewingSlot:
    starts_at: datetime = strawberry.field(description="UTC.")
    ends_at: datetime = strawberry.field(description="UTC.")
    local_starts_at: datetime = strawberry.field(
        description="The start in the property's time zone (ISO-8601 with its offset)."
    )

    @classmethod
    def of(cls, slot: records.Slot) -> ViewingSlot:
        return cls(
            starts_at=slot.starts_at, ends_at=slot.ends_at, local_starts_at=slot.local_starts_at
        )


@strawberry.type(description="Local wall-clock hours, HH:MM.")
class TimeRange:
    start: str
    end: str


@strawberry.type(description="Weekly opening hours for viewings, in the property's time zone.")
class OpeningHours:
    weekday: Weekday  # type: ignore[valid-type]
    start: str
    end: str


@strawberry.type(description="A date closed for viewings, or with hours beyond the weekly ones.")
class ViewingException:
    date: date
    closed: bool
    hours: list[TimeRange]


def _hhmm(value: object) -> str:
    return f"{value:%H:%M}"


@strawberry.type(description="When a property can be viewed.")
class ViewingSettings:
    time_zone: str = strawberry.field(description="IANA name; opening hours are in this zone.")
    weekly_hours: list[OpeningHours]
    exceptions: list[ViewingException]
    slot_minutes: int
    minimum_notice_minutes: int
    horizon_days: int
    auto_confirm: bool
    settings: strawberry.Private[records.ViewingSettings]

    @strawberry.field(description="The listing agent who hosts viewings, when one is named.")
    def agent(self) -> User | None:
        agent_id = self.settings.agent_id
        return None if agent_id is None else User(id=strawberry.ID(str(agent_id)))

    @classmethod
    def of(cls, settings: records.ViewingSettings) -> ViewingSettings:
        return cls(
            time_zone=settings.time_zone,
            weekly_hours=[
                OpeningHours(weekday=h.weekday, start=_hhmm(h.start), end=_hhmm(h.end))
                for h in settings.weekly_hours
            ],
            exceptions=[
                ViewingException(
                    date=e.date,
                    closed=e.closed,
                    hours=[TimeRange(start=_hhmm(h.start), end=_hhmm(h.end)) for h in e.hours],
                )
                for e in settings.exceptions
            ],
            slot_minutes=settings.slot_minutes,
            minimum_notice_minutes=settings.minimum_notice_minutes,
            horizon_days=settings.horizon_days,
            auto_confirm=settings.auto_confirm,
            settings=settings,
        )


@federation.type(keys=["id"], description="A viewing of a property booked by a buyer.")
class Booking:
    id: strawberry.ID
    status: BookingStatus  # type: ignore[valid-type]
    starts_at: datetime = strawberry.field(description="UTC.")
    ends_at: datetime = strawberry.field(description="UTC.")
    duration_minutes: int
    time_zone: str = strawberry.field(description="The property's IANA time zone.")
    local_starts_at: datetime = strawberry.field(
        description="The start in the property's time zone (ISO-8601 with its offset)."
    )
    booking_date: date = strawberry.field(description="The viewing's date, property's zone.")
    reason: str | None = strawberry.field(description="Why it was cancelled or declined.")
    created_at: datetime
    updated_at: datetime
    version: int
    booking: strawberry.Private[records.Booking]

    @strawberry.field(description="The property viewed (resolved by the properties subgraph).")
    def property(self) -> Property | None:  # resolved by properties
        return Property(id=strawberry.ID(str(self.booking.property_id)))

    @strawberry.field(description="The buyer who booked it (resolved by the users subgraph).")
    def buyer(self) -> User | None:  # resolved by users
        return User(id=strawberry.ID(str(self.booking.user_id)))

    @strawberry.field(
        description="The booking's iCalendar file; the URL itself is the credential, so share "
        "it only with your calendar. Rescheduling or cancelling updates the same event."
    )
    def calendar_url(self, info: BookingsInfo) -> str:
        return info.context.services.calendar.url_of(self.booking)

    @classmethod
    def of(cls, booking: records.Booking) -> Booking:
        return cls(
            id=strawberry.ID(str(booking.id)),
            status=booking.status,
            starts_at=booking.starts_at,
            ends_at=booking.ends_at,
            duration_minutes=booking.duration_minutes,
            time_zone=booking.time_zone,
            local_starts_at=booking.local_starts_at,
            booking_date=booking.booking_date,
            reason=booking.reason,
            created_at=booking.created_at,
            updated_at=booking.updated_at,
            version=booking.version,
            booking=booking,
        )

    @classmethod
    async def resolve_reference(cls, info: BookingsInfo, id: strawberry.ID) -> Booking | None:
        """Batched: every representation of one ``_entities`` request shares one query."""
        try:
            booking_id = uuid.UUID(str(id))
        except ValueError:
            return None
        booking = await booking_loader(info).load(booking_id)
        return None if booking is None else cls.of(booking)


def bookings_connection(
    page: records.Page[records.Booking],
    count_all: object,
    now: datetime,
) -> Connection[Booking]:
    return build_connection(
        page.items,
        has_next_page=page.has_next_page,
        has_previous_page=page.has_previous_page,
        cursor_key=lambda b: [now.isoformat(), *booking_cursor(b, now)],
        to_node=Booking.of,
        count_all=count_all,  # type: ignore[arg-type]
    )


async def page_of(
    info: BookingsInfo,
    booking_filter: records.BookingFilter,
    first: int | None,
    after: str | None,
) -> Connection[Booking]:
    page, count_all, now = await info.context.services.reads.page(
        info.context.viewer,
        booking_filter,
        first=check_first(first),
        after=decode_cursor(after, arity=4),
    )
    return bookings_connection(page, count_all, now)


def statuses_of(status: list[records.BookingStatus] | None) -> tuple[records.BookingStatus, ...]:
    return tuple(status or ())


@federation.type(keys=["id"], description="A listing; the properties subgraph owns its fields.")
class Property:
    id: strawberry.ID

    @strawberry.field(
        description="Free viewing slots starting in [from, to) (at most 92 days apart): on the "
        "property's slot grid, within its minimum notice and horizon, not held by a pending or "
        "confirmed booking. Empty when the property accepts no viewings."
    )
    async def available_slots(
        self,
        info: BookingsInfo,
        from_: Annotated[datetime, strawberry.argument(name="from")],
        to: datetime,
    ) -> list[ViewingSlot] | None:
        slots = await info.context.services.availability.free_slots(
            _property_id(self.id), check_instant(from_, "from"), check_instant(to, "to")
        )
        return [ViewingSlot.of(s) for s in slots]

    @strawberry.field(description="When it can be viewed; null until its host sets it.")
    async def viewing_settings(self, info: BookingsInfo) -> ViewingSettings | None:
        found = await settings_loader(info).load(_property_id(self.id))
        if found is None or found[1] is None:
            return None
        return ViewingSettings.of(found[1])

    @strawberry.field(
        description="Its bookings, upcoming first: its owner, its agent and admins only "
        "(FORBIDDEN otherwise)."
    )
    async def bookings(
        self,
        info: BookingsInfo,
        status: list[BookingStatus] | None = None,  # type: ignore[valid-type]
        first: int | None = 20,
        after: str | None = None,
    ) -> Connection[Booking] | None:
        scoped = await info.context.services.reads.scope_for_property(
            info.context.viewer,
            _property_id(self.id),
            records.BookingFilter(statuses=statuses_of(status)),
        )
        return await page_of(info, scoped, first, after)

    @classmethod
    def resolve_reference(cls, id: strawberry.ID) -> Property:
        return cls(id=id)


def _property_id(value: strawberry.ID) -> uuid.UUID:
    return parse_id(str(value), "id")


@federation.type(keys=["id"], description="A user; the users subgraph owns every other field.")
class User:
    id: strawberry.ID

    @strawberry.field(
        description="The user's viewings as a buyer: upcoming ones soonest first, past ones "
        "latest first. Only the user themself and admins may read it (FORBIDDEN otherwise)."
    )
    async def bookings(
        self,
        info: BookingsInfo,
        when: BookingTime = BookingTime.UPCOMING,
        first: int | None = 20,
        after: str | None = None,
    ) -> Connection[Booking] | None:
        now = info.context.services.reads.deps.clock()
        booking_filter = records.BookingFilter(
            starts_from=now if when is BookingTime.UPCOMING else None,
            starts_before=now if when is BookingTime.PAST else None,
        )
        scoped = info.context.services.reads.scope_for_user(
            info.context.viewer, parse_id(str(self.id), "id"), booking_filter
        )
        return await page_of(info, scoped, first, after)

    @classmethod
    def resolve_reference(cls, id: strawberry.ID) -> User:
        return cls(id=id)
