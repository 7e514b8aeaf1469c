"""Alembic environment of the properties subgraph; the shared body lives in common.migration_env."""

from common.migration_env import run_migrations
from subgraphs.properties.models import metadata

run_migrations("properties", metadata)
