"""Tables of the search subgraph's own database: the listing index, tombstones, saved searches.

The event pipeline's tables (processed events, dead letters, the outbox) are added to the
same metadata by ``common.events`` so one migration history creates everything.
"""

from __future__ import annotations

from sqlalchemy import (
    BigInteger,
    Column,
    Computed,
    DateTime,
    Double,
    ForeignKey,
    Index,
    Integer,
    Numeric,
    Table,
    Text,
    func,
    text,
)
from sqlalchemy.dialects.postgresql import JSONB, TSVECTOR, UUID

from common.db import new_metadata
from common.events.tables import consumer_tables, outbox_table

metadata = new_metadata()

# Weighted document: title counts most, then the address (street, city, zip), then the
# description. An explicit text search configuration keeps the expression immutable, which a
# stored generated column requires.
DOCUMENT_EXPRESSION = (
    "setweight(to_tsvector('english'::regconfig, coalesce(title, '')), 'A') || "
    "setweight(to_tsvector('english'::regconfig, "
    "coalesce(address, '') || ' ' || coalesce(zip_code, '')), 'B') || "
    "setweight(to_tsvector('english'::regconfig, coalesce(description, '')), 'C')"
)

listings = Table(
    "search_listings",
    metadata,
    Column("id", UUID(as_uuid=True), primary_key=True),
    Column("version", BigInteger, nullable=False),
    Column("title", Text, nullable=False),
    Column("description", Text, nullable=False),
    Column("address", Text, nullable=False),
    Column("zip_code", Text, nullable=False),
    Column("type", Text, nullable=False),
    Column("status", Text, nullable=False),
    Column("price", Numeric(14, 2), nullable=False),
    Column("currency", Text, nullable=False),
    Column("bedrooms", Integer, nullable=False),
    Column("bathrooms", Integer, nullable=False),
    Column("toilets", Integer, nullable=False),
    Column("latitude", Double, nullable=True),
    Column("longitude", Double, nullable=True),
    Column("owner_id", UUID(as_uuid=True), nullable=True),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("updated_at", DateTime(timezone=True), nullable=False),
    Column("indexed_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    Column("document", TSVECTOR, Computed(DOCUMENT_EXPRESSION, persisted=True)),
    # Without fastupdate: no pending list for every search to scan until VACUUM (0002).
    Index(
        "ix_search_listings_document",
        "document",
        postgresql_using="gin",
        postgresql_with={"fastupdate": "off"},
    ),
    Index("ix_search_listings_price", "price", "id"),
    Index("ix_search_listings_created_at", "created_at", "id"),
    Index("ix_search_listings_type_status", "type", "status"),
    Index("ix_search_listings_status", "status"),
    Index("ix_search_listings_bedrooms", "bedrooms"),
    Index("ix_search_listings_zip_code", "zip_code"),
    # Latitude first: a radius or box filter is a latitude range, longitude checked in the index.
    # Covering: geo searches filter, sort, count and facet from the index alone (0002).
    Index(
        "ix_search_listings_lat_lon_covering",
        "latitude",
        "longitude",
        postgresql_include=[
            "status",
            "type",
            "price",
            "bedrooms",
            "bathrooms",
            "toilets",
            "created_at",
            "id",
        ],
    ),
)

# (id, status, document) of every listing, kept equal to search_listings by a trigger (0003):
# ranked text searches read these narrow rows instead of the wide listing rows.
documents = Table(
    "search_listing_documents",
    metadata,
    Column(
        "id", UUID(as_uuid=True), ForeignKey(listings.c.id, ondelete="CASCADE"), primary_key=True
    ),
    Column("status", Text, nullable=False),
    Column("document", TSVECTOR, nullable=False),
    Index(
        "ix_search_listing_documents_document",
        "document",
        postgresql_using="gin",
        postgresql_with={"fastupdate": "off"},
    ),
    # The title words alone (weight A): one-word relevance pages come from here first (0004,
    # decision 0008).
    Index(
        "ix_search_listing_documents_title",
        text("ts_filter(document, '{a}'::\"char\"[])"),
        postgresql_using="gin",
        postgresql_with={"fastupdate": "off"},
    ),
)

# A deleted listing leaves a tombstone so that an update still in flight when it was deleted
# (or replayed later) can never bring it back. Listing ids are never reused.
tombstones = Table(
    "search_tombstones",
    metadata,
    Column("id", UUID(as_uuid=True), primary_key=True),
    Column("version", BigInteger, nullable=False),
    Column("deleted_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
)

saved_searches = Table(
    "search_saved_searches",
    metadata,
    Column("id", UUID(as_uuid=True), primary_key=True),
    Column("user_id", UUID(as_uuid=True), nullable=False),
    Column("name", Text, nullable=False),
    Column("filter", JSONB, nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    Index("ix_search_saved_searches_user_id", "user_id", "created_at"),
)

# Reconciliation bookkeeping: one row per run, for operators, and for the schedule, which reads
# the latest successful (full) run to choose the next run's kind and window (0005).
reconciliations = Table(
    "search_reconciliations",
    metadata,
    Column("id", BigInteger, primary_key=True, autoincrement=True),
    Column("started_at", DateTime(timezone=True), nullable=False),
    Column("finished_at", DateTime(timezone=True), nullable=False),
    Column("scanned", Integer, nullable=False),
    Column("repaired", Integer, nullable=False),
    Column("removed", Integer, nullable=False),
    Column("details", JSONB, nullable=False, server_default=text("'{}'::jsonb")),
    # "full" or "incremental"; "succeeded" or "failed".
    Column("kind", Text, nullable=False),
    Column("outcome", Text, nullable=False),
    # What an incremental run asked properties for (null for a full run).
    Column("updated_since", DateTime(timezone=True), nullable=True),
    Column("pages", Integer, nullable=False),
    Index("ix_search_reconciliations_outcome_started_at", "outcome", "started_at"),
)

outbox = outbox_table(metadata)
processed_events, consumer_offsets, dead_letters = consumer_tables(metadata)
