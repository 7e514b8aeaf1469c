"""notifications' projection of users (decision 0026), fed by users' events on ``realio.users``.

It answers who has a role (``sendNotification`` to a role) and how to reach a user (name,
email, phone, whether verified) without reading users' database. A snapshot older than the
one applied (by its ``updated_at``) changes nothing; ``user.role_changed`` carries only the
role. Users registered before users published events are unknown here until their next event.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from common.events import Event
from subgraphs.notifications.records import Recipient
from subgraphs.notifications.repository_projections import UserDirectoryRepository

REGISTERED = "user.registered"
VERIFIED = "user.verified"
PROFILE_UPDATED = "user.profile_updated"
ROLE_CHANGED = "user.role_changed"
SNAPSHOTS = (REGISTERED, VERIFIED, PROFILE_UPDATED)
USER_EVENTS = (*SNAPSHOTS, ROLE_CHANGED)


def _optional(payload: Mapping[str, Any], key: str) -> str | None:
    value = payload.get(key)
    return None if value in (None, "") else str(value)


def recipient_of(payload: Mapping[str, Any]) -> Recipient:
    """The account a snapshot event describes."""
    return Recipient(
        user_id=uuid.UUID(str(payload["user_id"])),
        role=str(payload["role"]),
        name=str(payload.get("name") or ""),
        email=_optional(payload, "email"),
        phone=_optional(payload, "phone"),
        verified=bool(payload.get("verified", False)),
    )


class UsersDirectory:
    def __init__(self, sessions: async_sessionmaker[AsyncSession]) -> None:
        self._sessions = sessions
        self._repo = UserDirectoryRepository()

    async def apply(self, session: AsyncSession, event: Event) -> None:
        """Fold one users event into the projection, in the consumer's transaction."""
        payload = event.payload
        if event.type in SNAPSHOTS:
            updated_at = payload.get("updated_at")
            as_of = datetime.fromisoformat(str(updated_at)) if updated_at else event.occurred_at
            await self._repo.upsert_snapshot(session, recipient_of(payload), as_of)
        elif event.type == ROLE_CHANGED:
            await self._repo.set_role(
                session, uuid.UUID(str(payload["user_id"])), str(payload["role"])
            )

    # -- what other modules ask (notif-channels: email and phone; sendNotification: roles) --

    async def get(self, user_id: uuid.UUID) -> Recipient | None:
        return (await self.get_many([user_id])).get(user_id)

    async def get_many(self, user_ids: Sequence[uuid.UUID]) -> dict[uuid.UUID, Recipient]:
        async with self._sessions() as session:
            return await self._repo.get_many(session, user_ids)

    async def get_many_in(
        self, session: AsyncSession, user_ids: Sequence[uuid.UUID]
    ) -> dict[uuid.UUID, Recipient]:
        """``get_many`` inside the caller's transaction."""
        return await self._repo.get_many(session, user_ids)

    async def ids_with_role(self, session: AsyncSession, role: str) -> list[uuid.UUID]:
        return await self._repo.ids_with_role(session, role)
