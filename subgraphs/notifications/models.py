"""Tables of the notifications subgraph's own database (SQLAlchemy Core).

``notifications`` holds one row per recipient; ``source_event_id`` (the domain event that
caused it, null for an admin's message) is unique per recipient, a second guard behind the
consumer's processed ids. ``notification_deliveries`` records each channel's attempt (the
in-app channel is delivered when the row is written).
"""

from __future__ import annotations

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    Column,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    PrimaryKeyConstraint,
    String,
    Table,
    Text,
    Time,
    Uuid,
    func,
    text,
)

from common.db import new_metadata
from common.events.tables import consumer_tables, outbox_table

metadata = new_metadata()

CHANNELS = ("in_app", "email", "sms", "push")
DELIVERY_STATUSES = ("pending", "sending", "digest", "delivered", "failed", "skipped")


def _in_list(column: str, values: tuple[str, ...]) -> str:
    # Values are module constants, never client input.
    return f"{column} IN ({', '.join(repr(v) for v in values)})"


notifications = Table(
    "notifications",
    metadata,
    # UUIDv7, so notifications written in one transaction (one batch of events, one
    # ``now()``) still list in the order their events came.
    Column("id", Uuid, primary_key=True),
    Column("user_id", Uuid, nullable=False),
    Column("kind", String(40), nullable=False),
    Column("title", String(200), nullable=False),
    Column("body", Text, nullable=False),
    Column("property_id", Uuid, nullable=True),
    Column("booking_id", Uuid, nullable=True),
    Column("conversation_id", Uuid, nullable=True),
    Column("saved_search_id", Uuid, nullable=True),
    Column("source_event_id", Uuid, nullable=True),
    Column("created_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    Column("read_at", DateTime(timezone=True), nullable=True),
    # Newest first, per user: the list's order and its cursor.
    Index("ix_notifications_user_id_created_at_id", "user_id", "created_at", "id"),
    Index(
        "ix_notifications_unread",
        "user_id",
        postgresql_where=text("read_at IS NULL"),
    ),
    Index(
        "uq_notifications_source_event_id_user_id",
        "source_event_id",
        "user_id",
        unique=True,
        postgresql_where=text("source_event_id IS NOT NULL"),
    ),
)

deliveries = Table(
    "notification_deliveries",
    metadata,
    Column(
        "notification_id",
        Uuid,
        ForeignKey("notifications.id", ondelete="CASCADE"),
        nullable=False,
    ),
    Column("channel", String(16), nullable=False),
    Column("status", String(16), nullable=False),
    Column("attempts", Integer, nullable=False, server_default=text("0")),
    Column("last_error", Text, nullable=True),
    Column("updated_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    # Delivery (decision 0024): a pending row is due at next_attempt_at (backoff, quiet hours);
    # a dispatcher claims it (status sending) until claimed_until.
    Column("user_id", Uuid, nullable=True),
    Column("next_attempt_at", DateTime(timezone=True), nullable=True),
    Column("claimed_until", DateTime(timezone=True), nullable=True),
    Column("delivered_at", DateTime(timezone=True), nullable=True),
    PrimaryKeyConstraint("notification_id", "channel"),
    CheckConstraint(_in_list("channel", CHANNELS), name="channel"),
    CheckConstraint(_in_list("status", DELIVERY_STATUSES), name="status"),
    Index(
        "ix_notification_deliveries_due",
        "next_attempt_at",
        postgresql_where=text("status = 'pending'"),
    ),
    Index(
        "ix_notification_deliveries_digest",
        "user_id",
        postgresql_where=text("status = 'digest'"),
    ),
)

# Preferences (decision 0025): one row per (user, kind, channel) the user changed; the
# defaults apply to every pair without a row.
preferences = Table(
    "notification_preferences",
    metadata,
    Column("user_id", Uuid, nullable=False),
    Column("kind", String(40), nullable=False),
    Column("channel", String(16), nullable=False),
    Column("enabled", Boolean, nullable=False),
    Column("updated_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    PrimaryKeyConstraint("user_id", "kind", "channel"),
)

# A user's delivery settings: time zone, quiet hours (local wall-clock times), daily digest.
delivery_settings = Table(
    "notification_settings",
    metadata,
    Column("user_id", Uuid, primary_key=True),
    Column("time_zone", String(64), nullable=True),
    Column("quiet_start", Time, nullable=True),
    Column("quiet_end", Time, nullable=True),
    Column("saved_search_digest", Boolean, nullable=False, server_default=text("false")),
    Column("last_digest_on", Date, nullable=True),
    Column("updated_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    CheckConstraint("(quiet_start IS NULL) = (quiet_end IS NULL)", name="quiet_hours_pair"),
)

push_devices = Table(
    "push_devices",
    metadata,
    Column("token", String(4096), primary_key=True),
    Column("user_id", Uuid, nullable=False),
    Column("platform", String(16), nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    Index("ix_push_devices_user_id", "user_id"),
)

# -- projections and schedules of the triggers (decision 0026) ---------------------------------

# users' accounts as their events told them: who has a role, where to email or text them.
user_directory = Table(
    "user_directory",
    metadata,
    Column("user_id", Uuid, primary_key=True),
    Column("role", String(16), nullable=False),
    Column("name", String(100), nullable=False),
    Column("email", String(320), nullable=True),
    Column("phone", String(20), nullable=True),
    Column("verified", Boolean, nullable=False, server_default=text("false")),
    # The ``updated_at`` of the snapshot applied last; an older snapshot changes nothing.
    Column("as_of", DateTime(timezone=True), nullable=False),
    Index("ix_user_directory_role", "role"),
)

# Who favourited which listing, from property.favorited / unfavorited.
favorites = Table(
    "favorites",
    metadata,
    Column("property_id", Uuid, nullable=False),
    Column("user_id", Uuid, nullable=False),
    Column("favorited_at", DateTime(timezone=True), nullable=False),
    PrimaryKeyConstraint("property_id", "user_id"),
)

# Unread messages waiting for their delay: one row per (receiver, conversation) coalesces a
# burst into one notification; conversation.read deletes it; the schedule sends it when due.
message_alerts = Table(
    "message_alerts",
    metadata,
    Column("receiver_id", Uuid, nullable=False),
    Column("conversation_id", Uuid, nullable=False),
    Column("sender_id", Uuid, nullable=False),
    Column("property_id", Uuid, nullable=True),
    Column("messages", Integer, nullable=False, server_default=text("1")),
    Column("first_event_id", Uuid, nullable=False),
    Column("due_at", DateTime(timezone=True), nullable=False),
    PrimaryKeyConstraint("receiver_id", "conversation_id"),
    Index("ix_message_alerts_due_at", "due_at"),
)

outbox = outbox_table(metadata)
consumer_tables(metadata)
