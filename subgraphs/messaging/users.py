"""The users messaging knows exist, kept from users' events (no call to users per request).

``known_users`` is fed by the consumer group ``messaging-users`` on ``realio.users``
(``subgraphs.messaging.consumers``) from the start of the log, so the demo accounts users
seeds are known too. A user who registered a moment ago is unknown until their
``user.registered`` is consumed (well under a second when the consumer keeps up).
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Protocol

from sqlalchemy import func, select
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from subgraphs.messaging.models import known_users


class UserDirectory(Protocol):
    async def exists(self, user_id: uuid.UUID) -> bool: ...


class KnownUsers:
    """``UserDirectory`` over the projection in messaging's own Postgres database."""

    def __init__(self, sessions: async_sessionmaker[AsyncSession]) -> None:
        self.sessions = sessions

    async def exists(self, user_id: uuid.UUID) -> bool:
        async with self.sessions() as session:
            found = await session.scalar(
                select(known_users.c.user_id).where(known_users.c.user_id == user_id)
            )
        return found is not None


async def record_snapshot(
    session: AsyncSession, user_id: uuid.UUID, role: str | None, updated_at: datetime
) -> None:
    """Know ``user_id``; keep the role of the newest snapshot (an older one changes nothing).

    ``role`` None (an event without one) keeps the role known so far.
    """
    statement = insert(known_users).values(user_id=user_id, role=role, updated_at=updated_at)
    await session.execute(
        statement.on_conflict_do_update(
            index_elements=[known_users.c.user_id],
            set_={
                "role": func.coalesce(statement.excluded.role, known_users.c.role),
                "updated_at": statement.excluded.updated_at,
            },
            where=known_users.c.updated_at <= statement.excluded.updated_at,
        )
    )
