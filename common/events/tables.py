"""The tables of the event pipeline.

Producers add ``outbox_table`` to their models' metadata; consumers add ``consumer_tables``.
Each subgraph's Alembic migration then creates them in its own database. With the Postgres
transport the outbox is also the log: the relay gives every committed row a gap-free
``position``, and consumers read ``position > offset``.
"""

from __future__ import annotations

from sqlalchemy import (
    BigInteger,
    Column,
    DateTime,
    Index,
    Integer,
    MetaData,
    PrimaryKeyConstraint,
    String,
    Table,
    Text,
    UniqueConstraint,
    Uuid,
    func,
    text,
)
from sqlalchemy.dialects.postgresql import JSONB

OUTBOX = "event_outbox"
PROCESSED = "event_processed"
OFFSETS = "event_consumer_offsets"
DEAD_LETTERS = "event_dead_letters"

# Notification channels. NOTIFY is delivered per database, which is what we want: the outbox
# channel wakes the relay of that database, the log channel wakes consumers reading that log,
# and the replay channel wakes the consumers of the database that holds the dead letters.
OUTBOX_CHANNEL = "realio_event_outbox"
LOG_CHANNEL = "realio_event_log"
REPLAY_CHANNEL = "realio_event_replay"


def outbox_table(metadata: MetaData) -> Table:
    """The outbox table in ``metadata`` (added once; later calls return the same table)."""
    existing = metadata.tables.get(OUTBOX)
    if existing is not None:
        return existing
    return Table(
        OUTBOX,
        metadata,
        # Insertion order; commits may land out of this order, hence ``position`` below.
        Column("seq", BigInteger, primary_key=True, autoincrement=True),
        Column("id", Uuid, nullable=False, unique=True),
        Column("topic", String(120), nullable=False),
        Column("type", String(120), nullable=False),
        Column("version", Integer, nullable=False),
        Column("occurred_at", DateTime(timezone=True), nullable=False),
        Column("aggregate_type", String(63), nullable=False),
        Column("aggregate_id", String(200), nullable=False),
        Column("producer", String(63), nullable=False),
        Column("payload", JSONB, nullable=False),
        Column("trace_id", String(128)),
        Column("recorded_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
        # Commit-ordered, gap-free log position (Postgres transport), set by the relay.
        Column("position", BigInteger, unique=True),
        Column("published_at", DateTime(timezone=True)),
        Index(f"ix_{OUTBOX}_topic_position", "topic", "position"),
        Index(
            f"ix_{OUTBOX}_unpublished",
            "seq",
            postgresql_where=text("published_at IS NULL"),
        ),
    )


def consumer_tables(metadata: MetaData) -> list[Table]:
    """processed events, consumer offsets and dead letters, for the consumer's own database."""
    existing = [metadata.tables.get(name) for name in (PROCESSED, OFFSETS, DEAD_LETTERS)]
    if all(table is not None for table in existing):
        return [table for table in existing if table is not None]
    processed = Table(
        PROCESSED,
        metadata,
        Column("consumer_group", String(120), nullable=False),
        Column("event_id", Uuid, nullable=False),
        Column("processed_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
        PrimaryKeyConstraint("consumer_group", "event_id"),
    )
    offsets = Table(
        OFFSETS,
        metadata,
        Column("consumer_group", String(120), nullable=False),
        Column("topic", String(120), nullable=False),
        Column("position", BigInteger, nullable=False),
        Column("updated_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
        PrimaryKeyConstraint("consumer_group", "topic"),
    )
    dead_letters = Table(
        DEAD_LETTERS,
        metadata,
        Column("id", BigInteger, primary_key=True, autoincrement=True),
        Column("consumer_group", String(120), nullable=False),
        Column("topic", String(120), nullable=False),
        Column("event_id", Uuid, nullable=False),
        Column("event_type", String(120), nullable=False),
        Column("aggregate_id", String(200), nullable=False),
        Column("envelope", JSONB, nullable=False),
        Column("error", Text, nullable=False),
        Column("attempts", Integer, nullable=False),
        # dead: waiting for an operator; replay: requested; replayed: applied after a replay.
        Column("status", String(16), nullable=False, server_default="dead"),
        Column("created_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
        Column("updated_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
        Column("replayed_at", DateTime(timezone=True)),
        UniqueConstraint("consumer_group", "event_id"),
        Index(f"ix_{DEAD_LETTERS}_status", "status"),
    )
    return [processed, offsets, dead_letters]
