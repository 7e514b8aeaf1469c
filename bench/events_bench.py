"""Event pipeline benchmark: outbox relay throughput and write → consumed latency.

``python -m bench.events_bench`` (``make bench``). Uses throw-away databases on the configured
Postgres (``REALIO_DATABASE_URL`` or the local default) and drops them at the end. Prints
figures only; budgets (ARCHITECTURE.md): relay ≥ 2,000 events/s; the search write → visible
budget is 250 ms p95 end to end, of which this pipeline is a part.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import sys
import time
import uuid
from datetime import UTC, datetime

from prometheus_client import CollectorRegistry
from sqlalchemy import BigInteger, Column, Identity, MetaData, String, Table, event, insert
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession
from sqlalchemy.orm import Session

from common.config import Settings
from common.db import create_engine, drop_database, ensure_database, session_factory
from common.events import (
    ConsumerSpec,
    Event,
    EventRuntime,
    consumer_tables,
    new_event,
    outbox_table,
    record_event,
    topic_for,
)

PRODUCER, CONSUMER = "bench_evt_producer", "bench_evt_consumer"
AGGREGATE = "benchthing"

producer_metadata = MetaData()
outbox_table(producer_metadata)
consumer_metadata = MetaData()
consumer_tables(consumer_metadata)
applied = Table(
    "bench_applied",
    consumer_metadata,
    Column("n", BigInteger, Identity(), primary_key=True),
    Column("aggregate_id", String(200), nullable=False),
)

# Commit times of applied events: the handler notes the event, the session's after_commit
# hook stamps it, so latency ends when the consumer's transaction is durable.
latencies: list[float] = []


@event.listens_for(Session, "after_commit")
def _stamp(session: Session) -> None:
    pending = session.info.pop("bench_occurred", None)
    if pending:
        now = datetime.now(UTC)
        latencies.extend((now - occurred).total_seconds() for occurred in pending)


async def apply(session: AsyncSession, evt: Event) -> None:
    """A handler as small as a search index upsert: one row written."""
    await session.execute(insert(applied).values(aggregate_id=evt.aggregate_id))
    session.info.setdefault("bench_occurred", []).append(evt.occurred_at)


def make_event(n: int) -> Event:
    return new_event(
        "benchthing.changed",
        f"listing-{n % 50}",
        {"n": n, "price": "125000.00", "status": "available"},
        producer=PRODUCER,
        aggregate_type=AGGREGATE,
    )


async def write(engine: AsyncEngine, count: int, per_transaction: int) -> float:
    """Commit ``count`` events; returns the producer's write rate (events/s)."""
    sessions = session_factory(engine)
    started = time.perf_counter()
    for first in range(0, count, per_transaction):
        async with sessions() as session, session.begin():
            for n in range(first, min(count, first + per_transaction)):
                await record_event(session, make_event(n))
    return count / (time.perf_counter() - started)


def runtime(settings: Settings, subgraph: str, engine: AsyncEngine) -> EventRuntime:
    return EventRuntime(
        settings,
        subgraph=subgraph,
        engine=engine,
        registry=CollectorRegistry(),
        topic_producers={topic_for(AGGREGATE): PRODUCER},
    )


def percentile(values: list[float], q: int) -> float:
    return statistics.quantiles(values, n=100, method="inclusive")[q - 1] if len(values) > 1 else 0


async def relay_throughput(settings: Settings, producer: AsyncEngine, count: int) -> None:
    write_rate = await write(producer, count, per_transaction=100)
    relay = runtime(settings, PRODUCER, producer)
    started = time.perf_counter()
    await relay.start_relay()
    await relay.wait_until_idle(timeout=600)
    elapsed = time.perf_counter() - started
    await relay.stop()
    print(f"producer writes (100 events/transaction): {write_rate:,.0f} events/s")
    print(
        f"relay throughput: {count:,} events in {elapsed:.2f} s = {count / elapsed:,.0f} events/s"
    )


