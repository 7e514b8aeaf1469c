"""Alembic environment of the bookings subgraph; the shared body lives in common.migration_env."""

from common.migration_env import run_migrations
from subgraphs.bookings.models import metadata

run_migrations("bookings", metadata)
