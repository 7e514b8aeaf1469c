"""The Postgres transport: the producer's outbox table is the log.

Outbox ``seq`` values are taken at insert time but committed in any order, so a reader of
``seq > offset`` could skip a row that commits late. The relay therefore numbers committed
rows with a gap-free ``position`` under a transaction-level advisory lock (one numbering
transaction at a time per database) and NOTIFYs the log channel. Consumers LISTEN on the
producer's database, read ``position > offset`` per topic, and keep their offsets in their
own database, in the transaction that applies the events.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections import defaultdict
from typing import Any

import asyncpg
import orjson

from common.events.consumer import ConsumerSpec
from common.events.envelope import Event
from common.events.processing import Delivery, EventProcessor
from common.events.tables import LOG_CHANNEL, OUTBOX
from common.events.topics import producer_of
from common.events.transport import (
    FALLBACK_POLL_SECONDS,
    RELAY_LOCK_KEY,
    ConsumerLoop,
    IdleCheck,
    Relay,
    Transport,
    TransportContext,
    outbox_high_water,
    outbox_published_through,
    relay_on_notify,
)

logger = logging.getLogger("realio.events")

RELAY_BATCH = 2000

# Positions continue from the highest one given so far; the advisory lock taken first in the
# same transaction makes that maximum stable until commit.
_ASSIGN_POSITIONS = f"""
WITH batch AS (
    SELECT seq FROM {OUTBOX} WHERE published_at IS NULL ORDER BY seq LIMIT $1
), numbered AS (
    SELECT seq, row_number() OVER (ORDER BY seq) AS n FROM batch
), base AS (
    SELECT coalesce(max(position), 0) AS position FROM {OUTBOX}
), assigned AS (
    UPDATE {OUTBOX} AS o
    SET position = base.position + numbered.n, published_at = now()
    FROM numbered, base
    WHERE o.seq = numbered.seq
    RETURNING o.topic
), counts AS (
    SELECT topic, count(*) AS published FROM assigned GROUP BY topic
), notified AS (
    SELECT pg_notify('{LOG_CHANNEL}', '') FROM counts LIMIT 1
)
SELECT topic, published, (SELECT count(*) FROM notified) AS notified FROM counts
"""  # noqa: S608 - table and channel names are module constants

# Simple-protocol script: one round trip for both.
_BEGIN_AND_LOCK = f"BEGIN; SELECT pg_advisory_xact_lock({RELAY_LOCK_KEY})"

_FETCH = f"""
SELECT position, id, type, version, occurred_at, aggregate_type, aggregate_id, producer,
       payload::text AS payload, trace_id