async def backlog_consumption(
    settings: Settings, producer: AsyncEngine, consumer: AsyncEngine, count: int
) -> None:
    group = f"bench-{uuid.uuid4().hex[:6]}"
    spec = ConsumerSpec(
        group=group, topics=[topic_for(AGGREGATE)], handlers={"benchthing.changed": apply}
    )
    reader = runtime(settings, CONSUMER, consumer)
    started = time.perf_counter()
    await reader.start_consumer(spec)
    await reader.wait_until_idle(timeout=600)
    elapsed = time.perf_counter() - started
    await reader.stop()
    print(
        f"consumer catch-up: {count:,} events in {elapsed:.2f} s = {count / elapsed:,.0f} events/s"
    )


async def produce_live(settings: Settings, rate: int, seconds: float) -> None:
    """The producer process of the live run: paced single-event transactions and the relay."""
    producer = create_engine(settings, PRODUCER)
    relay = runtime(settings, PRODUCER, producer)
    await relay.start_relay()
    sessions = session_factory(producer)
    total = int(rate * seconds)
    started = time.perf_counter()

    async def one(n: int) -> None:
        async with sessions() as session, session.begin():
            await record_event(session, make_event(n))

    writes = []
    for n in range(total):
        # Pace the writers: event n is due at n / rate seconds (load generation, not a sync).
        delay = started + n / rate - time.perf_counter()
        if delay > 0:
            await asyncio.sleep(delay)
        writes.append(asyncio.create_task(one(n)))
    await asyncio.gather(*writes)
    await relay.wait_until_idle(timeout=120)
    await relay.stop()
    await producer.dispose()


async def live_latency(
    settings: Settings, consumer: AsyncEngine, rate: int, seconds: float
) -> None:
    """Producer (writes + relay) in a child process, as the properties subgraph would be;
    the consumer here, as search would be. Latency: ``occurred_at`` → consumer commit."""
    reader = runtime(settings, CONSUMER, consumer)
    spec = ConsumerSpec(
        group=f"bench-live-{uuid.uuid4().hex[:6]}",
        topics=[topic_for(AGGREGATE)],
        handlers={"benchthing.changed": apply},
    )
    await reader.start_consumer(spec)
    await reader.wait_until_idle(timeout=600)  # skip the backlog of the throughput runs
    latencies.clear()
    child = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "bench.events_bench",
        "--produce-live",
        "--rate",
        str(rate),
        "--seconds",
        str(seconds),
    )
    if await child.wait() != 0:
        raise RuntimeError("the producer process failed")
    await reader.wait_until_idle(timeout=120)
    await reader.stop()
    ms = sorted(value * 1000 for value in latencies)
    print(
        f"write → consumed at {rate} events/s for {seconds:.0f} s ({len(ms)} events, "
        f"producer and consumer in separate processes): p50 {percentile(ms, 50):.1f} ms, "
        f"p95 {percentile(ms, 95):.1f} ms, p99 {percentile(ms, 99):.1f} ms, max {ms[-1]:.1f} ms"
    )


async def main(count: int, rates: list[int], seconds: float) -> None:
    settings = Settings()
    for subgraph in (PRODUCER, CONSUMER):
        await ensure_database(settings, subgraph)
    producer, consumer = create_engine(settings, PRODUCER), create_engine(settings, CONSUMER)
    try:
        async with producer.begin() as conn:
            await conn.run_sync(producer_metadata.create_all)
        async with consumer.begin() as conn:
            await conn.run_sync(consumer_metadata.create_all)
        await relay_throughput(settings, producer, count)
        await backlog_consumption(settings, producer, consumer, count)
        for live_rate in rates:
            await live_latency(settings, consumer, live_rate, seconds)
    finally:
        await producer.dispose()
        await consumer.dispose()
        for subgraph in (PRODUCER, CONSUMER):
            await drop_database(settings, subgraph)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--events", type=int, default=20_000, help="backlog size")
    parser.add_argument(
        "--rate", type=int, action="append", help="live writes per second (default 100 and 300)"
    )
    parser.add_argument("--seconds", type=float, default=10, help="live run length")
    parser.add_argument("--produce-live", action="store_true", help=argparse.SUPPRESS)
    options = parser.parse_args()
    if options.produce_live:
        asyncio.run(produce_live(Settings(), options.rate[0], options.seconds))
    else:
        # The child process inherits the prefix, so both sides use the same databases.
        os.environ.setdefault("REALIO_DATABASE_PREFIX", f"realio_b{uuid.uuid4().hex[:6]}_")
        asyncio.run(main(options.events, options.rate or [100, 300], options.seconds))
