"""The shared body of every subgraph's ``migrations/env.py``.

``migrations.upgrade`` hands Alembic an open connection; autogenerate (``alembic revision``
during development) uses ``REALIO_DATABASE_URL`` instead.
"""

from __future__ import annotations

import asyncio

from alembic import context
from sqlalchemy import Connection, MetaData

from common.config import get_settings
from common.db import create_engine


def _configure_and_run(connection: Connection, metadata: MetaData) -> None:
    context.configure(connection=connection, target_metadata=metadata, compare_type=True)
    with context.begin_transaction():
        context.run_migrations()


def run_migrations(subgraph: str, metadata: MetaData) -> None:
    """Entry point called from a subgraph's ``migrations/env.py``."""
    connection = context.config.attributes.get("connection")
    if connection is not None:
        _configure_and_run(connection, metadata)
        return

    async def run_online() -> None:
        engine = create_engine(get_settings(), subgraph)
        async with engine.begin() as conn:
            await conn.run_sync(_configure_and_run, metadata)
        await engine.dispose()

    asyncio.run(run_online())
