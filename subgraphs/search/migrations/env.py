"""Alembic environment of the search subgraph; the shared body lives in common.migration_env."""

from common.migration_env import run_migrations
from subgraphs.search.models import metadata

run_migrations("search", metadata)
