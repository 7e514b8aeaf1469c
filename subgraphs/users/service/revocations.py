"""Ending tokens: every revocation is written to the feed verifiers follow and published as an
event, in the transaction that makes it (decision 0017)."""

from __future__ import annotations

import time
import uuid
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from common.auth.revocation_feed import FeedPage
from common.events import new_event, record_events
from subgraphs.users.repository_revocations import RevocationRepository

PRODUCER = "users"
AGGREGATE = "users"
PRUNE_EVERY_SECONDS = 60.0


async def record_sessions_ended(
    session: AsyncSession,
    *,
    user_id: uuid.UUID,
    session_ids: Sequence[uuid.UUID],
    reason: str,
    now: datetime,
) -> None:
    """Feed entries and ``session.revoked`` events for sessions that just ended."""
    if not session_ids:
        return
    await record_events(
        session,
        [
            new_event(
                "session.revoked",
                str(user_id),
                {"user_id": str(user_id), "session_id": str(sid), "reason": reason},
                producer=PRODUCER,
                aggregate_type=AGGREGATE,
            )
            for sid in session_ids
        ],
    )
    await RevocationRepository(session).record(reason=reason, now=now, session_ids=session_ids)


async def record_role_changed(
    session: AsyncSession,
    *,
    user_id: uuid.UUID,
    role: str,
    previous_role: str,
    epoch: int,
    now: datetime,
) -> None:
    """The feed entry ending the user's earlier tokens, and the ``user.role_changed`` event."""
    event = new_event(
        "user.role_changed",
        str(user_id),
        {
            "user_id": str(user_id),
            "role": role,
            "previous_role": previous_role,
            "token_epoch": epoch,
        },
        producer=PRODUCER,
        aggregate_type=AGGREGATE,
    )
    await record_events(session, [event])
    await RevocationRepository(session).record(
        reason="role_changed", now=now, user_id=user_id, epoch=epoch
    )


class DatabaseRevocationSource:
    """The feed read straight from users' own database (users' verifier and the HTTP feed).

    Reading also prunes, once a minute, entries older than ``ttl_seconds``.
    """

    def __init__(self, db: async_sessionmaker[AsyncSession], ttl_seconds: float) -> None:
        self._db = db
        self._ttl = timedelta(seconds=ttl_seconds)
        self._next_prune = 0.0

    async def fetch(self, after: int, limit: int) -> FeedPage:
        since = datetime.now(UTC) - self._ttl
        async with self._db() as session, session.begin():
            repository = RevocationRepository(session)
            if time.monotonic() >= self._next_prune:
                self._next_prune = time.monotonic() + PRUNE_EVERY_SECONDS
                await repository.prune(since)
            entries, cursor = await repository.after(after, limit=limit, since=since)
        return FeedPage(entries, cursor)
