"""search's migrations create exactly the tables, columns and indexes its models declare."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import Connection
from sqlalchemy.ext.asyncio import AsyncEngine

from subgraphs.search.models import metadata


async def test_migrations_create_exactly_the_modelled_schema(contract_engine: AsyncEngine) -> None:
    def differences(connection: Connection) -> list[object]:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        return list(compare_metadata(context, metadata))

    async with contract_engine.connect() as conn:
        assert await conn.run_sync(differences) == []
