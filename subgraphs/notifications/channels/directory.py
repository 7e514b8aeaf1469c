"""Where delivery finds a recipient's name, email and phone: the users projection.

``ProjectionDirectory`` reads notifications' own projection of users (fed by ``realio.users``
events, decision 0026); ``NoDirectory`` knows nobody (then only in-app, and push to devices
registered here, apply).
"""

from __future__ import annotations

import uuid
from collections.abc import Collection
from typing import Protocol

from sqlalchemy.ext.asyncio import AsyncSession

from subgraphs.notifications.records import Recipient
from subgraphs.notifications.repository_projections import UserDirectoryRepository


class RecipientDirectory(Protocol):
    async def recipients(
        self, session: AsyncSession, user_ids: Collection[uuid.UUID]
    ) -> dict[uuid.UUID, Recipient]:
        """The known users among ``user_ids`` (unknown ones are absent)."""
        ...


class NoDirectory:
    async def recipients(
        self, session: AsyncSession, user_ids: Collection[uuid.UUID]
    ) -> dict[uuid.UUID, Recipient]:
        return {}


class ProjectionDirectory:
    """The users projection (the table behind ``service.recipients``)."""

    def __init__(self) -> None:
        self._users = UserDirectoryRepository()

    async def recipients(
        self, session: AsyncSession, user_ids: Collection[uuid.UUID]
    ) -> dict[uuid.UUID, Recipient]:
        return await self._users.get_many(session, list(user_ids))
