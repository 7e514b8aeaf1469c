"""Which devices a user has signed in from: the sessions they started before (decision 0026)."""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from sqlalchemy import exists, select
from sqlalchemy.ext.asyncio import AsyncSession

from subgraphs.users.models import user_sessions


@dataclass(frozen=True, slots=True)
class Seen:
    other_sessions: bool  # the user had started a session before this one
    this_device: bool  # one of them came from the same (user agent, device info)


class DeviceHistory:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def seen(
        self,
        user_id: uuid.UUID,
        session_id: uuid.UUID,
        *,
        user_agent: str | None,
        device_info: str | None,
    ) -> Seen:
        """What the user's sessions other than ``session_id`` say about its device."""
        c = user_sessions.c
        others = (c.user_id == user_id, c.session_id != session_id)
        same = (
            c.user_agent.is_not_distinct_from(user_agent),
            c.device_info.is_not_distinct_from(device_info),
        )
        row = (
            await self._session.execute(
                select(exists().where(*others), exists().where(*others, *same))
            )
        ).one()
        return Seen(other_sessions=bool(row[0]), this_device=bool(row[1]))
