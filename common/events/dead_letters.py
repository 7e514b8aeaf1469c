"""Operator access to dead letters: list them, and ask the running consumers to replay them.

A replay does not run handlers here (they live in the consumer's subgraph): it marks rows
``replay`` and NOTIFYs the subgraph's database, and the consumer group applies them through
its normal, idempotent path. Requests made while no consumer runs are applied when it starts.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import MetaData, and_, func, select, update
from sqlalchemy.ext.asyncio import AsyncEngine

from common.events.tables import REPLAY_CHANNEL, consumer_tables

_DEAD = consumer_tables(MetaData())[2]

STATUSES = ("dead", "replay", "replayed")


@dataclass(frozen=True)
class DeadLetter:
    """One event a consumer group gave up on, with the last error."""

    id: int
    group: str
    topic: str
    event_id: uuid.UUID
    event_type: str
    aggregate_id: str
    error: str
    attempts: int
    status: str
    created_at: datetime
    updated_at: datetime
    replayed_at: datetime | None
    envelope: dict[str, Any]

    def summary(self) -> dict[str, Any]:
        """JSON-ready fields for the command line."""
        return {
            "id": self.id,
            "group": self.group,
            "topic": self.topic,
            "event_id": str(self.event_id),
            "event_type": self.event_type,
            "aggregate_id": self.aggregate_id,
            "attempts": self.attempts,
            "status": self.status,
            "created_at": self.created_at.isoformat(),
            "replayed_at": self.replayed_at.isoformat() if self.replayed_at else None,
            "error": self.error,
        }


async def list_dead_letters(
    engine: AsyncEngine, *, group: str | None = None, statuses: Sequence[str] = ("dead", "replay")
) -> list[DeadLetter]:
    """Dead letters of the subgraph's database, oldest first."""
    query = select(_DEAD).where(_DEAD.c.status.in_(list(statuses))).order_by(_DEAD.c.id)
    if group is not None:
        query = query.where(_DEAD.c.consumer_group == group)
    async with engine.connect() as conn:
        rows = (await conn.execute(query)).mappings().all()
    return [
        DeadLetter(
            id=row["id"],
            group=row["consumer_group"],
            topic=row["topic"],
            event_id=row["event_id"],
            event_type=row["event_type"],
            aggregate_id=row["aggregate_id"],
            error=row["error"],
            attempts=row["attempts"],
            status=row["status"],
            created_at=row["created_at"],
            updated_at=row["updated_at"],
            replayed_at=row["replayed_at"],
            envelope=row["envelope"],
        )
        for row in rows
    ]


async def request_replay(
    engine: AsyncEngine, *, ids: Sequence[int] | None = None, group: str | None = None
) -> list[int]:
    """Mark dead letters for replay (the given ids, or all of them) and wake the consumers.

    Returns the ids that were marked; rows already replayed or already requested are left as
    they are.
    """
    condition = _DEAD.c.status == "dead"
    if ids is not None:
        condition = and_(condition, _DEAD.c.id.in_(list(ids)))
    if group is not None:
        condition = and_(condition, _DEAD.c.consumer_group == group)
    async with engine.begin() as conn:
        result = await conn.execute(
            update(_DEAD)
            .where(condition)
            .values(status="replay", updated_at=func.now())
            .returning(_DEAD.c.id)
        )
        marked = sorted(row[0] for row in result)
        if marked:
            await conn.execute(select(func.pg_notify(REPLAY_CHANNEL, "")))
    return marked
