"""Alembic environment of the users subgraph; the shared body lives in common.migration_env."""

from common.migration_env import run_migrations
from subgraphs.users.models import metadata

run_migrations("users", metadata)
