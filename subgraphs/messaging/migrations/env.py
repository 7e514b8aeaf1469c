"""Alembic environment of the messaging subgraph; the shared body lives in common.migration_env."""

from common.migration_env import run_migrations
from subgraphs.messaging.models import metadata

run_migrations("messaging", metadata)
