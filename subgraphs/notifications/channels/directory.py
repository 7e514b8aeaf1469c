"""Where delivery finds a recipient's name, email and phone: the users projection.

notif-triggers' projection of users (fed by ``realio.users`` events) answers this port; until
it is wired in, ``NoDirectory`` knows nobody and only in-app and push (devices registered here)
apply.
"""

from __future__ import annotations

import uuid
from collections.abc import Collection
from typing import Protocol

from sqlalchemy.ext.asyncio import AsyncSession

from subgraphs.notifications.channels.ports import Recipient


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
