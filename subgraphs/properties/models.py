"""Tables of the properties subgraph (SQLAlchemy Core).

Columns keep the names of the original Property table (``no_of_bed_rooms``, ``zip_code``, …);
``images`` became the ordered ``property_photos`` table. ``version`` grows by one on every
change, for optimistic concurrency and so event consumers can drop stale updates.
"""

from __future__ import annotations

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    Column,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    Numeric,
    PrimaryKeyConstraint,
    String,
    Table,
    Text,
    Uuid,
    func,
    text,
)

from common.db import new_metadata
from common.events.tables import outbox_table
from common.idempotency import idempotency_table

metadata = new_metadata()

PROPERTY_TYPES = (
    "house",
    "apartment",
    "condo",
    "townhouse",
    "multi_family",
    "land",
    "commercial",
)
PROPERTY_STATUSES = ("available", "pending", "sold", "rented", "off_market")


def _in_list(column: str, values: tuple[str, ...]) -> str:
    # Values are module constants, never client input.
    return f"{column} IN ({', '.join(repr(v) for v in values)})"


properties = Table(
    "properties",
    metadata,
    Column("id", Uuid, primary_key=True),
    Column("title", String(200), nullable=False),
    Column("description", Text, nullable=False, server_default=""),
    Column("price", Numeric(14, 2), nullable=False),
    Column("currency", String(3), nullable=False, server_default="USD"),
    Column("type", String(20), nullable=False),
    Column("address", String(300), nullable=False),
    Column("zip_code", String(10), nullable=False),
    Column("owner_id", Uuid, nullable=False),
    Column("no_of_bed_rooms", Integer, nullable=False, server_default=text("0")),
    Column("no_of_bath_rooms", Integer, nullable=False, server_default=text("0")),
    Column("no_of_toilets", Integer, nullable=False, server_default=text("0")),
    Column("latitude", Float, nullable=False),
    Column("longitude", Float, nullable=False),
    Column("status", String(20), nullable=False, server_default="available"),
    Column("floor_area", Numeric(10, 2), nullable=True),
    Column("created_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    Column("updated_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    Column("version", Integer, nullable=False, server_default=text("1")),
    CheckConstraint("price >= 0", name="price_not_negative"),
    CheckConstraint(_in_list("type", PROPERTY_TYPES), name="type"),
    CheckConstraint(_in_list("status", PROPERTY_STATUSES), name="status"),
    CheckConstraint("latitude BETWEEN -90 AND 90", name="latitude"),
    CheckConstraint("longitude BETWEEN -180 AND 180", name="longitude"),
    CheckConstraint(
        "no_of_bed_rooms >= 0 AND no_of_bath_rooms >= 0 AND no_of_toilets >= 0", name="rooms"
    ),
    # Newest-first listing pages and an owner's listings page by keyset on these.
    Index("ix_properties_created_at_id", "created_at", "id"),
    Index("ix_properties_owner_id_created_at", "owner_id", "created_at"),
    Index("ix_properties_status_type_price", "status", "type", "price"),
    Index("ix_properties_updated_at", "updated_at"),
)

property_photos = Table(
    "property_photos",
    metadata,
    Column("id", Uuid, primary_key=True),
    Column(
        "property_id",
        Uuid,
        ForeignKey("properties.id", ondelete="CASCADE"),
        nullable=False,
    ),
    # Not unique: demo listings share a few stored demo images; an object is deleted from
    # storage only when no photo refers to it any more.
    Column("key", String(512), nullable=False, index=True),
    Column("url", String(1024), nullable=False),
    Column("content_type", String(64), nullable=False),
    Column("width", Integer, nullable=False),
    Column("height", Integer, nullable=False),
    Column("size_bytes", Integer, nullable=False, server_default=text("0")),
    Column("position", Integer, nullable=False),
    Column("is_cover", Boolean, nullable=False, server_default=text("false")),
    Column("created_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    Index("ix_property_photos_property_id_position", "property_id", "position"),
    # At most one cover per listing, enforced by the database.
    Index(
        "uq_property_photos_cover",
        "property_id",
        unique=True,
        postgresql_where=text("is_cover"),
    ),
)

favorites = Table(
    "favorites",
    metadata,
    Column("user_id", Uuid, nullable=False),
    Column(
        "property_id",
        Uuid,
        ForeignKey("properties.id", ondelete="CASCADE"),
        nullable=False,
    ),
    Column("created_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    PrimaryKeyConstraint("user_id", "property_id"),
    Index("ix_favorites_user_id_created_at", "user_id", "created_at"),
    Index("ix_favorites_property_id", "property_id"),
)

# Deleted listings, kept so search's reconciliation learns about deletions it missed.
deleted_properties = Table(
    "deleted_properties",
    metadata,
    Column("id", Uuid, primary_key=True),
    Column("owner_id", Uuid, nullable=False),
    Column("version", Integer, nullable=False),
    Column("deleted_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    Index("ix_deleted_properties_deleted_at", "deleted_at"),
)

outbox = outbox_table(metadata)
idempotency = idempotency_table(metadata)
