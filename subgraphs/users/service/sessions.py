"""The viewer's own sessions: list them, revoke one."""

from __future__ import annotations

import uuid

from common.auth.permissions import require_authenticated
from common.auth.viewer import Viewer
from common.db import transaction
from common.errors import NotFound
from subgraphs.users.records import SessionView
from subgraphs.users.repository import SessionRepository
from subgraphs.users.service.dependencies import UsersDeps
from subgraphs.users.service.revocations import record_sessions_ended
from subgraphs.users.service.visibility import present_session


class SessionService:
    def __init__(self, deps: UsersDeps) -> None:
        self._deps = deps

    async def active_sessions(self, viewer: Viewer) -> list[SessionView]:
        user_id = require_authenticated(viewer)
        async with self._deps.db() as session:
            rows = await SessionRepository(session).list_active(user_id, self._deps.now())
        return [present_session(row, viewer) for row in rows]

    async def revoke(self, viewer: Viewer, session_id: uuid.UUID) -> SessionView:
        """End one session of the viewer (admins may end anyone's)."""
        user_id = require_authenticated(viewer)
        now = self._deps.now()
        async with transaction(self._deps.db) as session:
            sessions = SessionRepository(session)
            row = await sessions.get(session_id, for_update=True)
            # Another user's session is reported as missing, so its id is not confirmed.
            if row is None or not (row.user_id == user_id or viewer.is_admin):
                raise NotFound("No such session.", field="sessionId")
            if await sessions.revoke(session_id, now=now, reason="revoked_by_user"):
                await record_sessions_ended(
                    session,
                    user_id=row.user_id,
                    session_ids=[session_id],
                    reason="revoked_by_user",
                    now=now,
                )
            row = await sessions.get(session_id)
        await self._deps.revocations_committed()
        assert row is not None
        return present_session(row, viewer)
