"""``record_events`` writes many events in one executemany, in the list's order."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncEngine

from common.db import session_factory, transaction
from common.events import new_event, record_events
from tests.integration.events.conftest import PRODUCER, producer_metadata


async def test_many_events_get_outbox_sequence_numbers_in_list_order(
    producer_engine: AsyncEngine,
) -> None:
    events = [
        new_event(
            "thing.changed",
            "batch-aggregate",
            {"seq": n},
            producer=PRODUCER,
            aggregate_type="thingbatch",
        )
        for n in range(500)
    ]
    async with transaction(session_factory(producer_engine)) as session:
        await record_events(session, events)
    outbox = producer_metadata.tables["event_outbox"]
    async with producer_engine.connect() as conn:
        rows = await conn.execute(
            select(outbox.c.id)
            .where(outbox.c.id.in_([e.id for e in events]))
            .order_by(outbox.c.seq)
        )
        stored = [row[0] for row in rows]
    assert stored == [e.id for e in events]
