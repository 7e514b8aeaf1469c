"""Persistence of the revocation feed and of refresh-token families (earlier token hashes)."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import delete, insert, select, text
from sqlalchemy.ext.asyncio import AsyncSession

from common.auth.revocation import Revocation
from subgraphs.users.models import session_refresh_tokens, token_revocations

# Serialises feed writers until they commit, so ids become visible in id order (decision 0017).
FEED_LOCK_KEY = 0x7265766F6B65  # "revoke"
_LOCK = text(f"SELECT pg_advisory_xact_lock({FEED_LOCK_KEY})")


class RevocationRepository:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def record(
        self,
        *,
        reason: str,
        now: datetime,
        session_ids: Sequence[uuid.UUID] = (),
        user_id: uuid.UUID | None = None,
        epoch: int = 0,
    ) -> None:
        """Append entries to the feed in the caller's transaction; call it last before commit.

        One entry per ended session, or one for ``user_id`` with its new ``epoch``.
        """
        rows: list[dict[str, object]] = [
            {"session_id": sid, "user_id": None, "epoch": 0, "reason": reason, "revoked_at": now}
            for sid in session_ids
        ]
        if user_id is not None:
            rows.append(
                {
                    "session_id": None,
                    "user_id": user_id,
                    "epoch": epoch,
                    "reason": reason,
                    "revoked_at": now,
                }
            )
        if not rows:
            return
        await self._session.execute(_LOCK)
        await self._session.execute(insert(token_revocations), rows)

    async def after(
        self, cursor: int, *, limit: int, since: datetime
    ) -> tuple[list[Revocation], int]:
        """Entries with an id above ``cursor`` that are younger than ``since``, and the cursor."""
        t = token_revocations
        statement = (
            select(t).where(t.c.id > cursor, t.c.revoked_at > since).order_by(t.c.id).limit(limit)
        )
        rows = (await self._session.execute(statement)).mappings().all()
        entries = [
            Revocation(
                revoked_at=row["revoked_at"].timestamp(),
                session_id=row["session_id"],
                user_id=row["user_id"],
                epoch=row["epoch"],
            )
            for row in rows
        ]
        return entries, (int(rows[-1]["id"]) if rows else cursor)

    async def prune(self, before: datetime) -> int:
        result = await self._session.execute(
            delete(token_revocations).where(token_revocations.c.revoked_at < before)
        )
        return int(result.rowcount or 0)  # type: ignore[attr-defined]


class RefreshTokenHistory:
    """The hashes a session's refresh token was rotated away from (its token family)."""

    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def add(self, session_id: uuid.UUID, token_hash: str, now: datetime) -> None:
        await self._session.execute(
            insert(session_refresh_tokens).values(
                token_hash=token_hash, session_id=session_id, rotated_at=now
            )
        )

    async def belongs_to(self, session_id: uuid.UUID, token_hash: str) -> bool:
        t = session_refresh_tokens
        statement = select(t.c.token_hash).where(
            t.c.token_hash == token_hash, t.c.session_id == session_id
        )
        return (await self._session.execute(statement)).first() is not None
