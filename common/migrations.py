"""Run a subgraph's Alembic migrations programmatically.

Each subgraph keeps ``migrations/`` (env.py + versions/) beside its models; ``upgrade`` applies
them to the subgraph's own database, creating the database first.
"""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from sqlalchemy import Connection

from common.config import Settings
from common.db import create_engine, ensure_database


def alembic_config(migrations_dir: Path) -> Config:
    config = Config()
    config.set_main_option("script_location", str(migrations_dir))
    config.set_main_option("path_separator", "os")
    return config


async def upgrade(settings: Settings, subgraph: str, migrations_dir: Path) -> None:
    """Bring the subgraph's database to the newest migration."""
    await ensure_database(settings, subgraph)
    engine = create_engine(settings, subgraph)
    config = alembic_config(migrations_dir)

    def run(connection: Connection) -> None:
        config.attributes["connection"] = connection
        command.upgrade(config, "head")

    try:
        async with engine.begin() as conn:
            await conn.run_sync(run)
    finally:
        await engine.dispose()
