"""Alembic environment of the recommendations subgraph; the shared body lives in
common.migration_env."""

from common.migration_env import run_migrations
from subgraphs.recommendations.models import metadata

run_migrations("recommendations", metadata)
