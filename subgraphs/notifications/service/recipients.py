"""How to reach users, for the delivery channels: notifications' projection of users
(decision 0026), read inside the caller's session."""

from __future__ import annotations

import uuid
from collections.abc import Collection

from sqlalchemy.ext.asyncio import AsyncSession

from subgraphs.notifications.records import Recipient
from subgraphs.notifications.repository_projections import UserDirectoryRepository

_directory = UserDirectoryRepository()


async def recipients(
    session: AsyncSession, user_ids: Collection[uuid.UUID]
) -> dict[uuid.UUID, Recipient]:
    """The known users among ``user_ids`` (users the projection has not heard of are absent)."""
    return await _directory.get_many(session, list(user_ids))
