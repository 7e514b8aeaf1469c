"""Outbox retention: published rows are deleted after a while, so the log does not grow forever.

With the Postgres transport the outbox is the log consumers read, so a consumer that is further
behind than the retention misses what was pruned (search's periodic reconciliation repairs
that). The newest numbered row is always kept: positions continue from it, so consumers'
offsets stay valid.
"""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from common.events.tables import OUTBOX

DEFAULT_RETENTION = timedelta(days=7)
_CHUNK = 5000

_PRUNE = text(
    f"""
    DELETE FROM {OUTBOX} WHERE seq IN (
        SELECT seq FROM {OUTBOX}
        WHERE published_at IS NOT NULL
          AND published_at < now() - make_interval(secs => :seconds)
          AND (position IS NULL
               OR position < (SELECT coalesce(max(position), 0) FROM {OUTBOX}))
        ORDER BY seq
        LIMIT :chunk
    )
    """  # noqa: S608 - table name is a module constant
)


async def prune_outbox(engine: AsyncEngine, older_than: timedelta = DEFAULT_RETENTION) -> int:
    """Delete rows published more than ``older_than`` ago; returns how many were deleted.

    Works in chunks, each its own short transaction, so writers are never blocked for long.
    """
    deleted = 0
    while True:
        async with engine.begin() as conn:
            result = await conn.execute(
                _PRUNE, {"seconds": older_than.total_seconds(), "chunk": _CHUNK}
            )
        count = result.rowcount or 0
        deleted += count
        if count < _CHUNK:
            return deleted
