"""Reliable domain events: a transactional outbox, a relay, and idempotent consumer groups.

A producer writes its change and ``record_event(session, new_event(...))`` in one transaction;
``EventRuntime.start_relay`` publishes the outbox; ``EventRuntime.start_consumer`` applies the
events of a ``ConsumerSpec`` in the consumer's own database, at least once, idempotently and in
order per aggregate, retrying with backoff and dead-lettering what keeps failing
(``python -m common.events dead-letters list|replay --subgraph NAME``).

The transport is the Postgres outbox itself (default) or Kafka when ``REALIO_KAFKA_URL`` is set.
"""

from common.events.consumer import BatchEventHandler, ConsumerSpec, EventHandler
from common.events.envelope import Event, decode_event, encode_event, new_event
from common.events.outbox import record_event, record_events
from common.events.runtime import EventRuntime
from common.events.tables import consumer_tables, outbox_table
from common.events.topics import DEFAULT_TOPIC_PRODUCERS, topic_for
from common.events.transport import Transport, build_transport

__all__ = [
    "DEFAULT_TOPIC_PRODUCERS",
    "ConsumerSpec",
    "Event",
    "BatchEventHandler",
    "EventHandler",
    "EventRuntime",
    "Transport",
    "build_transport",
    "consumer_tables",
    "decode_event",
    "encode_event",
    "new_event",
    "outbox_table",
    "record_event",
    "record_events",
    "topic_for",
]
