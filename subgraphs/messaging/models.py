"""Tables of the messaging subgraph's Postgres store (SQLAlchemy Core).

``messages`` and ``conversations`` keep the original tables' fields (``sender_id``,
``receiver_id``, ``content``, ``created_at``, ``updated_at``); ``read`` is derived from each
participant's last-read pointer rather than stored per message. Every message has a ``seq``
that grows by one per conversation (assigned under the conversation's row lock), so cursors,
read pointers and subscription resumption compare integers and never miss a concurrent send.
"""

from __future__ import annotations

from sqlalchemy import (
    BigInteger,
    Boolean,
    CheckConstraint,
    Column,
    DateTime,
    ForeignKey,
    Index,
    PrimaryKeyConstraint,
    String,
    Table,
    Text,
    UniqueConstraint,
    Uuid,
    func,
    text,
)

from common.db import new_metadata
from common.events.tables import consumer_tables, outbox_table
from common.idempotency import idempotency_table

metadata = new_metadata()

conversations = Table(
    "conversations",
    metadata,
    Column("id", Uuid, primary_key=True),
    # Who started it, and to whom; participants are exactly these two users.
    Column("sender_id", Uuid, nullable=False),
    Column("receiver_id", Uuid, nullable=False),
    # The pair in a canonical order, so "a conversation for this pair and property" is unique.
    Column("user_low", Uuid, nullable=False),
    Column("user_high", Uuid, nullable=False),
    Column("property_id", Uuid, nullable=True),
    Column("last_seq", BigInteger, nullable=False, server_default=text("0")),
    Column("last_message_id", Uuid, nullable=True),
    Column("last_message_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    Column("created_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    Column("updated_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    CheckConstraint("sender_id <> receiver_id", name="not_with_oneself"),
    CheckConstraint("user_low < user_high", name="pair_ordered"),
    Index(
        "uq_conversations_pair_without_property",
        "user_low",
        "user_high",
        unique=True,
        postgresql_where=text("property_id IS NULL"),
    ),
    Index(
        "uq_conversations_pair_and_property",
        "user_low",
        "user_high",
        "property_id",
        unique=True,
        postgresql_where=text("property_id IS NOT NULL"),
    ),
    Index("ix_conversations_property_id", "property_id"),
)

participants = Table(
    "conversation_participants",
    metadata,
    Column(
        "conversation_id",
        Uuid,
        ForeignKey("conversations.id", ondelete="CASCADE"),
        nullable=False,
    ),
    Column("user_id", Uuid, nullable=False),
    # Messages with seq <= last_read_seq are read by this participant.
    Column("last_read_seq", BigInteger, nullable=False, server_default=text("0")),
    # deleteMessages: this participant no longer sees messages with seq <= cleared_seq.
    Column("cleared_seq", BigInteger, nullable=False, server_default=text("0")),
    Column("last_message_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    PrimaryKeyConstraint("conversation_id", "user_id"),
    # The inbox: a user's conversations, most recent first.
    Index("ix_conversation_participants_inbox", "user_id", "last_message_at", "conversation_id"),
)

messages = Table(
    "messages",
    metadata,
    Column("id", Uuid, primary_key=True),
    Column(
        "conversation_id",
        Uuid,
        ForeignKey("conversations.id", ondelete="CASCADE"),
        nullable=False,
    ),
    Column("seq", BigInteger, nullable=False),
    Column("sender_id", Uuid, nullable=False),
    Column("receiver_id", Uuid, nullable=False),
    Column("content", Text, nullable=False),
    Column("deleted", Boolean, nullable=False, server_default=text("false")),
    Column("created_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    Column("updated_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    UniqueConstraint("conversation_id", "seq", name="uq_messages_conversation_seq"),
)

blocks = Table(
    "blocks",
    metadata,
    Column("blocker_id", Uuid, nullable=False),
    Column("blocked_id", Uuid, nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    PrimaryKeyConstraint("blocker_id", "blocked_id"),
)

# The users messaging knows exist: a projection of users' events on ``realio.users``
# (``subgraphs.messaging.consumers``), so sendMessage refuses an unknown receiver without
# asking users. Always in Postgres, beside the consumer's processed ids (also with MongoDB).
known_users = Table(
    "known_users",
    metadata,
    Column("user_id", Uuid, primary_key=True),
    Column("role", String(16), nullable=True),
    # The newest snapshot applied (users' ``updated_at``): an older one arriving late is dropped.
    Column("updated_at", DateTime(timezone=True), nullable=False),
)

outbox = outbox_table(metadata)
idempotency = idempotency_table(metadata)
consumer_tables(metadata)
