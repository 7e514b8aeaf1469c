"""Writing events: into the outbox, inside the transaction that makes the change."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from common.events.envelope import Event, dump_payload
from common.events.tables import OUTBOX, OUTBOX_CHANNEL
from common.events.topics import topic_for

# Plain SQL text: built once, so the hot path skips statement construction and cache keys.
_RECORD = text(
    f"""
    WITH inserted AS (
        INSERT INTO {OUTBOX} (id, topic, type, version, occurred_at, aggregate_type,
                              aggregate_id, producer, payload, trace_id)
        VALUES (:id, :topic, :type, :version, :occurred_at, :aggregate_type,
                :aggregate_id, :producer, CAST(:payload AS jsonb), :trace_id)
        RETURNING seq
    )
    SELECT pg_notify('{OUTBOX_CHANNEL}', '') FROM inserted
    """  # noqa: S608 - table and channel names are module constants
)


def _parameters(event: Event) -> dict[str, Any]:
    return {
        "id": event.id,
        "topic": topic_for(event.aggregate_type),
        "type": event.type,
        "version": event.version,
        "occurred_at": event.occurred_at,
        "aggregate_type": event.aggregate_type,
        "aggregate_id": event.aggregate_id,
        "producer": event.producer,
        "payload": dump_payload(event.payload).decode(),
        "trace_id": event.trace_id,
    }


async def record_event(session: AsyncSession, event: Event) -> None:
    """Insert ``event`` into the outbox in the caller's open transaction.

    The event becomes visible (and is published) only if that transaction commits, so a change
    and its event are never separated. The same statement NOTIFYs the relay, which Postgres
    delivers at commit time; several events in one transaction wake it once.
    """
    # One round trip: the insert and the wake-up travel together.
    await session.execute(_RECORD, _parameters(event))


async def record_events(session: AsyncSession, events: Sequence[Event]) -> None:
    """``record_event`` for several events, in order, in the caller's transaction.

    One executemany: the driver pipelines the inserts instead of waiting for each (10,000
    events took one round trip each); the server still runs them one after the other, so
    ``seq`` follows the list's order, which the log's order per aggregate relies on.
    """
    if len(events) == 1:
        await record_event(session, events[0])
    elif events:
        await session.execute(_RECORD, [_parameters(e) for e in events])
