"""SQL of the notifications subgraph (parameterised SQLAlchemy Core only)."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import and_, func, or_, select, update
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from subgraphs.notifications.delivery_records import PlannedDelivery
from subgraphs.notifications.models import deliveries, notifications
from subgraphs.notifications.records import (
    Channel,
    Delivery,
    DeliveryStatus,
    Draft,
    Kind,
    Links,
    Notification,
    Page,
)


def _links(row: Any) -> Links:
    return Links(
        property_id=row.property_id,
        booking_id=row.booking_id,
        conversation_id=row.conversation_id,
        saved_search_id=row.saved_search_id,
    )


def _notification(row: Any, delivered: Sequence[Delivery]) -> Notification:
    return Notification(
        id=row.id,
        user_id=row.user_id,
        kind=Kind(row.kind),
        title=row.title,
        body=row.body,
        links=_links(row),
        created_at=row.created_at,
        read_at=row.read_at,
        deliveries=tuple(delivered),
    )


class NotificationRepository:
    async def insert(
        self,
        session: AsyncSession,
        draft: Draft,
        channels: Sequence[PlannedDelivery],
    ) -> Notification | None:
        """Write one notification and its deliveries; None when its event already made one."""
        row = (
            await session.execute(
                insert(notifications)
                .values(
                    id=uuid.uuid4(),
                    user_id=draft.user_id,
                    kind=draft.kind.value,
                    title=draft.title,
                    body=draft.body,
                    property_id=draft.links.property_id,
                    booking_id=draft.links.booking_id,
                    conversation_id=draft.links.conversation_id,
                    saved_search_id=draft.links.saved_search_id,
                    source_event_id=draft.source_event_id,
                )
                .on_conflict_do_nothing(
                    index_elements=["source_event_id", "user_id"],
                    index_where=notifications.c.source_event_id.is_not(None),
                )
                .returning(*notifications.c)
            )
        ).first()
        if row is None:
            return None
        made = [Delivery(p.channel, p.status, p.attempts, p.last_error) for p in channels]
        if channels:
            await session.execute(
                insert(deliveries),
                [
                    {
                        "notification_id": row.id,
                        "user_id": draft.user_id,
                        "channel": p.channel.value,
                        "status": p.status.value,
                        "attempts": p.attempts,
                        "last_error": p.last_error,
                        "next_attempt_at": p.next_attempt_at,
                    }
                    for p in channels
                ],
            )
        return _notification(row, made)

    async def page(
        self,
        session: AsyncSession,
        user_id: uuid.UUID,
        *,
        first: int,
        after: tuple[datetime, uuid.UUID] | None,
        unread_only: bool,
    ) -> Page[Notification]:
        """The user's notifications, newest first (ties broken by id, descending)."""
        query = select(notifications).where(notifications.c.user_id == user_id)
        if unread_only:
            query = query.where(notifications.c.read_at.is_(None))
        if after is not None:
            created_at, last_id = after
            query = query.where(
                or_(
                    notifications.c.created_at < created_at,
                    and_(notifications.c.created_at == created_at, notifications.c.id < last_id),
                )
            )
        query = query.order_by(notifications.c.created_at.desc(), notifications.c.id.desc())
        rows = list((await session.execute(query.limit(first + 1))).all())
        items = await self._with_deliveries(session, rows[:first])
        return Page(items, has_next_page=len(rows) > first, has_previous_page=after is not None)

    async def count(self, session: AsyncSession, user_id: uuid.UUID, *, unread_only: bool) -> int:
        query = select(func.count()).where(notifications.c.user_id == user_id)
        if unread_only:
            query = query.where(notifications.c.read_at.is_(None))
        return int((await session.execute(query)).scalar_one())

    async def get(self, session: AsyncSession, notification_id: uuid.UUID) -> Notification | None:
        rows = list(
            (
                await session.execute(
                    select(notifications).where(notifications.c.id == notification_id)
                )
            ).all()
        )
        found = await self._with_deliveries(session, rows)
        return found[0] if found else None

    async def get_many(
        self, session: AsyncSession, ids: Sequence[uuid.UUID]
    ) -> dict[uuid.UUID, Notification]:
        """The notifications among ``ids`` (without their deliveries), by id."""
        if not ids:
            return {}
        rows = await session.execute(select(notifications).where(notifications.c.id.in_(ids)))
        return {row.id: _notification(row, ()) for row in rows}

    async def mark_read(
        self, session: AsyncSession, notification_id: uuid.UUID, at: datetime
    ) -> None:
        """Set read_at once; a notification read earlier keeps its first time."""
        await session.execute(
            update(notifications)
            .where(and_(notifications.c.id == notification_id, notifications.c.read_at.is_(None)))
            .values(read_at=at)
        )

    async def mark_all_read(self, session: AsyncSession, user_id: uuid.UUID, at: datetime) -> int:
        result = await session.execute(
            update(notifications)
            .where(and_(notifications.c.user_id == user_id, notifications.c.read_at.is_(None)))
            .values(read_at=at)
        )
        return int(result.rowcount or 0)  # type: ignore[attr-defined]

    async def _with_deliveries(
        self, session: AsyncSession, rows: Sequence[Any]
    ) -> list[Notification]:
        if not rows:
            return []
        ids = [row.id for row in rows]
        found: dict[uuid.UUID, list[Delivery]] = {i: [] for i in ids}
        result = await session.execute(
            select(deliveries)
            .where(deliveries.c.notification_id.in_(ids))
            .order_by(deliveries.c.channel)
        )
        for d in result:
            found[d.notification_id].append(
                Delivery(Channel(d.channel), DeliveryStatus(d.status), d.attempts, d.last_error)
            )
        return [_notification(row, found[row.id]) for row in rows]
