"""Alembic environment of notifications; the shared body lives in common.migration_env."""

from common.migration_env import run_migrations
from subgraphs.notifications.models import metadata

run_migrations("notifications", metadata)
