"""Contract suite, operations: replicas of a consumer group, outbox pruning, recreated logs."""

from __future__ import annotations

import asyncio
import uuid
from datetime import timedelta

from sqlalchemy import text

from common.config import Settings
from common.db import drop_database
from common.events import EventRuntime
from common.events.retention import prune_outbox
from tests.integration.events.conftest import (
    CONSUMER,
    Pipeline,
    create_producer_database,
    events_cli,
)


async def test_second_replica_of_a_group_stands_by_then_takes_over(pipeline: Pipeline) -> None:
    producer = await pipeline.start_relay()
    replicas = [await pipeline.start_consumer(), await pipeline.start_consumer()]
    first = [await pipeline.emit("agg-1", seq) for seq in range(20)]
    await pipeline.settle(producer)
    # Either replica may win the race to lead the group: the one that settles leads.
    active, standby = await _leader_first(pipeline, replicas)

    if pipeline.transport_name == "postgres":
        # Only one replica consumes a Postgres log; the other waits for the group's lock.
        labels = {
            "subgraph": CONSUMER,
            "group": pipeline.group,
            "topic": pipeline.topic,
            "outcome": "applied",
        }
        assert standby.registry.get_sample_value("realio_events_consumed_total", labels) is None

    await active.stop()
    second = [await pipeline.emit("agg-1", seq) for seq in range(20, 40)]
    await pipeline.settle(producer, standby)

    applied = [effect.event_id for effect in await pipeline.effects()]
    assert applied == [event.id for event in first + second]


async def _leader_first(
    pipeline: Pipeline, replicas: list[EventRuntime]
) -> tuple[EventRuntime, EventRuntime]:
    """``(leader, other)``: the replica that applied what was written goes first."""
    waits = {asyncio.ensure_future(pipeline.settle(replica)): replica for replica in replicas}
    done, pending = await asyncio.wait(waits, return_when=asyncio.FIRST_COMPLETED)
    for wait in pending:
        wait.cancel()
    await asyncio.gather(*pending, return_exceptions=True)
    finished = next(iter(done))
    finished.result()  # a timeout in the leader's wait is the test's failure
    leader = waits[finished]
    return leader, next(replica for replica in replicas if replica is not leader)


async def test_pruned_outbox_keeps_numbering_and_delivery_going(
    settings: Settings, pipeline: Pipeline
) -> None:
    pipeline.producer = f"evt_prune_{uuid.uuid4().hex[:6]}"
    pipeline.producer_engine = await create_producer_database(settings, pipeline.producer)
    try:
        producer = await pipeline.start_relay()
        consumer = await pipeline.start_consumer()
        old = [await pipeline.emit("agg-1", seq) for seq in range(5)]
        await pipeline.settle(producer, consumer)

        assert await prune_outbox(pipeline.producer_engine, older_than=timedelta(0)) == 4
        await producer.stop()
        producer = await pipeline.start_relay()
        new = await pipeline.emit("agg-1", 5)
        await pipeline.settle(producer, consumer)

        applied = [effect.event_id for effect in await pipeline.effects()]
        assert applied == [event.id for event in [*old, new]]
        if pipeline.transport_name == "postgres":
            async with pipeline.producer_engine.connect() as conn:
                positions = (
                    await conn.execute(text("SELECT position FROM event_outbox ORDER BY seq"))
                ).scalars()
                assert list(positions) == [5, 6]
    finally:
        await pipeline.stop_all()
        await pipeline.producer_engine.dispose()


async def test_consumer_of_a_recreated_producer_log_reads_the_new_log(
    settings: Settings, pipeline: Pipeline
) -> None:
    pipeline.producer = f"evt_reset_{uuid.uuid4().hex[:6]}"
    pipeline.producer_engine = await create_producer_database(settings, pipeline.producer)
    try:
        producer = await pipeline.start_relay()
        consumer = await pipeline.start_consumer()
        before = [await pipeline.emit("agg-1", seq) for seq in range(5)]
        await pipeline.settle(producer, consumer)
        await pipeline.stop_all()

        await pipeline.producer_engine.dispose()
        await drop_database(settings, pipeline.producer)
        pipeline.producer_engine = await create_producer_database(settings, pipeline.producer)
        producer = await pipeline.start_relay()
        after = [await pipeline.emit("agg-2", seq) for seq in range(2)]
        consumer = await pipeline.start_consumer()
        await pipeline.settle(producer, consumer)

        applied = [effect.event_id for effect in await pipeline.effects()]
        assert applied == [event.id for event in before + after]
    finally:
        await pipeline.stop_all()
        await pipeline.producer_engine.dispose()


async def test_processed_ids_older_than_the_retention_are_forgotten_from_the_command_line(
    pipeline: Pipeline,
) -> None:
    producer = await pipeline.start_relay()
    consumer = await pipeline.start_consumer()
    sent = [await pipeline.emit("agg-1", seq) for seq in range(3)]
    await pipeline.settle(producer, consumer)
    old = [event.id for event in sent[:2]]
    async with pipeline.consumer_engine.begin() as conn:
        await conn.execute(
            text(
                "UPDATE event_processed SET processed_at = now() - interval '40 days'"
                " WHERE consumer_group = :group AND event_id = ANY(:ids)"
            ),
            {"group": pipeline.group, "ids": old},
        )

    code, out, _ = await events_cli(
        "processed", "prune", "--subgraph", CONSUMER, "--group", pipeline.group
    )

    assert code == 0 and "forgot 2 processed event id(s)" in out
    async with pipeline.consumer_engine.connect() as conn:
        kept = await conn.execute(
            text("SELECT event_id FROM event_processed WHERE consumer_group = :group"),
            {"group": pipeline.group},
        )
        assert [row[0] for row in kept] == [sent[2].id]
