"""The event pipeline's contract-suite harness: a producer and a consumer subgraph database,
each transport under test, and a ``Pipeline`` that writes events and runs runtimes.

Every test gets its own aggregate type (so its own topic) and consumer group, so tests share
the two databases without seeing each other's events.
"""

from __future__ import annotations

import asyncio
import os
import sys
import uuid
from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass, field
from typing import Any

import orjson
import pytest
from prometheus_client import CollectorRegistry
from sqlalchemy import (
    BigInteger,
    Column,
    Identity,
    Integer,
    MetaData,
    String,
    Table,
    Uuid,
    insert,
    select,
)
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession

from common.config import REPO_ROOT, Settings
from common.db import create_engine, ensure_database, session_factory, transaction
from common.events import (
    ConsumerSpec,
    Event,
    EventHandler,
    EventRuntime,
    consumer_tables,
    encode_event,
    new_event,
    outbox_table,
    record_event,
    topic_for,
)
from common.events.transport import Transport

PRODUCER = "evt_producer"
CONSUMER = "evt_consumer"

producer_metadata = MetaData()
outbox_table(producer_metadata)

consumer_metadata = MetaData()
consumer_tables(consumer_metadata)
effects = Table(
    "evt_effects",
    consumer_metadata,
    Column("n", BigInteger, Identity(), primary_key=True),
    Column("consumer_group", String(120), nullable=False),
    Column("event_id", Uuid, nullable=False),
    Column("aggregate_id", String(200), nullable=False),
    Column("seq", Integer, nullable=False),
    Column("envelope", JSONB, nullable=False),
)


@pytest.fixture(scope="package")
async def producer_engine(settings: Settings) -> AsyncIterator[AsyncEngine]:
    await ensure_database(settings, PRODUCER)
    engine = create_engine(settings, PRODUCER)
    async with engine.begin() as conn:
        await conn.run_sync(producer_metadata.create_all)
    yield engine
    await engine.dispose()


@pytest.fixture(scope="package")
async def consumer_engine(settings: Settings) -> AsyncIterator[AsyncEngine]:
    await ensure_database(settings, CONSUMER)
    engine = create_engine(settings, CONSUMER)
    async with engine.begin() as conn:
        await conn.run_sync(consumer_metadata.create_all)
    yield engine
    await engine.dispose()


def _postgres(settings: Settings) -> Transport:
    from common.events.postgres import PostgresTransport

    return PostgresTransport()


def _kafka(settings: Settings) -> Transport:
    from common.events.kafka import KafkaTransport

    assert settings.kafka_url
    return KafkaTransport(settings.kafka_url)


@pytest.fixture(params=["postgres", "kafka"])
def transport_name(request: pytest.FixtureRequest, settings: Settings) -> str:
    """Each contract test runs once per transport; Kafka only when it is configured."""
    if request.param == "kafka" and not settings.kafka_url:
        pytest.skip("REALIO_KAFKA_URL is not set: the Kafka transport contract run is skipped")
    return str(request.param)


