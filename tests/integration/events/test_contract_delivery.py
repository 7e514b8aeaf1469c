"""Contract suite, delivery: every transport publishes, orders and applies events exactly once
in effect (at least once on the wire, idempotent in the consumer)."""

from __future__ import annotations

import asyncio
from collections import defaultdict

import pytest
from sqlalchemy.ext.asyncio import AsyncSession

from common.db import session_factory, transaction
from common.events import Event, record_event
from tests.integration.events.conftest import Pipeline


async def test_committed_event_reaches_the_consumer_with_its_whole_envelope(
    pipeline: Pipeline,
) -> None:
    producer = await pipeline.start_relay()
    consumer = await pipeline.start_consumer()
    sent = await pipeline.emit("agg-1", 0, price="250000.00", note="first")

    await pipeline.settle(producer, consumer)

    [effect] = await pipeline.effects()
    assert effect.event_id == sent.id
    assert effect.envelope == {
        "id": str(sent.id),
        "type": "thing.changed",
        "version": 1,
        "occurred_at": sent.occurred_at.isoformat(),
        "aggregate_type": pipeline.aggregate_type,
        "aggregate_id": "agg-1",
        "producer": "evt_producer",
        "payload": {"seq": 0, "price": "250000.00", "note": "first"},
        "trace_id": sent.trace_id,
    }
    assert sent.trace_id


async def test_event_of_a_rolled_back_transaction_is_never_delivered(pipeline: Pipeline) -> None:
    producer = await pipeline.start_relay()
    consumer = await pipeline.start_consumer()
    with pytest.raises(RuntimeError):
        async with transaction(session_factory(pipeline.producer_engine)) as session:
            await record_event(session, pipeline.event("agg-1", 0))
            raise RuntimeError("the change failed, so its event must vanish too")
    kept = await pipeline.emit("agg-1", 1)

    await pipeline.settle(producer, consumer)

    assert [effect.event_id for effect in await pipeline.effects()] == [kept.id]


async def test_burst_of_1000_events_is_applied_once_each_in_order_per_aggregate(
    pipeline: Pipeline,
) -> None:
    producer = await pipeline.start_relay()
    consumer = await pipeline.start_consumer()
    aggregates = [f"listing-{n}" for n in range(10)]

    await pipeline.emit_sequences(aggregates, per_aggregate=100)
    await pipeline.settle(producer, consumer)

    applied = await pipeline.effects()
    assert len(applied) == 1000
    assert len({effect.event_id for effect in applied}) == 1000
    order: dict[str, list[int]] = defaultdict(list)
    for effect in applied:
        order[effect.aggregate_id].append(effect.seq)
    assert order == {aggregate: list(range(100)) for aggregate in aggregates}


async def test_redelivered_events_are_applied_once(pipeline: Pipeline) -> None:
    producer = await pipeline.start_relay()
    consumer = await pipeline.start_consumer()
    sent = [await pipeline.emit("agg-1", seq) for seq in range(5)]
    await pipeline.settle(producer, consumer)

    await redeliver(pipeline, consumer, sent)
    again = await pipeline.start_consumer()
    await pipeline.settle(producer, again)

    assert [effect.event_id for effect in await pipeline.effects()] == [e.id for e in sent]
    duplicates = again.registry.get_sample_value(
        "realio_events_consumed_total",
        {
            "subgraph": "evt_consumer",
            "group": pipeline.group,
            "topic": pipeline.topic,
            "outcome": "duplicate",
        },
    )
    assert duplicates == len(sent)


async def redeliver(pipeline: Pipeline, consumer: object, sent: list[Event]) -> None:
    """Make the transport deliver ``sent`` again: rewind the group (Postgres) or publish the
    same envelopes a second time (Kafka)."""
    from common.events import EventRuntime

    assert isinstance(consumer, EventRuntime)
    await consumer.stop()
    if pipeline.transport_name == "postgres":
        async with pipeline.consumer_engine.begin() as conn:
            from sqlalchemy import text

            await conn.execute(
                text("UPDATE event_consumer_offsets SET position = 0 WHERE consumer_group = :g"),
                {"g": pipeline.group},
            )
        return
    from aiokafka import AIOKafkaProducer

    from common.events import encode_event

    kafka = AIOKafkaProducer(bootstrap_servers=pipeline.settings.kafka_url)
    await kafka.start()
    try:
        for event in sent:
            await kafka.send_and_wait(
                pipeline.topic, encode_event(event), key=event.aggregate_id.encode()
            )
    finally:
        await kafka.stop()


async def test_consumer_killed_in_the_middle_of_a_batch_loses_nothing_and_applies_nothing_twice(
    pipeline: Pipeline,
) -> None:
    producer = await pipeline.start_relay()
    sent = [await pipeline.emit("agg-1", seq) for seq in range(150)]
    await pipeline.settle(producer)

    in_the_middle = asyncio.Event()
    never = asyncio.Event()

    async def stalls_at_50(session: AsyncSession, event: Event) -> None:
        await pipeline.record(session, event)
        if event.payload["seq"] == 50:
            in_the_middle.set()
            await never.wait()

    doomed = await pipeline.start_consumer(stalls_at_50, batch_size=100)
    await asyncio.wait_for(in_the_middle.wait(), 30)
    await doomed.stop()  # cancels the handler with 50 effects written but not committed

    survivor = await pipeline.start_consumer(batch_size=100)
    await pipeline.settle(survivor)

    applied = await pipeline.effects()
    assert [effect.event_id for effect in applied] == [event.id for event in sent]


async def test_handler_failing_once_mid_batch_still_applies_every_event_once(
    pipeline: Pipeline,
) -> None:
    producer = await pipeline.start_relay()
    sent = [await pipeline.emit("agg-1", seq) for seq in range(60)]
    await pipeline.settle(producer)
    failures: list[int] = []

    async def fails_once_at_30(session: AsyncSession, event: Event) -> None:
        await pipeline.record(session, event)
        if event.payload["seq"] == 30 and not failures:
            failures.append(30)
            raise ConnectionError("a transient failure after writing part of the batch")

    consumer = await pipeline.start_consumer(
        fails_once_at_30, batch_size=100, backoff_base_seconds=0.01
    )
    await pipeline.settle(consumer)

    assert failures == [30]
    assert [effect.event_id for effect in await pipeline.effects()] == [e.id for e in sent]
