"""Contract suite, relay and metrics: restarts and concurrent relays publish everything once;
lag, publication and dead letters are exposed as Prometheus metrics."""

from __future__ import annotations

import asyncio

from prometheus_client import generate_latest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from common.events import Event
from tests.integration.events.conftest import CONSUMER, PRODUCER, Pipeline


def published(*runtimes: object, topic: str) -> float:
    from common.events import EventRuntime

    total = 0.0
    for runtime in runtimes:
        assert isinstance(runtime, EventRuntime)
        value = runtime.registry.get_sample_value(
            "realio_events_published_total", {"subgraph": PRODUCER, "topic": topic}
        )
        total += value or 0.0
    return total


async def test_events_written_while_the_relay_is_down_are_published_once_after_restart(
    pipeline: Pipeline,
) -> None:
    first = await pipeline.start_relay()
    consumer = await pipeline.start_consumer()
    before = [await pipeline.emit("agg-1", seq) for seq in range(50)]
    await pipeline.settle(first, consumer)
    await first.stop()

    during = [await pipeline.emit("agg-1", seq) for seq in range(50, 100)]
    second = await pipeline.start_relay()
    await pipeline.settle(second, consumer)

    applied = [effect.event_id for effect in await pipeline.effects()]
    assert applied == [event.id for event in before + during]
    assert published(first, topic=pipeline.topic) == 50
    assert published(second, topic=pipeline.topic) == 50


async def test_two_relays_on_one_outbox_never_publish_an_event_twice(pipeline: Pipeline) -> None:
    relays = [await pipeline.start_relay(), await pipeline.start_relay()]
    consumer = await pipeline.start_consumer()

    await pipeline.emit_sequences([f"agg-{n}" for n in range(5)], per_aggregate=100)
    await pipeline.settle(*relays, consumer)

    assert published(*relays, topic=pipeline.topic) == 500
    duplicates = consumer.registry.get_sample_value(
        "realio_events_consumed_total",
        {
            "subgraph": CONSUMER,
            "group": pipeline.group,
            "topic": pipeline.topic,
            "outcome": "duplicate",
        },
    )
    assert duplicates is None
    assert len(await pipeline.effects()) == 500
    if pipeline.transport_name == "postgres":
        # Log positions are gap-free and unique over the whole outbox.
        async with pipeline.producer_engine.connect() as conn:
            count, distinct, highest, unnumbered = (
                await conn.execute(
                    text(
                        "SELECT count(*), count(DISTINCT position), max(position),"
                        " count(*) FILTER (WHERE position IS NULL) FROM event_outbox"
                    )
                )
            ).one()
        assert count == distinct == highest and unnumbered == 0


async def test_lag_published_and_dead_letter_metrics_are_exposed(pipeline: Pipeline) -> None:
    producer = await pipeline.start_relay()
    await asyncio.gather(*(pipeline.emit("agg-1", seq) for seq in range(30)))
    await pipeline.settle(producer)

    stalled = asyncio.Event()
    release = asyncio.Event()

    async def waits_on_first(session: AsyncSession, event: Event) -> None:
        if not release.is_set():
            stalled.set()
            await release.wait()
        await pipeline.record(session, event)

    consumer = await pipeline.start_consumer(waits_on_first)
    await asyncio.wait_for(stalled.wait(), 30)
    lag_labels = {"subgraph": CONSUMER, "group": pipeline.group, "topic": pipeline.topic}
    assert consumer.registry.get_sample_value("realio_event_consumer_lag", lag_labels) == 30

    release.set()
    await pipeline.settle(consumer)
    assert consumer.registry.get_sample_value("realio_event_consumer_lag", lag_labels) == 0
    assert published(producer, topic=pipeline.topic) == 30

    exposition = generate_latest(consumer.registry).decode()
    assert f'realio_event_consumer_lag{{group="{pipeline.group}"' in exposition
    assert f'realio_event_dead_letters{{group="{pipeline.group}",subgraph="{CONSUMER}"}} 0.0' in (
        exposition
    )
    assert "realio_event_delivery_seconds_bucket" in exposition
    assert "realio_events_published_total" in generate_latest(producer.registry).decode()
