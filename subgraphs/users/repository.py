"""Persistence of users, one-time codes and sessions (SQLAlchemy Core over asyncpg).

Each repository works inside the caller's session, so the service decides the transaction.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import any_, bindparam, delete, func, select, tuple_, update
from sqlalchemy.dialects.postgresql import ARRAY, insert
from sqlalchemy.dialects.postgresql import UUID as PG_UUID
from sqlalchemy.engine import RowMapping
from sqlalchemy.ext.asyncio import AsyncSession

from common.auth.viewer import Role
from common.db import ReadSource
from common.driver_statement import DriverStatement
from subgraphs.users.models import user_otps, user_sessions, users
from subgraphs.users.records import OtpRecord, SessionRecord, UserRecord


def _user(row: Mapping[Any, Any]) -> UserRecord:
    values = dict(row)
    values["role"] = Role(values["role"])
    return UserRecord(**values)


# The hot reads (``me``, every ``_entities`` batch of owners), compiled once (decision 0037).
USER_BY_ID = DriverStatement(
    select(users).where(users.c.id == bindparam("id", type_=users.c.id.type))
)
USERS_BY_IDS = DriverStatement(
    select(users).where(users.c.id == any_(bindparam("ids", type_=ARRAY(PG_UUID(as_uuid=True)))))
)


def _session(row: RowMapping) -> SessionRecord:
    return SessionRecord(**dict(row))


async def read_user(source: ReadSource, user_id: uuid.UUID) -> UserRecord | None:
    """A user by id: a session's read, or one on the read pool (decision 0043)."""
    rows = await USER_BY_ID.mappings(source, id=user_id)
    return _user(rows[0]) if rows else None


async def read_users(source: ReadSource, user_ids: Sequence[uuid.UUID]) -> list[UserRecord]:
    """All the users with these ids, in one statement (as ``read_user``)."""
    if not user_ids:
        return []
    rows = await USERS_BY_IDS.mappings(source, ids=list(set(user_ids)))
    return [_user(r) for r in rows]


class UserRepository:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def insert(
        self,
        *,
        user_id: uuid.UUID,
        name: str,
        email: str,
        password_hash: str,
        role: Role,
        phone: str | None,
        now: datetime,
        email_verified_at: datetime | None = None,
    ) -> UserRecord | None:
        """The new user, or None when the email (case-insensitively) or id is already taken."""
        statement = (
            insert(users)
            .values(
                id=user_id,
                name=name,
                email=email,
                password_hash=password_hash,
                role=role.value,
                phone=phone,
                email_verified_at=email_verified_at,
                created_at=now,
                updated_at=now,
            )
            # No conflict target: a duplicate id (seeding twice) and a duplicate email both
            # end in "nothing inserted" rather than an error that aborts the transaction.
            .on_conflict_do_nothing()
            .returning(*users.c)
        )
        row = (await self._session.execute(statement)).mappings().first()
        return _user(row) if row else None

    async def get(self, user_id: uuid.UUID, *, for_update: bool = False) -> UserRecord | None:
        if not for_update:
            return await read_user(self._session, user_id)
        statement = select(users).where(users.c.id == user_id).with_for_update()
        row = (await self._session.execute(statement)).mappings().first()
        return _user(row) if row else None

    async def get_by_email(self, email: str, *, for_update: bool = False) -> UserRecord | None:
        statement = select(users).where(func.lower(users.c.email) == email.lower())
        if for_update:
            statement = statement.with_for_update()
        row = (await self._session.execute(statement)).mappings().first()
        return _user(row) if row else None

    async def get_many(self, user_ids: Sequence[uuid.UUID]) -> list[UserRecord]:
        """All the users with these ids, in one statement."""
        return await read_users(self._session, user_ids)

    async def email_taken(self, email: str) -> bool:
        statement = select(func.count()).where(func.lower(users.c.email) == email.lower())
        return bool((await self._session.execute(statement)).scalar_one())

    async def update(self, user_id: uuid.UUID, **values: Any) -> UserRecord | None:
        statement = update(users).where(users.c.id == user_id).values(**values).returning(*users.c)
        row = (await self._session.execute(statement)).mappings().first()
        return _user(row) if row else None

    async def page(
        self, *, after: tuple[datetime, uuid.UUID] | None, limit: int, role: Role | None
    ) -> list[UserRecord]:
        """Users ordered by (created_at, id), strictly after the keyset ``after``."""
        statement = select(users).order_by(users.c.created_at, users.c.id).limit(limit)
        if after is not None:
            statement = statement.where(tuple_(users.c.created_at, users.c.id) > tuple_(*after))
        if role is not None:
            statement = statement.where(users.c.role == role.value)
        return [_user(r) for r in (await self._session.execute(statement)).mappings()]

    async def count(self, *, role: Role | None) -> int:
        statement = select(func.count()).select_from(users)
        if role is not None:
            statement = statement.where(users.c.role == role.value)
        return int((await self._session.execute(statement)).scalar_one())


