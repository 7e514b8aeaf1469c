"""SQL of the notifications subgraph (parameterised SQLAlchemy Core only)."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import and_, func, or_, select, text, update
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession
from uuid6 import uuid7

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


# A fan-out writes with one statement per 5,000 rows: the columns travel as arrays and
# ``unnest`` turns them into rows, so the SQL text is constant (prepared once) whatever the
# count, instead of a VALUES list SQLAlchemy compiles anew for each size.
_BATCH = 5000
_COLUMNS = {
    "id": "uuid",
    "user_id": "uuid",
    "kind": "text",
    "title": "text",
    "body": "text",
    "property_id": "uuid",
    "booking_id": "uuid",
    "conversation_id": "uuid",
    "saved_search_id": "uuid",
    "source_event_id": "uuid",
}
_INSERT_MANY = text(
    f"""
        INSERT INTO notifications ({", ".join(_COLUMNS)})
        SELECT * FROM unnest({", ".join(f"CAST(:{c} AS {t}[])" for c, t in _COLUMNS.items())})
        ON CONFLICT (source_event_id, user_id) WHERE source_event_id IS NOT NULL DO NOTHING
        RETURNING {", ".join(c.name for c in notifications.c)}
        """  # noqa: S608 -- column names are the constants above, values are parameters
).columns(*notifications.c)
_DELIVER_MANY = text(
    """
    INSERT INTO notification_deliveries
        (notification_id, user_id, channel, status, attempts, last_error, next_attempt_at)
    SELECT * FROM unnest(CAST(:notification_id AS uuid[]), CAST(:user_id AS uuid[]),
                         CAST(:channel AS text[]), CAST(:status AS text[]),
                         CAST(:attempts AS int[]), CAST(:last_error AS text[]),
                         CAST(:next_attempt_at AS timestamptz[]))
    """
)


def _row(draft: Draft) -> dict[str, Any]:
    return {
        "id": uuid7(),
        "user_id": draft.user_id,
        "kind": draft.kind.value,
        "title": draft.title,
        "body": draft.body,
        "property_id": draft.links.property_id,
        "booking_id": draft.links.booking_id,
        "conversation_id": draft.links.conversation_id,
        "saved_search_id": draft.links.saved_search_id,
        "source_event_id": draft.source_event_id,
    }


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
                    id=uuid7(),
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

    async def insert_many(
        self,
        session: AsyncSession,
        drafts: Sequence[Draft],
        plans: Sequence[Sequence[PlannedDelivery]],
    ) -> list[Notification]:
        """``insert`` for many drafts in a few statements (a fan-out to thousands of users),
        each with its own delivery rows (``plans[i]`` for ``drafts[i]``).

        Drafts whose event already made a notification for their recipient are skipped.
        """
        made: list[Notification] = []
        for start in range(0, len(drafts), _BATCH):
            rows = [_row(d) for d in drafts[start : start + _BATCH]]
            planned = {
                r["id"]: (r["user_id"], plan)
                for r, plan in zip(rows, plans[start : start + _BATCH], strict=True)
            }
            columns = {name: [r[name] for r in rows] for name in _COLUMNS}
            written = (await session.execute(_INSERT_MANY, columns)).all()
            pairs = [(w.id, *planned[w.id]) for w in written]
            flat = [(nid, user, p) for nid, user, plan in pairs for p in plan]
            if flat:
                await session.execute(
                    _DELIVER_MANY,
                    {
                        "notification_id": [nid for nid, _, _ in flat],
                        "user_id": [user for _, user, _ in flat],
                        "channel": [p.channel.value for _, _, p in flat],
                        "status": [p.status.value for _, _, p in flat],
                        "attempts": [p.attempts for _, _, p in flat],
                        "last_error": [p.last_error for _, _, p in flat],
                        "next_attempt_at": [p.next_attempt_at for _, _, p in flat],
                    },
                )
            made += [
                _notification(
                    w,
                    [
                        Delivery(p.channel, p.status, p.attempts, p.last_error)
                        for p in planned[w.id][1]
                    ],
                )
                for w in written
            ]
        return made

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
    ) -> bool:
        """Set read_at once (whether it was unread); one read earlier keeps its first time."""
        result = await session.execute(
            update(notifications)
            .where(and_(notifications.c.id == notification_id, notifications.c.read_at.is_(None)))
            .values(read_at=at)
        )
        return bool(result.rowcount)  # type: ignore[attr-defined]

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
