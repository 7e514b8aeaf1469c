"""The Kafka transport (aiokafka): a topic per aggregate type, key = aggregate id.

The outbox stays the source of truth: the relay sends committed rows in ``seq`` order under the
same advisory lock as the Postgres relay and marks them published only after Kafka acknowledged
them, so a crash in between re-sends (at least once) and never loses. Consumers use Kafka
consumer groups (``spec.group``) and commit offsets after their database transaction; events
seen twice are absorbed by the processed-id check.
"""

from __future__ import annotations

import asyncio
import logging
from collections import Counter
from collections.abc import Iterable

import asyncpg
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, TopicPartition
from aiokafka.admin import AIOKafkaAdminClient, NewTopic

from common.events.consumer import ConsumerSpec
from common.events.envelope import decode_event, encode_event
from common.events.postgres import row_to_event
from common.events.processing import Delivery, EventProcessor
from common.events.tables import OUTBOX
from common.events.topics import producer_of
from common.events.transport import (
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

RELAY_BATCH = 1000
_TOPIC_ALREADY_EXISTS = 36

_UNPUBLISHED = f"""
SELECT seq, id, topic, type, version, occurred_at, aggregate_type, aggregate_id, producer,
       payload::text AS payload, trace_id
FROM {OUTBOX} WHERE published_at IS NULL ORDER BY seq LIMIT $1
"""  # noqa: S608 - table name is a module constant
_MARK_PUBLISHED = f"UPDATE {OUTBOX} SET published_at = now() WHERE seq = ANY($1::bigint[])"  # noqa: S608


def bootstrap_servers(url: str) -> list[str]:
    """``kafka://host:9092,host2:9092`` (or a bare ``host:port`` list) as aiokafka servers."""
    for scheme in ("kafka://", "plaintext://"):
        if url.startswith(scheme):
            url = url[len(scheme) :]
    return [server.strip() for server in url.split(",") if server.strip()]


class KafkaTransport(Transport):
    """Scale-out transport, selected by ``REALIO_KAFKA_URL``."""

    name = "kafka"

    def __init__(self, url: str, *, partitions: int = 3, replication_factor: int = 1) -> None:
        self.servers = bootstrap_servers(url)
        self.partitions = partitions
        self.replication_factor = replication_factor
        self._known_topics: set[str] = set()

    async def ensure_topics(self, topics: Iterable[str]) -> None:
        """Create missing topics (brokers may not auto-create; consumers must see them)."""
        missing = sorted(set(topics) - self._known_topics)
        if not missing:
            return
        admin = AIOKafkaAdminClient(bootstrap_servers=self.servers)
        await admin.start()
        try:
            response = await admin.create_topics(
                [NewTopic(t, self.partitions, self.replication_factor) for t in missing]
            )
            for topic, code, *rest in response.topic_errors:
                if code not in (0, _TOPIC_ALREADY_EXISTS):
                    raise RuntimeError(f"cannot create Kafka topic {topic}: {code} {rest}")
        finally:
            await admin.close()
        self._known_topics.update(missing)

    def relay(self, context: TransportContext) -> Relay:
        return KafkaRelay(self, context)

    def consumer(
        self, context: TransportContext, spec: ConsumerSpec, processor: EventProcessor
    ) -> ConsumerLoop:
        return KafkaConsumerLoop(self, context, spec, processor)


class KafkaRelay(Relay):
    def __init__(self, transport: KafkaTransport, context: TransportContext) -> None:
        self.transport = transport
        self.context = context
        self._conn: asyncpg.Connection | None = None
        self._producer: AIOKafkaProducer | None = None

    async def run(self) -> None:
        producer = AIOKafkaProducer(
            bootstrap_servers=self.transport.servers,
            acks="all",
            enable_idempotence=True,  # no duplicates or reordering from producer retries
            linger_ms=2,
        )
        await producer.start()
        conn = await asyncpg.connect(self.context.own_dsn())
        self._producer, self._conn = producer, conn
        try:
            await relay_on_notify(self, conn, self.context, RELAY_BATCH)
        finally:
            self._producer = self._conn = None
            await conn.close()
            await producer.stop()

    async def publish_batch(self) -> int:
        conn, producer = self._conn, self._producer
        if conn is None or producer is None:
            raise RuntimeError("the relay is not running")
        async with conn.transaction():
            await conn.execute("SELECT pg_advisory_xact_lock($1)", RELAY_LOCK_KEY)
            rows = await conn.fetch(_UNPUBLISHED, RELAY_BATCH)
            if not rows:
                return 0
            await self.transport.ensure_topics(row["topic"] for row in rows)
            sends = [
                await producer.send(
                    row["topic"],
                    encode_event(row_to_event(row)),
                    key=row["aggregate_id"].encode(),
                )
                for row in rows
            ]
            await asyncio.gather(*sends)
            await conn.execute(_MARK_PUBLISHED, [row["seq"] for row in rows])
        for topic, count in Counter(row["topic"] for row in rows).items():
            self.context.metrics.published.labels(self.context.subgraph, topic).inc(count)
        self.context.progress.notify()
        return len(rows)


class KafkaConsumerLoop(ConsumerLoop):
    def __init__(
        self,
        transport: KafkaTransport,
        context: TransportContext,
        spec: ConsumerSpec,
        processor: EventProcessor,
    ) -> None:
        self.transport = transport
        self.context = context
        self.spec = spec
        self.processor = processor
        self._consumer: AIOKafkaConsumer | None = None

    async def run(self) -> None:
        await self.transport.ensure_topics(self.spec.topics)
        consumer = AIOKafkaConsumer(
            *self.spec.topics,
            bootstrap_servers=self.transport.servers,
            group_id=self.spec.group,
            enable_auto_commit=False,
            auto_offset_reset="earliest",
        )
        await consumer.start()
        self._consumer = consumer
        metrics, subgraph, group = self.context.metrics, self.context.subgraph, self.spec.group
        try:
            while True:
                batches = await consumer.getmany(timeout_ms=1000, max_records=self.spec.batch_size)
                for partition, records in batches.items():
                    high_water = consumer.highwater(partition) or 0
                    lag = metrics.lag.labels(subgraph, group, partition.topic)
                    lag.set(max(0, high_water - records[0].offset))
                    deliveries = []
                    for record in records:
                        try:
                            deliveries.append(Delivery(partition.topic, decode_event(record.value)))
                        except (ValueError, KeyError, TypeError):
                            logger.error(
                                "malformed event skipped",
                                extra={"topic": partition.topic, "offset": record.offset},
                            )
                            metrics.consumed.labels(
                                subgraph, group, partition.topic, "malformed"
                            ).inc()
                    await self.processor.process(deliveries)
                    await consumer.commit({partition: records[-1].offset + 1})
                    lag.set(max(0, high_water - records[-1].offset - 1))
                    self.context.progress.notify()
        finally:
            self._consumer = None
            await consumer.stop()

    async def idle_check(self) -> IdleCheck:
        producers = {producer_of(t, self.context.topic_producers) for t in self.spec.topics}
        snapshots = {p: await outbox_high_water(self.context.dsn_of(p)) for p in producers}
        targets: dict[TopicPartition, int] = {}

        async def check() -> bool:
            for producer, high_water in snapshots.items():
                if high_water is not None and not await outbox_published_through(
                    self.context.dsn_of(producer), high_water
                ):
                    return False
            consumer = self._consumer
            if consumer is None:
                return False
            if not targets:
                partitions = []
                for topic in self.spec.topics:
                    ids = consumer.partitions_for_topic(topic)
                    if not ids:
                        return False
                    partitions += [TopicPartition(topic, p) for p in ids]
                targets.update(await consumer.end_offsets(partitions))
            for partition, end in targets.items():
                if end and (await consumer.committed(partition) or 0) < end:
                    return False
            return True

        return check