FROM {OUTBOX}
WHERE topic = $1 AND position > $2
ORDER BY position
LIMIT $3
"""  # noqa: S608

# Lag is counted exactly up to a cap, so a far-behind consumer does not scan the whole log.
LAG_CAP = 1_000_000
LAG_COUNT_INTERVAL = 1.0
_TOPIC_LAG = f"""
SELECT count(*) FROM (
    SELECT 1 FROM {OUTBOX} WHERE topic = $1 AND position > $2 LIMIT {LAG_CAP}
) AS behind
"""  # noqa: S608
_TOPIC_HEAD_AT = f"SELECT coalesce(max(position), 0) FROM {OUTBOX} WHERE topic = $1 AND seq <= $2"  # noqa: S608
_LOG_HEAD = f"SELECT coalesce(max(position), 0) FROM {OUTBOX}"  # noqa: S608


def row_to_event(row: Any) -> Event:
    return Event(
        id=row["id"],
        type=row["type"],
        version=row["version"],
        occurred_at=row["occurred_at"],
        aggregate_type=row["aggregate_type"],
        aggregate_id=row["aggregate_id"],
        producer=row["producer"],
        payload=orjson.loads(row["payload"]),
        trace_id=row["trace_id"],
    )


class PostgresRelay(Relay):
    def __init__(self, context: TransportContext, batch_size: int = RELAY_BATCH) -> None:
        self.context = context
        self.batch_size = batch_size
        self._conn: asyncpg.Connection | None = None

    async def run(self) -> None:
        conn = await asyncpg.connect(self.context.own_dsn())
        self._conn = conn
        try:
            await relay_on_notify(self, conn, self.context, self.batch_size)
        finally:
            self._conn = None
            await _close(conn)

    async def publish_batch(self) -> int:
        conn = self._conn
        if conn is None:
            raise RuntimeError("the relay is not running")
        # Three round trips: begin and lock, number and notify, commit. The lock must be held
        # before the numbering statement takes its snapshot, hence two statements.
        try:
            await conn.execute(_BEGIN_AND_LOCK)
            rows = await conn.fetch(_ASSIGN_POSITIONS, self.batch_size)
            await conn.execute("COMMIT")
        except BaseException:
            # Failed or cancelled mid-transaction: drop the connection, so the server rolls
            # back and releases the lock; the supervisor reconnects.
            conn.terminate()
            raise
        published = 0
        for row in rows:
            published += row["published"]
            self.context.metrics.published.labels(self.context.subgraph, row["topic"]).inc(
                row["published"]
            )
        if published:
            self.context.progress.notify()
        return published


class PostgresConsumer(ConsumerLoop):
    def __init__(
        self, context: TransportContext, spec: ConsumerSpec, processor: EventProcessor
    ) -> None:
        self.context = context
        self.spec = spec
        self.processor = processor
        self.logs: dict[str, list[str]] = defaultdict(list)
        for topic in spec.topics:
            self.logs[producer_of(topic, context.topic_producers)].append(topic)
        self.offsets: dict[str, int] = {}

    async def run(self) -> None:
        # One active instance per group: others (a second replica of the subgraph) wait on
        # this session lock and take over when the holder's connection ends.
        leader = await asyncpg.connect(self.context.own_dsn())
        try:
            await leader.execute(
                "SELECT pg_advisory_lock(hashtext('realio.consumer'), hashtext($1))",
                self.spec.group,
            )
            stored = await self.processor.stored_offsets()
            for topic in self.spec.topics:
                self.offsets[topic] = stored.get(topic, 0)
            async with asyncio.TaskGroup() as group:
                for producer, topics in self.logs.items():
                    group.create_task(self._follow(producer, topics))
        finally:
            await _close(leader)

    async def _follow(self, producer: str, topics: list[str]) -> None:
        """Read one producer's log: fetch after each NOTIFY, apply, repeat."""
        conn = await asyncpg.connect(self.context.dsn_of(producer))
        wake = asyncio.Event()
        metrics, subgraph, group = self.context.metrics, self.context.subgraph, self.spec.group
        counted_at: dict[str, float] = {}
        last_lag: dict[str, int] = {}
        try:
            await conn.add_listener(LOG_CHANNEL, lambda *_: wake.set())
            await self._detect_reset_log(conn, producer, topics)
            while True:
                wake.clear()
                behind = False
                for topic in topics:
                    rows = await conn.fetch(
                        _FETCH, topic, self.offsets[topic], self.spec.batch_size
                    )
                    lag = metrics.lag.labels(subgraph, group, topic)
                    if len(rows) < self.spec.batch_size:
                        behind_by = len(rows)  # the fetch reached the head of the log
                    elif time.monotonic() >= counted_at.get(topic, 0.0) + LAG_COUNT_INTERVAL:
                        # Far behind: count (capped), but not on every batch of a catch-up.
                        behind_by = await conn.fetchval(_TOPIC_LAG, topic, self.offsets[topic])
                        counted_at[topic] = time.monotonic()
                    else:
                        behind_by = max(len(rows), last_lag.get(topic, 0) - len(rows))
                    last_lag[topic] = behind_by
                    lag.set(behind_by)
                    if rows:
                        await self.processor.process(
                            [Delivery(topic, row_to_event(row), row["position"]) for row in rows]
                        )
                        self.offsets[topic] = rows[-1]["position"]
                        lag.set(max(0, behind_by - len(rows)))
                        self.context.progress.notify()
                        behind = behind or len(rows) >= self.spec.batch_size
                if behind:
                    continue
                try:
                    await asyncio.wait_for(wake.wait(), FALLBACK_POLL_SECONDS)
                except TimeoutError:
                    pass
        finally:
            await _close(conn)

    async def _detect_reset_log(
        self, conn: asyncpg.Connection, producer: str, topics: list[str]
    ) -> None:
        """Start over when the producer's log is behind our offsets (its database was recreated).

        Positions never decrease in a living log (pruning keeps the newest row), so an offset
        beyond the head means a new log; re-reading it is safe because applying is idempotent.
        """
        head = await conn.fetchval(_LOG_HEAD)
        for topic in topics:
            if self.offsets[topic] > head:
                logger.warning(
                    "producer log was reset; consuming it from the start",
                    extra={"producer": producer, "topic": topic, "offset": self.offsets[topic]},
                )
                await self.processor.rewind(topic)
                self.offsets[topic] = 0

    async def idle_check(self) -> IdleCheck:
        # Snapshot each producer's outbox now; later writes do not extend the wait.
        snapshots: dict[str, int | None] = {}
        for producer in self.logs:
            snapshots[producer] = await outbox_high_water(self.context.dsn_of(producer))
        targets: dict[str, int] = {}

        async def check() -> bool:
            for producer, topics in self.logs.items():
                high_water = snapshots[producer]
                if high_water is None:
                    continue
                dsn = self.context.dsn_of(producer)
                if not await outbox_published_through(dsn, high_water):
                    return False
                if not all(topic in targets for topic in topics):
                    conn = await asyncpg.connect(dsn)
                    try:
                        for topic in topics:
                            targets[topic] = await conn.fetchval(_TOPIC_HEAD_AT, topic, high_water)
                    finally:
                        await conn.close()
                for topic in topics:
                    if self.offsets.get(topic, -1) < targets[topic]:
                        return False
            return True

        return check


class PostgresTransport(Transport):
    """The default transport: core Postgres only, no extra server."""

    name = "postgres"

    def relay(self, context: TransportContext) -> Relay:
        return PostgresRelay(context)

    def consumer(
        self, context: TransportContext, spec: ConsumerSpec, processor: EventProcessor
    ) -> ConsumerLoop:
        return PostgresConsumer(context, spec, processor)


async def _close(conn: asyncpg.Connection) -> None:
    # Closing can itself be interrupted by cancellation; terminate so no socket is leaked.
    try:
        await asyncio.shield(conn.close(timeout=2))
    except BaseException:
        conn.terminate()
        raise
