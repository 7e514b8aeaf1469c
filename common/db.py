"""Async SQLAlchemy engines and sessions: one Postgres database per subgraph.

A subgraph's database is ``<prefix><subgraph>`` on the configured server and is created when
missing, so a fresh machine needs nothing but a reachable Postgres.
"""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import asyncpg
from sqlalchemy import MetaData, text
from sqlalchemy.engine import URL, make_url
from sqlalchemy.ext.asyncio import (
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)

from common.config import Settings

DEFAULT_SERVER_URL = "postgresql+asyncpg://postgres@127.0.0.1:5432/postgres"

_SAFE_NAME = re.compile(r"^[a-z_][a-z0-9_]{0,62}$")

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


def new_metadata() -> MetaData:
    """A MetaData with stable constraint names, so Alembic migrations stay reproducible."""
    return MetaData(naming_convention=NAMING_CONVENTION)


def server_url(settings: Settings) -> URL:
    url = make_url(settings.database_url or DEFAULT_SERVER_URL)
    if url.drivername in ("postgresql", "postgres"):
        url = url.set(drivername="postgresql+asyncpg")
    return url


def database_name(settings: Settings, subgraph: str) -> str:
    name = f"{settings.database_prefix}{subgraph}"
    if not _SAFE_NAME.match(name):
        raise ValueError(f"unsafe database name {name!r}")
    return name


def subgraph_database_url(settings: Settings, subgraph: str) -> URL:
    return server_url(settings).set(database=database_name(settings, subgraph))


def asyncpg_dsn(url: URL) -> str:
    """A SQLAlchemy URL as a plain asyncpg DSN (password included)."""
    return url.set(drivername="postgresql").render_as_string(hide_password=False)


async def ensure_database(settings: Settings, subgraph: str) -> None:
    """Create the subgraph's database when it does not exist (safe under concurrency)."""
    name = database_name(settings, subgraph)
    admin = server_url(settings).set(database="postgres")
    conn = await asyncpg.connect(asyncpg_dsn(admin))
    try:
        exists = await conn.fetchval("SELECT 1 FROM pg_database WHERE datname = $1", name)
        if not exists:
            try:
                # Identifiers cannot be bound parameters; ``name`` is checked by _SAFE_NAME.
                await conn.execute(f'CREATE DATABASE "{name}"')
            except asyncpg.DuplicateDatabaseError:
                pass
    finally:
        await conn.close()


async def drop_database(settings: Settings, subgraph: str) -> None:
    """Drop the subgraph's database (tests use it to clean up their isolated databases)."""
    name = database_name(settings, subgraph)
    admin = server_url(settings).set(database="postgres")
    conn = await asyncpg.connect(asyncpg_dsn(admin))
    try:
        await conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    finally:
        await conn.close()


def create_engine(settings: Settings, subgraph: str) -> AsyncEngine:
    """The engine of one subgraph's database.

    At most twice ``database_pool_size`` connections, all of them kept once opened: a pool
    that closes its overflow connections on return opens new ones at the next burst, and under
    steady load that is a new Postgres backend (a fork, authentication, catalog caches) every
    few requests (decision 0039). Connections are opened only when needed.
    """
    return create_async_engine(
        subgraph_database_url(settings, subgraph),
        pool_size=2 * settings.database_pool_size,
        max_overflow=0,
        pool_pre_ping=False,
    )


def session_factory(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    return async_sessionmaker(engine, expire_on_commit=False)


def read_session_factory(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    """Sessions for reads of one statement, in autocommit: no BEGIN and no ROLLBACK around
    the statement, so one round trip to Postgres instead of three (same pool as ``engine``).
    Never for writes, nor for reads that must see one snapshot across statements."""
    return async_sessionmaker(
        engine.execution_options(isolation_level="AUTOCOMMIT"), expire_on_commit=False
    )


@asynccontextmanager
async def transaction(sessions: async_sessionmaker[AsyncSession]) -> AsyncIterator[AsyncSession]:
    """A session inside one transaction: committed on success, rolled back on any error."""
    async with sessions() as session, session.begin():
        yield session


async def is_reachable(engine: AsyncEngine) -> bool:
    """Whether the database answers a trivial query (used by ``/ready``)."""
    try:
        async with engine.connect() as conn:
            await conn.execute(text("SELECT 1"))
        return True
    except Exception:
        return False
