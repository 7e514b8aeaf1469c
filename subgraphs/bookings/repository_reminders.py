"""Persistence of the durable reminder schedule (SQLAlchemy Core)."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import delete, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.ext.asyncio import AsyncSession

from subgraphs.bookings.models import bookings, reminders


class ReminderRepository:
    async def schedule(
        self, session: AsyncSession, booking_id: uuid.UUID, due: Sequence[tuple[str, datetime]]
    ) -> None:
        if not due:
            return
        rows = [{"booking_id": booking_id, "kind": kind, "due_at": at} for kind, at in due]
        statement = pg_insert(reminders).values(rows)
        statement = statement.on_conflict_do_update(
            index_elements=[reminders.c.booking_id, reminders.c.kind],
            set_={"due_at": statement.excluded.due_at, "sent_at": None},
        )
        await session.execute(statement)

    async def clear(self, session: AsyncSession, booking_id: uuid.UUID) -> None:
        """Forget the reminders of a booking that is no longer confirmed at that time."""
        await session.execute(delete(reminders).where(reminders.c.booking_id == booking_id))

    async def claim_due(
        self, session: AsyncSession, now: datetime, limit: int
    ) -> list[tuple[uuid.UUID, str]]:
        """Unsent reminders due by ``now`` of confirmed bookings, locked for this transaction.

        ``SKIP LOCKED``: a reminder another process is sending is not seen here, and once that
        process commits it is marked sent, so each reminder is sent exactly once.
        """
        query = (
            select(reminders.c.booking_id, reminders.c.kind)
            .join(bookings, bookings.c.id == reminders.c.booking_id)
            .where(
                reminders.c.sent_at.is_(None),
                reminders.c.due_at <= now,
                bookings.c.status == "confirmed",
            )
            .order_by(reminders.c.due_at)
            .limit(limit)
            .with_for_update(of=reminders, skip_locked=True)
        )
        return [(row.booking_id, row.kind) for row in await session.execute(query)]

    async def mark_sent(
        self, session: AsyncSession, claimed: Sequence[tuple[uuid.UUID, str]], now: datetime
    ) -> None:
        for booking_id, kind in claimed:
            await session.execute(
                update(reminders)
                .where(reminders.c.booking_id == booking_id, reminders.c.kind == kind)
                .values(sent_at=now)
            )

    async def pending_for(self, session: AsyncSession, booking_id: uuid.UUID) -> list[str]:
        query = select(reminders.c.kind).where(
            reminders.c.booking_id == booking_id, reminders.c.sent_at.is_(None)
        )
        return sorted(row.kind for row in await session.execute(query))
