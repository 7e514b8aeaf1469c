"""The transport port: how outbox rows reach consumers. Postgres by default, Kafka by URL."""

from __future__ import annotations

import asyncio
import contextlib
from abc import ABC, abstractmethod
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass

import asyncpg
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from common.config import Settings
from common.db import asyncpg_dsn, subgraph_database_url
from common.events.consumer import ConsumerSpec
from common.events.metrics import EventMetrics
from common.events.processing import EventProcessor
from common.events.progress import Progress
from common.events.tables import OUTBOX, OUTBOX_CHANNEL

# Without notifications (a dropped LISTEN connection, a NOTIFY lost across a restart) loops
# still look for work this often; notifications are the primary wake-up.
FALLBACK_POLL_SECONDS = 5.0

# Relays of one database serialise on this transaction-level advisory lock, so two relays
# never publish or number the same rows. Advisory locks are scoped to the database.
RELAY_LOCK_KEY = 0x5245_414C_494F  # "REALIO"

IdleCheck = Callable[[], Awaitable[bool]]

_PENDING = f"SELECT count(*) FROM {OUTBOX} WHERE published_at IS NULL"  # noqa: S608


@dataclass
class TransportContext:
    """What the runtime hands to the transport's relay and consumers."""

    settings: Settings
    subgraph: str
    engine: AsyncEngine
    sessions: async_sessionmaker[AsyncSession]
    metrics: EventMetrics
    progress: Progress
    topic_producers: Mapping[str, str]

    def own_dsn(self) -> str:
        return asyncpg_dsn(self.engine.url)

    def dsn_of(self, subgraph: str) -> str:
        if subgraph == self.subgraph:
            return self.own_dsn()
        return asyncpg_dsn(subgraph_database_url(self.settings, subgraph))


class Relay(ABC):
    """Publishes the committed rows of this subgraph's outbox, in outbox order."""

    @abstractmethod
    async def run(self) -> None:
        """Publish until cancelled."""

    @abstractmethod
    async def publish_batch(self) -> int:
        """Publish one batch of pending rows; returns how many were published."""


async def relay_on_notify(
    relay: Relay, conn: asyncpg.Connection, context: TransportContext, batch_size: int
) -> None:
    """Run ``relay`` until cancelled: batch after batch while they come back full, otherwise
    the pending-row gauge is set and the next batch waits for an outbox NOTIFY on ``conn``
    (or the fallback poll). Both transports' relays loop this way."""
    wake = asyncio.Event()
    await conn.add_listener(OUTBOX_CHANNEL, lambda *_: wake.set())
    while True:
        # Cleared before reading, so a commit during the batch wakes the next round.
        wake.clear()
        if await relay.publish_batch() >= batch_size:
            continue
        pending = await conn.fetchval(_PENDING)
        context.metrics.outbox_pending.labels(context.subgraph).set(pending)
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(wake.wait(), FALLBACK_POLL_SECONDS)


class ConsumerLoop(ABC):
    """Feeds one consumer group's deliveries to its processor."""

    @abstractmethod
    async def run(self) -> None:
        """Consume until cancelled."""

    @abstractmethod
    async def idle_check(self) -> IdleCheck:
        """Snapshot what has been produced so far; the check is true once it is all applied."""


class Transport(ABC):
    """Builds relays and consumers for one transport."""

    name: str

    @abstractmethod
    def relay(self, context: TransportContext) -> Relay: ...

    @abstractmethod
    def consumer(
        self, context: TransportContext, spec: ConsumerSpec, processor: EventProcessor
    ) -> ConsumerLoop: ...


async def outbox_high_water(dsn: str) -> int | None:
    """The newest outbox ``seq`` of a database, or None when it has no outbox (yet)."""
    conn = await asyncpg.connect(dsn)
    try:
        exists = await conn.fetchval("SELECT to_regclass($1) IS NOT NULL", OUTBOX)
        if not exists:
            return None
        return int(await conn.fetchval(f"SELECT coalesce(max(seq), 0) FROM {OUTBOX}"))  # noqa: S608
    finally:
        await conn.close()


async def outbox_published_through(dsn: str, seq: int) -> bool:
    """Whether every outbox row up to ``seq`` has been published."""
    conn = await asyncpg.connect(dsn)
    try:
        pending = await conn.fetchval(
            f"SELECT 1 FROM {OUTBOX} WHERE published_at IS NULL AND seq <= $1 LIMIT 1",  # noqa: S608
            seq,
        )
        return pending is None
    finally:
        await conn.close()


def build_transport(settings: Settings) -> Transport:
    """Kafka when ``REALIO_KAFKA_URL`` is set, else the Postgres outbox as the log."""
    if settings.kafka_url:
        from common.events.kafka import KafkaTransport

        return KafkaTransport(settings.kafka_url)
    from common.events.postgres import PostgresTransport

    return PostgresTransport()
