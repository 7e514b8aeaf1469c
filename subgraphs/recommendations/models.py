"""Tables of the recommendations subgraph's own database (SQLAlchemy Core).

``listings`` is the projection of listings fed by property events (what the content model
reads); ``interactions`` and ``saved_searches`` are each user's private signals (from
``recordInteraction`` and from the properties, searches, bookings and messages events);
``model_versions`` records every trained artefact (the bytes live in the storage port);
``impressions`` logs what the feed showed, with the bandit's propensity and context, and the
reward a later interaction earned it.
"""

from __future__ import annotations

from sqlalchemy import (
    BigInteger,
    Boolean,
    Column,
    DateTime,
    Float,
    Index,
    Integer,
    Numeric,
    Sequence,
    String,
    Table,
    Text,
    Uuid,
    func,
)
from sqlalchemy.dialects.postgresql import JSONB

from common.db import new_metadata
from common.events.tables import consumer_tables, outbox_table

metadata = new_metadata()

# Every write of a listing takes the next value, so instances find what changed since they last
# looked (``ListingsRepository.changed_since``).
listing_changes = Sequence("listing_changes", metadata=metadata)

listings = Table(
    "listings",
    metadata,
    Column("id", Uuid, primary_key=True),
    Column("owner_id", Uuid, nullable=False),
    Column("type", String(32), nullable=False),
    Column("price", Numeric(18, 2), nullable=False),
    Column("currency", String(3), nullable=False),
    Column("bedrooms", Integer, nullable=True),
    Column("bathrooms", Integer, nullable=True),
    Column("area", Float, nullable=True),
    Column("city", String(120), nullable=True),
    Column("latitude", Float, nullable=True),
    Column("longitude", Float, nullable=True),
    Column("text", Text, nullable=False, server_default=""),
    Column("status", String(32), nullable=False),
    # Tombstone: a deleted listing stays so an older, late event cannot bring it back.
    Column("deleted", Boolean, nullable=False, server_default="false"),
    Column("version", Integer, nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column(
        "change",
        BigInteger,
        listing_changes,
        nullable=False,
        server_default=listing_changes.next_value(),
    ),
    Column("changed_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    Index("ix_listings_change", "change"),
)

interactions = Table(
    "interactions",
    metadata,
    Column("id", BigInteger, primary_key=True, autoincrement=True),
    Column("user_id", Uuid, nullable=False),
    Column("property_id", Uuid, nullable=False),
    Column("kind", String(32), nullable=False),
    # Where it came from: "graph" (recordInteraction) or the event type that carried it.
    Column("origin", String(64), nullable=False),
    # The event it came from, when it came from one (one row per event and kind).
    Column("event_id", Uuid, nullable=True, unique=True),
    Column("at", DateTime(timezone=True), nullable=False),
    Index("ix_interactions_user_at", "user_id", "at"),
    Index("ix_interactions_at", "at"),
)

saved_searches = Table(
    "saved_searches",
    metadata,
    Column("id", Uuid, primary_key=True),
    Column("user_id", Uuid, nullable=False),
    Column("city", String(120), nullable=True),
    Column("min_price", Numeric(18, 2), nullable=True),
    Column("max_price", Numeric(18, 2), nullable=True),
    Column("type", String(32), nullable=True),
    Column("at", DateTime(timezone=True), nullable=False),
    Column("deleted", Boolean, nullable=False, server_default="false"),
    Index("ix_saved_searches_user_at", "user_id", "at"),
)

model_versions = Table(
    "model_versions",
    metadata,
    Column("id", BigInteger, primary_key=True, autoincrement=True),
    Column("version", String(80), nullable=False, unique=True),
    Column("storage_key", String(300), nullable=False),
    Column("trained_at", DateTime(timezone=True), nullable=False),
    Column("listings", Integer, nullable=False),
    Column("interactions", Integer, nullable=False),
    Column("seconds", Float, nullable=False),
    # The newest listing change the model was trained on: an instance loading it re-applies
    # only what changed after (``ModelHolder``).
    Column("listing_change", BigInteger, nullable=False, server_default="0"),
    # The bandit fitted on the impression log at training time (plain JSON, no pickle).
    Column("bandit", JSONB, nullable=True),
    Column("created_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
)

impressions = Table(
    "impressions",
    metadata,
    Column("id", BigInteger, primary_key=True, autoincrement=True),
    Column("user_id", Uuid, nullable=False),
    Column("property_id", Uuid, nullable=False),
    Column("source", String(32), nullable=False),
    Column("propensity", Float, nullable=False),
    Column("context", JSONB, nullable=False),
    Column("slot", Integer, nullable=False),
    Column("model_version", String(80), nullable=False),
    Column("shown_at", DateTime(timezone=True), nullable=False),
    Column("reward", Float, nullable=True),
    Column("rewarded_at", DateTime(timezone=True), nullable=True),
    Index("ix_impressions_user_property", "user_id", "property_id", "shown_at"),
)

consumer_tables(metadata)
outbox = outbox_table(metadata)
