"""SQL of the triggers' projections and schedule (decision 0026): parameterised Core only."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import and_, delete, func, select, tuple_, update
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from subgraphs.notifications.models import favorites, message_alerts, user_directory
from subgraphs.notifications.records import Recipient


def _recipient(row: Any) -> Recipient:
    return Recipient(
        user_id=row.user_id,
        role=row.role,
        name=row.name,
        email=row.email,
        phone=row.phone,
        verified=row.verified,
    )


class UserDirectoryRepository:
    async def upsert_snapshot(
        self, session: AsyncSession, recipient: Recipient, as_of: datetime
    ) -> bool:
        """Apply a snapshot unless a newer one was applied; whether it changed anything."""
        values = {
            "user_id": recipient.user_id,
            "role": recipient.role,
            "name": recipient.name,
            "email": recipient.email,
            "phone": recipient.phone,
            "verified": recipient.verified,
            "as_of": as_of,
        }
        statement = insert(user_directory).values(**values)
        upsert = statement.on_conflict_do_update(
            index_elements=[user_directory.c.user_id],
            set_={k: statement.excluded[k] for k in values if k != "user_id"},
            where=user_directory.c.as_of <= statement.excluded.as_of,
        ).returning(user_directory.c.user_id)
        return (await session.execute(upsert)).first() is not None

    async def set_role(self, session: AsyncSession, user_id: uuid.UUID, role: str) -> None:
        """A role change (its event carries no snapshot); unknown users wait for theirs."""
        await session.execute(
            update(user_directory).where(user_directory.c.user_id == user_id).values(role=role)
        )

    async def get_many(
        self, session: AsyncSession, user_ids: Sequence[uuid.UUID]
    ) -> dict[uuid.UUID, Recipient]:
        if not user_ids:
            return {}
        rows = await session.execute(
            select(user_directory).where(user_directory.c.user_id.in_(list(user_ids)))
        )
        return {row.user_id: _recipient(row) for row in rows}

    async def ids_with_role(self, session: AsyncSession, role: str) -> list[uuid.UUID]:
        rows = await session.execute(
            select(user_directory.c.user_id)
            .where(user_directory.c.role == role)
            .order_by(user_directory.c.user_id)
        )
        return [row[0] for row in rows]


# Rows a statement writes at most (Postgres takes at most 32,767 bind parameters).
CHUNK = 2000


class FavoritesRepository:
    async def add(
        self, session: AsyncSession, property_id: uuid.UUID, user_id: uuid.UUID, at: datetime
    ) -> None:
        await session.execute(
            insert(favorites)
            .values(property_id=property_id, user_id=user_id, favorited_at=at)
            .on_conflict_do_nothing()
        )

    async def add_many(
        self, session: AsyncSession, rows: Sequence[tuple[uuid.UUID, uuid.UUID, datetime]]
    ) -> None:
        """Many ``add``, a statement per ``CHUNK``: (property, user, favourited at) each."""
        for start in range(0, len(rows), CHUNK):
            values = [
                {"property_id": p, "user_id": u, "favorited_at": at}
                for p, u, at in rows[start : start + CHUNK]
            ]
            await session.execute(insert(favorites).values(values).on_conflict_do_nothing())

    async def remove_many(
        self, session: AsyncSession, pairs: Sequence[tuple[uuid.UUID, uuid.UUID]]
    ) -> None:
        """Many one-user ``remove``, a statement per ``CHUNK``: (property, user) each."""
        for start in range(0, len(pairs), CHUNK):
            chunk = list(pairs[start : start + CHUNK])
            pair = tuple_(favorites.c.property_id, favorites.c.user_id)
            await session.execute(delete(favorites).where(pair.in_(chunk)))

    async def remove(
        self, session: AsyncSession, property_id: uuid.UUID, user_id: uuid.UUID | None = None
    ) -> None:
        """One user's favourite of the listing, or everyone's (a deleted listing)."""
        condition = favorites.c.property_id == property_id
        if user_id is not None:
            condition = and_(condition, favorites.c.user_id == user_id)
        await session.execute(delete(favorites).where(condition))

    async def users_of(self, session: AsyncSession, property_id: uuid.UUID) -> list[uuid.UUID]:
        rows = await session.execute(
            select(favorites.c.user_id)
            .where(favorites.c.property_id == property_id)
            .order_by(favorites.c.favorited_at, favorites.c.user_id)
        )
        return [row[0] for row in rows]


@dataclass(frozen=True)
class MessageAlert:
    receiver_id: uuid.UUID
    conversation_id: uuid.UUID
    sender_id: uuid.UUID
    property_id: uuid.UUID | None
    messages: int
    first_event_id: uuid.UUID
    due_at: datetime


class MessageAlertRepository:
    async def add_message(
        self,
        session: AsyncSession,
        *,
        receiver_id: uuid.UUID,
        conversation_id: uuid.UUID,
        sender_id: uuid.UUID,
        property_id: uuid.UUID | None,
        event_id: uuid.UUID,
        due_at: datetime,
    ) -> None:
        """Start the conversation's pending alert, or count one more message into it."""
        statement = insert(message_alerts).values(
            receiver_id=receiver_id,
            conversation_id=conversation_id,
            sender_id=sender_id,
            property_id=property_id,
            messages=1,
            first_event_id=event_id,
            due_at=due_at,
        )
        await session.execute(
            statement.on_conflict_do_update(
                index_elements=[message_alerts.c.receiver_id, message_alerts.c.conversation_id],
                # The burst keeps its first due time: one notification, not one per message.
                set_={"messages": message_alerts.c.messages + 1, "sender_id": sender_id},
            )
        )

    async def cancel(
        self, session: AsyncSession, receiver_id: uuid.UUID, conversation_id: uuid.UUID
    ) -> None:
        await session.execute(
            delete(message_alerts).where(
                message_alerts.c.receiver_id == receiver_id,
                message_alerts.c.conversation_id == conversation_id,
            )
        )

    async def claim_due(
        self, session: AsyncSession, now: datetime, limit: int
    ) -> list[MessageAlert]:
        """Delete and return up to ``limit`` due alerts, skipping rows another runner holds."""
        due = (
            select(message_alerts.c.receiver_id, message_alerts.c.conversation_id)
            .where(message_alerts.c.due_at <= now)
            .order_by(message_alerts.c.due_at)
            .limit(limit)
            .with_for_update(skip_locked=True)
            .cte("due")
        )
        rows = await session.execute(
            delete(message_alerts)
            .where(
                message_alerts.c.receiver_id == due.c.receiver_id,
                message_alerts.c.conversation_id == due.c.conversation_id,
            )
            .returning(*message_alerts.c)
        )
        return [MessageAlert(**row._mapping) for row in rows]

    async def pending(self, session: AsyncSession) -> int:
        return int(
            (await session.execute(select(func.count()).select_from(message_alerts))).scalar_one()
        )
