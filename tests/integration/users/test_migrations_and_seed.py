"""Migrations match the models; seeding demo accounts is idempotent and they can sign in."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import Connection, func, select
from starlette.applications import Starlette

from common.config import Settings
from common.demo import DEMO_USERS
from subgraphs.users.app import migrate
from subgraphs.users.models import metadata, users
from subgraphs.users.seed import seed
from tests.integration.users.client import UsersClient


async def test_migrations_create_exactly_the_modelled_schema(
    users_settings: Settings, users_app: Starlette
) -> None:
    await migrate(users_settings)  # a second upgrade is a no-op

    def differences(connection: Connection) -> list[object]:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        return list(compare_metadata(context, metadata))

    async with users_app.state.engine.connect() as conn:
        assert await conn.run_sync(differences) == []


async def test_seeding_twice_leaves_one_verified_account_per_demo_user(
    users_settings: Settings, users_app: Starlette, client: UsersClient
) -> None:
    first = await seed(users_settings)
    second = await seed(users_settings)
    assert first == second
    assert any(DEMO_USERS[0].password in line for line in first)
    emails = [u.email for u in DEMO_USERS]
    async with users_app.state.engine.connect() as conn:
        rows = (
            await conn.execute(
                select(users.c.email, users.c.role, users.c.email_verified_at).where(
                    func.lower(users.c.email).in_(emails)
                )
            )
        ).all()
    assert sorted(r.email for r in rows) == sorted(emails)
    assert all(r.email_verified_at is not None for r in rows)
    for demo in DEMO_USERS:
        login = await client.login(demo.email, demo.password)
        assert login["user"] == {"id": str(demo.id), "email": demo.email, "role": demo.role.name}
