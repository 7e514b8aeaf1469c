"""Persistence of bookings and the cells they hold (SQLAlchemy Core, Postgres).

Every read of a booking joins its listing and settings for the host (owner and agent), so
loading one booking or a hundred is one statement. Methods take the caller's session: the
service decides the transaction, which also carries the outbox events.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping, Sequence
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Select,
    delete,
    func,
    insert,
    literal_column,
    or_,
    select,
    tuple_,
    update,
)
from sqlalchemy.exc import DBAPIError, IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from common.errors import Conflict
from subgraphs.bookings.models import (
    bookings,
    buyer_cells,
    listings,
    property_cells,
    viewing_settings,
)
from subgraphs.bookings.records import (
    HOLDING_STATUSES,
    Booking,
    BookingFilter,
    BookingStatus,
    Page,
)
from subgraphs.bookings.slots import MAX_DURATION, Held, cells

_agent = func.coalesce(viewing_settings.c.agent_id, listings.c.agent_id).label("agent_id")
BOOKING_SELECT: Select[Any] = select(bookings, listings.c.owner_id, _agent).select_from(
    bookings.join(listings, listings.c.id == bookings.c.property_id).outerjoin(
        viewing_settings, viewing_settings.c.property_id == bookings.c.property_id
    )
)
_ends_at = bookings.c.starts_at + bookings.c.duration_minutes * literal_column(
    "interval '1 minute'"
)
_HOLDING = [s.value for s in HOLDING_STATUSES]
DEADLOCK_DETECTED = "40P01"


def booking_of(row: Mapping[Any, Any]) -> Booking:
    return Booking(
        id=row["id"],
        property_id=row["property_id"],
        user_id=row["user_id"],
        starts_at=row["starts_at"],
        duration_minutes=row["duration_minutes"],
        time_zone=row["time_zone"],
        status=BookingStatus(row["status"]),
        sequence=row["sequence"],
        version=row["version"],
        created_at=row["created_at"],
        updated_at=row["updated_at"],
        calendar_token=row["calendar_token"],
        owner_id=row["owner_id"],
        agent_id=row["agent_id"],
        reason=row["reason"],
        cancelled_by=row["cancelled_by"],
    )


def _filter_clauses(booking_filter: BookingFilter) -> list[ColumnElement[bool]]:
    clauses: list[ColumnElement[bool]] = []
    if booking_filter.buyer_id is not None:
        clauses.append(bookings.c.user_id == booking_filter.buyer_id)
    if booking_filter.host_id is not None:
        clauses.append(
            or_(listings.c.owner_id == booking_filter.host_id, _agent == booking_filter.host_id)
        )
    if booking_filter.property_id is not None:
        clauses.append(bookings.c.property_id == booking_filter.property_id)
    if booking_filter.statuses:
        clauses.append(bookings.c.status.in_([s.value for s in booking_filter.statuses]))
    if booking_filter.starts_from is not None:
        clauses.append(bookings.c.starts_at >= booking_filter.starts_from)
    if booking_filter.starts_before is not None:
        clauses.append(bookings.c.starts_at < booking_filter.starts_before)
    return clauses


class BookingRepository:
    async def get(
        self, session: AsyncSession, booking_id: uuid.UUID, *, for_update: bool = False
    ) -> Booking | None:
        query = BOOKING_SELECT.where(bookings.c.id == booking_id)
        if for_update:
            query = query.with_for_update(of=bookings)
        row = (await session.execute(query)).mappings().first()
        return None if row is None else booking_of(row)

    async def get_many(
        self, session: AsyncSession, booking_ids: Sequence[uuid.UUID]
    ) -> dict[uuid.UUID, Booking]:
        query = BOOKING_SELECT.where(bookings.c.id.in_(list(booking_ids)))
        rows = (await session.execute(query)).mappings()
        return {row["id"]: booking_of(row) for row in rows}

    async def insert(self, session: AsyncSession, values: Mapping[str, Any]) -> Booking:
        await session.execute(insert(bookings).values(**values))
        booking = await self.get(session, values["id"])
        assert booking is not None
        return booking

    async def update(
        self, session: AsyncSession, booking_id: uuid.UUID, values: Mapping[str, Any]
    ) -> Booking:
        await session.execute(
            update(bookings)
            .where(bookings.c.id == booking_id)
            .values(**values, version=bookings.c.version + 1, updated_at=func.now())
        )
        booking = await self.get(session, booking_id)
        assert booking is not None
        return booking

    # --- the double-booking guard (decision 0011) ---------------------------------------------

    async def occupy(self, session: AsyncSession, booking: Booking) -> None:
        """Insert the cells ``booking`` covers, for its property and for its buyer.

        A cell another holding booking has is a unique violation: CONFLICT, naming which.
        Cells go in ascending order, property first, so concurrent bookings cannot deadlock.
        """
        covered = cells(booking.starts_at, booking.ends_at)
        await self._insert_cells(
            session,
            property_cells,
            [
                {"property_id": booking.property_id, "cell_start": c, "booking_id": booking.id}
                for c in covered
            ],
            "That slot has just been taken; choose another.",
        )
        await self._insert_cells(
            session,
            buyer_cells,
            [
                {"buyer_id": booking.user_id, "cell_start": c, "booking_id": booking.id}
                for c in covered
            ],
            "You already have a viewing at that time.",
        )

    async def _insert_cells(
        self, session: AsyncSession, table: Any, rows: list[dict[str, Any]], message: str
    ) -> None:
        try:
            await session.execute(insert(table), rows)
        except IntegrityError as error:
            raise Conflict(message, field="startsAt", reason="SLOT_TAKEN") from error
        except DBAPIError as error:
            # Not expected (cells go in a fixed order), but a deadlock is a lost race too.
            if getattr(error.orig, "sqlstate", None) == DEADLOCK_DETECTED:
                raise Conflict(message, field="startsAt", reason="SLOT_TAKEN") from error
            raise

    async def release(self, session: AsyncSession, booking_id: uuid.UUID) -> None:
        await session.execute(
            delete(property_cells).where(property_cells.c.booking_id == booking_id)
        )
        await session.execute(delete(buyer_cells).where(buyer_cells.c.booking_id == booking_id))

    # --- reads for availability and workflow --------------------------------------------------

    async def holds(
        self, session: AsyncSession, property_id: uuid.UUID, start: datetime, end: datetime
    ) -> list[Held]:
        """Time held by pending or confirmed bookings of a property overlapping [start, end)."""
        query = (
            select(bookings.c.starts_at, _ends_at.label("ends_at"))
            .where(
                bookings.c.property_id == property_id,
                bookings.c.status.in_(_HOLDING),
                bookings.c.starts_at < end,
                bookings.c.starts_at > start - MAX_DURATION,
                _ends_at > start,
            )
            .order_by(bookings.c.starts_at)
        )
        return [Held(r.starts_at, r.ends_at) for r in await session.execute(query)]

    async def future_holding(
        self, session: AsyncSession, property_id: uuid.UUID, now: datetime
    ) -> list[Booking]:
        """Pending and confirmed bookings of a property not yet started, locked."""
        query = (
            BOOKING_SELECT.where(
                bookings.c.property_id == property_id,
                bookings.c.status.in_(_HOLDING),
                bookings.c.starts_at > now,
            )
            .order_by(bookings.c.starts_at)
            .with_for_update(of=bookings)
        )
        return [booking_of(r) for r in (await session.execute(query)).mappings()]

    async def passed_confirmed(
        self, session: AsyncSession, now: datetime, limit: int
    ) -> list[Booking]:
        """Confirmed viewings that have ended, locked; rows another process holds are skipped."""
        query = (
            BOOKING_SELECT.where(
                bookings.c.status == BookingStatus.CONFIRMED.value,
                bookings.c.starts_at <= now - timedelta(minutes=1),
                _ends_at <= now,
            )
            .order_by(bookings.c.starts_at)
            .limit(limit)
            .with_for_update(of=bookings, skip_locked=True)
        )
        return [booking_of(r) for r in (await session.execute(query)).mappings()]

    # --- pages: upcoming first (ascending), then past (most recent first) ---------------------

    async def page(
        self,
        session: AsyncSession,
        booking_filter: BookingFilter,
        *,
        now: datetime,
        first: int,
        after: tuple[int, datetime, uuid.UUID] | None,
    ) -> Page[Booking]:
        clauses = _filter_clauses(booking_filter)
        items: list[Booking] = []
        phase, after_start, after_id = after if after is not None else (0, None, None)
        if phase == 0:
            upcoming = BOOKING_SELECT.where(*clauses, bookings.c.starts_at >= now)
            if after_start is not None:
                upcoming = upcoming.where(
                    tuple_(bookings.c.starts_at, bookings.c.id) > tuple_(after_start, after_id)
                )
            query = upcoming.order_by(bookings.c.starts_at, bookings.c.id).limit(first + 1)
            items = [booking_of(r) for r in (await session.execute(query)).mappings()]
            after_start = after_id = None
        if len(items) <= first:
            past = BOOKING_SELECT.where(*clauses, bookings.c.starts_at < now)
            if after_start is not None:
                past = past.where(
                    tuple_(bookings.c.starts_at, bookings.c.id) < tuple_(after_start, after_id)
                )
            query = past.order_by(bookings.c.starts_at.desc(), bookings.c.id.desc()).limit(
                first + 1 - len(items)
            )
            items += [booking_of(r) for r in (await session.execute(query)).mappings()]
        return Page(
            items[:first], has_next_page=len(items) > first, has_previous_page=after is not None
        )

    async def count(self, session: AsyncSession, booking_filter: BookingFilter) -> int:
        query = select(func.count()).select_from(
            BOOKING_SELECT.where(*_filter_clauses(booking_filter)).subquery()
        )
        return int((await session.execute(query)).scalar_one())
