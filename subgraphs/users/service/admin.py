"""Admin-only operations: change a user's role, list users page by page."""

from __future__ import annotations

import base64
import binascii
import uuid
from datetime import datetime

from common.auth.permissions import require_admin
from common.auth.viewer import Role, Viewer
from common.db import transaction
from common.errors import BadUserInput, NotFound
from subgraphs.users.records import UserPage, UserRecord, UserView
from subgraphs.users.repository import UserRepository
from subgraphs.users.service.dependencies import UsersDeps
from subgraphs.users.service.revocations import record_role_changed
from subgraphs.users.service.visibility import present_user

MAX_PAGE_SIZE = 100


def encode_cursor(record: UserRecord) -> str:
    raw = f"{record.created_at.isoformat()}|{record.id}"
    return base64.urlsafe_b64encode(raw.encode()).decode()


def decode_cursor(cursor: str) -> tuple[datetime, uuid.UUID]:
    try:
        created_at, _, user_id = base64.urlsafe_b64decode(cursor.encode()).decode().partition("|")
        return datetime.fromisoformat(created_at), uuid.UUID(user_id)
    except (ValueError, binascii.Error, UnicodeDecodeError) as exc:
        raise BadUserInput("The cursor is not valid.", field="after") from exc


class AdminService:
    def __init__(self, deps: UsersDeps) -> None:
        self._deps = deps

    async def set_role(self, viewer: Viewer, user_id: uuid.UUID, role: Role) -> UserView:
        admin_id = require_admin(viewer)
        if user_id == admin_id and role is not Role.ADMIN:
            # Otherwise the last admin could lock everyone out of admin operations.
            raise BadUserInput("Admins cannot change their own role.", field="userId")
        now = self._deps.now()
        async with transaction(self._deps.db) as session:
            users = UserRepository(session)
            current = await users.get(user_id, for_update=True)
            if current is None:
                raise NotFound("No such user.", field="userId")
            if current.role is role:
                return present_user(current, viewer, self._deps.storage)
            # A role change ends the user's current tokens: they carry the old role.
            epoch = current.token_epoch + 1
            record = await users.update(user_id, role=role.value, token_epoch=epoch, updated_at=now)
            await record_role_changed(
                session,
                user_id=user_id,
                role=role.value,
                previous_role=current.role.value,
                epoch=epoch,
                now=now,
            )
        await self._deps.revocations_committed()
        assert record is not None
        return present_user(record, viewer, self._deps.storage)

    async def list_users(
        self, viewer: Viewer, *, first: int, after: str | None, role: Role | None
    ) -> UserPage:
        require_admin(viewer)
        if not 0 <= first <= MAX_PAGE_SIZE:
            raise BadUserInput(f"first must be between 0 and {MAX_PAGE_SIZE}.", field="first")
        keyset = decode_cursor(after) if after else None
        async with self._deps.db() as session, session.begin():
            users = UserRepository(session)
            # One more than asked tells whether another page follows.
            records = await users.page(after=keyset, limit=first + 1, role=role)
            total = await users.count(role=role)
        page = records[:first]
        return UserPage(
            users=[(present_user(r, viewer, self._deps.storage), encode_cursor(r)) for r in page],
            has_next_page=len(records) > first,
            has_previous_page=keyset is not None,
            total_count=total,
        )