class OtpRepository:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def replace(
        self, user_id: uuid.UUID, code_hash: str, expires_at: datetime, sent_at: datetime
    ) -> None:
        """Store a new code for the user, discarding any earlier one and its attempt count."""
        statement = insert(user_otps).values(
            user_id=user_id, code_hash=code_hash, expires_at=expires_at, sent_at=sent_at
        )
        statement = statement.on_conflict_do_update(
            index_elements=[user_otps.c.user_id],
            set_={
                "code_hash": code_hash,
                "expires_at": expires_at,
                "sent_at": sent_at,
                "attempts": 0,
            },
        )
        await self._session.execute(statement)

    async def get_for_update(self, user_id: uuid.UUID) -> OtpRecord | None:
        statement = select(user_otps).where(user_otps.c.user_id == user_id).with_for_update()
        row = (await self._session.execute(statement)).mappings().first()
        return OtpRecord(**dict(row)) if row else None

    async def count_failed_attempt(self, user_id: uuid.UUID) -> int:
        statement = (
            update(user_otps)
            .where(user_otps.c.user_id == user_id)
            .values(attempts=user_otps.c.attempts + 1)
            .returning(user_otps.c.attempts)
        )
        return int((await self._session.execute(statement)).scalar_one())

    async def remove(self, user_id: uuid.UUID) -> None:
        await self._session.execute(delete(user_otps).where(user_otps.c.user_id == user_id))


class SessionRepository:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def insert(self, **values: Any) -> SessionRecord:
        statement = insert(user_sessions).values(**values).returning(*user_sessions.c)
        return _session((await self._session.execute(statement)).mappings().one())

    async def get(self, session_id: uuid.UUID, *, for_update: bool = False) -> SessionRecord | None:
        statement = select(user_sessions).where(user_sessions.c.session_id == session_id)
        if for_update:
            statement = statement.with_for_update()
        row = (await self._session.execute(statement)).mappings().first()
        return _session(row) if row else None

    async def rotate(
        self, session_id: uuid.UUID, *, old_hash: str, new_hash: str, now: datetime
    ) -> None:
        await self._session.execute(
            update(user_sessions)
            .where(user_sessions.c.session_id == session_id)
            .values(
                token_hash=new_hash, previous_token_hash=old_hash, last_activity=now, rotated_at=now
            )
        )

    async def revoke(self, session_id: uuid.UUID, *, now: datetime, reason: str) -> bool:
        """Whether an active session was revoked (False when it already was)."""
        result = await self._session.execute(
            update(user_sessions)
            .where(user_sessions.c.session_id == session_id, user_sessions.c.is_active)
            .values(is_active=False, revoked_at=now, revoke_reason=reason)
            .returning(user_sessions.c.session_id)
        )
        return result.first() is not None

    async def revoke_all_except(
        self, user_id: uuid.UUID, keep: uuid.UUID | None, *, now: datetime, reason: str
    ) -> list[uuid.UUID]:
        """The ids of the user's sessions this ended (all active ones but ``keep``)."""
        conditions = [user_sessions.c.user_id == user_id, user_sessions.c.is_active]
        if keep is not None:
            conditions.append(user_sessions.c.session_id != keep)
        result = await self._session.execute(
            update(user_sessions)
            .where(*conditions)
            .values(is_active=False, revoked_at=now, revoke_reason=reason)
            .returning(user_sessions.c.session_id)
        )
        return [row[0] for row in result.all()]

    async def list_active(self, user_id: uuid.UUID, now: datetime) -> list[SessionRecord]:
        statement = (
            select(user_sessions)
            .where(
                user_sessions.c.user_id == user_id,
                user_sessions.c.is_active,
                user_sessions.c.expires_at > now,
            )
            .order_by(user_sessions.c.last_activity.desc())
        )
        return [_session(r) for r in (await self._session.execute(statement)).mappings()]
