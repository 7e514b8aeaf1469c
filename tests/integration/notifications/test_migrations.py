"""notifications' migrations create exactly the tables, columns and indexes its models declare."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import Connection

from subgraphs.notifications.models import metadata
from tests.integration.notifications.world import NotificationsWorld


async def test_migrations_create_exactly_the_modelled_schema(nworld: NotificationsWorld) -> None:
    def differences(connection: Connection) -> list[object]:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        return list(compare_metadata(context, metadata))

    async with nworld.app.state.engine.connect() as conn:
        assert await conn.run_sync(differences) == []
