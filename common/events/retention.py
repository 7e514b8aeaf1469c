"""Retention: published outbox rows and processed event ids are deleted after a while.

Outbox: with the Postgres transport the outbox is the log consumers read, so a consumer that is
further behind than the retention misses what was pruned (search's periodic reconciliation
repairs that). The newest numbered row is always kept: positions continue from it, so
consumers' offsets stay valid.

Processed event ids are what makes applying idempotent: an id pruned here would be applied
again if its event were delivered again. Delivery again happens when a log is re-read (a
consumer rewound, a Kafka group reset) and only for events still in that log, so the
processed retention (30 days by default) must stay longer than the outbox retention (7 days)
and than Kafka's topic retention where Kafka is used.
"""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from common.events.tables import OUTBOX, PROCESSED

DEFAULT_RETENTION = timedelta(days=7)
DEFAULT_PROCESSED_RETENTION = timedelta(days=30)
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


# One statement: the rows it deletes are old, so no consumer writes them, and a single pass
# over the table costs less than chunks each scanning it again (there is no index on the time).
_PRUNE_PROCESSED = text(
    f"""
    DELETE FROM {PROCESSED}
    WHERE processed_at < now() - make_interval(secs => :seconds)
      AND (CAST(:group AS text) IS NULL OR consumer_group = :group)
    """  # noqa: S608 - table name is a module constant
)


async def prune_processed(
    engine: AsyncEngine,
    older_than: timedelta = DEFAULT_PROCESSED_RETENTION,
    group: str | None = None,
) -> int:
    """Forget event ids processed more than ``older_than`` ago (of one ``group``, or all)."""
    async with engine.begin() as conn:
        result = await conn.execute(
            _PRUNE_PROCESSED, {"seconds": older_than.total_seconds(), "group": group}
        )
    return result.rowcount or 0
