"""covering geo index for index-only searches; document GIN index without a pending list

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-24 00:30:00

The (latitude, longitude) index becomes a covering one: a radius or box search reads every
column it filters, sorts, counts and facets on from the index (an index-only scan) instead of
visiting one heap page per candidate. The plain (latitude, longitude) index it replaces would
only duplicate its leading columns.

The full-text GIN index stops using fastupdate: with it, new entries wait in an unsorted
pending list (up to gin_pending_list_limit, 4 MB) that every search scans linearly until
VACUUM merges it, which made search latency depend on when autovacuum last ran. The index
receives one listing at a time from events, so writing straight into the tree costs little.
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

COVERED = ["status", "type", "price", "bedrooms", "bathrooms", "toilets", "created_at", "id"]


def upgrade() -> None:
    op.create_index(
        "ix_search_listings_lat_lon_covering",
        "search_listings",
        ["latitude", "longitude"],
        unique=False,
        postgresql_include=COVERED,
    )
    op.drop_index("ix_search_listings_lat_lon", table_name="search_listings")
    op.execute("ALTER INDEX ix_search_listings_document SET (fastupdate = off)")
    # Entries already pending stay there until a VACUUM; merge them now.
    op.execute("SELECT gin_clean_pending_list('ix_search_listings_document'::regclass)")


def downgrade() -> None:
    op.execute("ALTER INDEX ix_search_listings_document SET (fastupdate = on)")
    op.create_index(
        "ix_search_listings_lat_lon", "search_listings", ["latitude", "longitude"], unique=False
    )
    op.drop_index("ix_search_listings_lat_lon_covering", table_name="search_listings")