@dataclass
class Pipeline:
    """One test's topic, group, runtimes and helpers."""

    settings: Settings
    transport_name: str
    producer_engine: AsyncEngine
    consumer_engine: AsyncEngine
    aggregate_type: str = field(default_factory=lambda: f"thing{uuid.uuid4().hex[:10]}")
    group: str = field(default_factory=lambda: f"group-{uuid.uuid4().hex[:10]}")
    runtimes: list[EventRuntime] = field(default_factory=list)
    producer: str = PRODUCER

    @property
    def topic(self) -> str:
        return topic_for(self.aggregate_type)

    def transport(self) -> Transport:
        return (_kafka if self.transport_name == "kafka" else _postgres)(self.settings)

    def _runtime(self, subgraph: str, engine: AsyncEngine) -> EventRuntime:
        runtime = EventRuntime(
            self.settings,
            subgraph=subgraph,
            engine=engine,
            registry=CollectorRegistry(),
            transport=self.transport(),
            topic_producers={self.topic: self.producer},
        )
        self.runtimes.append(runtime)
        return runtime

    async def start_relay(self) -> EventRuntime:
        runtime = self._runtime(self.producer, self.producer_engine)
        await runtime.start_relay()
        return runtime

    def spec(self, handler: EventHandler | None = None, **options: Any) -> ConsumerSpec:
        return ConsumerSpec(
            group=self.group,
            topics=[self.topic],
            handlers={"thing.changed": handler or self.record},
            **options,
        )

    async def start_consumer(
        self, handler: EventHandler | None = None, **options: Any
    ) -> EventRuntime:
        runtime = self._runtime(CONSUMER, self.consumer_engine)
        await runtime.start_consumer(self.spec(handler, **options))
        return runtime

    def event(self, aggregate_id: str, seq: int, **payload: Any) -> Event:
        return new_event(
            "thing.changed",
            aggregate_id,
            {"seq": seq, **payload},
            producer=self.producer,
            aggregate_type=self.aggregate_type,
        )

    async def emit(self, aggregate_id: str, seq: int, **payload: Any) -> Event:
        """Commit one event in its own producer transaction."""
        event = self.event(aggregate_id, seq, **payload)
        async with transaction(session_factory(self.producer_engine)) as session:
            await record_event(session, event)
        return event

    async def emit_sequences(self, aggregates: Sequence[str], per_aggregate: int) -> None:
        """Concurrent writers, one per aggregate, each committing its events in order."""

        async def writer(aggregate_id: str) -> None:
            for seq in range(per_aggregate):
                await self.emit(aggregate_id, seq)

        await asyncio.gather(*(writer(a) for a in aggregates))

    async def record(self, session: AsyncSession, event: Event) -> None:
        """The default handler: one effect row per application, carrying the envelope."""
        await session.execute(
            insert(effects).values(
                consumer_group=self.group,
                event_id=event.id,
                aggregate_id=event.aggregate_id,
                seq=int(event.payload["seq"]),
                envelope=_envelope_json(event),
            )
        )

    async def effects(self) -> list[Any]:
        """This group's applied effects, in the order they were applied."""
        async with self.consumer_engine.connect() as conn:
            rows = await conn.execute(
                select(effects).where(effects.c.consumer_group == self.group).order_by(effects.c.n)
            )
            return list(rows)

    async def settle(self, *runtimes: EventRuntime, timeout: float = 60) -> None:
        for runtime in runtimes:
            await runtime.wait_until_idle(timeout)

    async def stop_all(self) -> None:
        for runtime in self.runtimes:
            await runtime.stop()


def _envelope_json(event: Event) -> dict[str, Any]:
    return dict(orjson.loads(encode_event(event)))


async def events_cli(*args: str) -> tuple[int, str, str]:
    """Run ``python -m common.events`` as an operator would (same isolated databases)."""
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "common.events",
        *args,
        cwd=REPO_ROOT,
        env=dict(os.environ),
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    out, err = await asyncio.wait_for(process.communicate(), 60)
    assert process.returncode is not None
    return process.returncode, out.decode(), err.decode()


async def create_producer_database(settings: Settings, subgraph: str) -> AsyncEngine:
    """A producer database of the test's own (for tests that prune or recreate the log)."""
    await ensure_database(settings, subgraph)
    engine = create_engine(settings, subgraph)
    async with engine.begin() as conn:
        await conn.run_sync(producer_metadata.create_all)
    return engine


@pytest.fixture
async def pipeline(
    settings: Settings,
    transport_name: str,
    producer_engine: AsyncEngine,
    consumer_engine: AsyncEngine,
) -> AsyncIterator[Pipeline]:
    pipe = Pipeline(settings, transport_name, producer_engine, consumer_engine)
    try:
        yield pipe
    finally:
        await pipe.stop_all()
