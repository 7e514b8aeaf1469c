"""Reading and changing profiles: me, profile, batched lookup, update, password, avatar."""

from __future__ import annotations

import uuid
from collections.abc import Mapping, Sequence

from common.auth.permissions import require_authenticated
from common.auth.viewer import Viewer
from common.db import transaction
from common.errors import BadUserInput, NotFound
from common.images import check_image
from common.ratelimit import enforce
from subgraphs.users.records import UserView
from subgraphs.users.repository import SessionRepository, UserRepository, read_user, read_users
from subgraphs.users.service.dependencies import UsersDeps, log
from subgraphs.users.service.events import PROFILE_UPDATED, record_user_event
from subgraphs.users.service.revocations import record_sessions_ended
from subgraphs.users.service.validation import check_password, normalize_name, normalize_phone
from subgraphs.users.service.visibility import present_user

UPDATABLE_FIELDS = ("name", "phone")

# Where avatars are stored; the files route serves only keys under it.
AVATAR_PREFIX = "avatars/"


class ProfileService:
    def __init__(self, deps: UsersDeps) -> None:
        self._deps = deps

    async def me(self, viewer: Viewer) -> UserView:
        user_id = require_authenticated(viewer)
        return await self.profile(viewer, user_id)

    async def profile(self, viewer: Viewer, user_id: uuid.UUID) -> UserView:
        async with self._deps.reads() as source:
            record = await read_user(source, user_id)
        if record is None:
            raise NotFound("No such user.", field="userId")
        return present_user(record, viewer, self._deps.storage)

    async def by_ids(
        self, viewer: Viewer, user_ids: Sequence[uuid.UUID]
    ) -> dict[uuid.UUID, UserView]:
        """Every existing user among ``user_ids``, loaded with one SQL statement."""
        async with self._deps.reads() as source:
            records = await read_users(source, user_ids)
        return {r.id: present_user(r, viewer, self._deps.storage) for r in records}

    async def update_profile(self, viewer: Viewer, changes: Mapping[str, str | None]) -> UserView:
        """Apply the given changes (a field absent from ``changes`` is left as it is)."""
        user_id = require_authenticated(viewer)
        values: dict[str, object] = {}
        unknown = set(changes) - set(UPDATABLE_FIELDS)
        if unknown:
            raise BadUserInput("These fields cannot be changed.", field=sorted(unknown)[0])
        if "name" in changes:
            values["name"] = normalize_name(changes["name"] or "")
        if "phone" in changes:
            values["phone"] = normalize_phone(changes["phone"])
        async with transaction(self._deps.db) as session:
            users = UserRepository(session)
            if values:
                values["updated_at"] = self._deps.now()
                record = await users.update(user_id, **values)
                if record is not None:
                    await record_user_event(session, PROFILE_UPDATED, record, changes=list(changes))
            else:
                record = await users.get(user_id)
        if record is None:
            raise NotFound("Your account no longer exists.", field="userId")
        return present_user(record, viewer, self._deps.storage)

    async def change_password(
        self, viewer: Viewer, *, current_password: str, new_password: str
    ) -> tuple[UserView, int]:
        """Set a new password and revoke every other session of the user."""
        deps, settings = self._deps, self._deps.settings
        user_id = require_authenticated(viewer)
        await enforce(
            deps.limiter,
            f"change-password:{user_id}",
            settings.login_rate_limit,
            settings.login_rate_window_seconds,
        )
        async with deps.db() as session:
            record = await UserRepository(session).get(user_id)
        if record is None:
            raise NotFound("Your account no longer exists.", field="userId")
        if not await deps.hashing.verify(record.password_hash, current_password):
            raise BadUserInput("The current password is incorrect.", field="currentPassword")
        check_password(new_password, field="newPassword", email=record.email)
        if new_password == current_password:
            raise BadUserInput(
                "The new password must differ from the current one.", field="newPassword"
            )
        new_hash = await deps.hashing.hash(new_password)
        now = deps.now()
        async with transaction(deps.db) as session:
            updated = await UserRepository(session).update(
                user_id, password_hash=new_hash, updated_at=now
            )
            ended = await SessionRepository(session).revoke_all_except(
                user_id, viewer.session_id, now=now, reason="password_changed"
            )
            await record_sessions_ended(
                session, user_id=user_id, session_ids=ended, reason="password_changed", now=now
            )
        await deps.revocations_committed()
        assert updated is not None
        return present_user(updated, viewer, deps.storage), len(ended)

    async def upload_avatar(self, viewer: Viewer, data: bytes) -> UserView:
        """Store an uploaded image (JPEG, PNG or WebP within the size limit) as the avatar."""
        deps = self._deps
        user_id = require_authenticated(viewer)
        image = check_image(data, max_bytes=deps.settings.max_avatar_bytes, field="file")
        key = f"{AVATAR_PREFIX}{user_id}/{uuid.uuid4().hex}.{image.extension}"
        await deps.storage.put(key, data, image.content_type)
        try:
            async with transaction(deps.db) as session:
                users = UserRepository(session)
                previous = await users.get(user_id, for_update=True)
                if previous is None:
                    raise NotFound("Your account no longer exists.", field="userId")
                record = await users.update(user_id, avatar_key=key, updated_at=deps.now())
        except BaseException:
            # The row was not changed, so the new file is nobody's avatar.
            await deps.storage.delete(key)
            raise
        if previous.avatar_key:
            try:
                await deps.storage.delete(previous.avatar_key)
            except (OSError, ValueError):
                log.warning("could not delete replaced avatar", extra={"key": previous.avatar_key})
        assert record is not None
        return present_user(record, viewer, deps.storage)
