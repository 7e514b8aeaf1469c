"""Async SQLAlchemy engines and sessions: one Postgres database per subgraph.

A subgraph's database is ``<prefix><subgraph>`` on the configured server and is created when
missing, so a fresh machine needs nothing but a reachable Postgres.
"""

from __future__ import annotations

import asyncio
import re
from collections.abc import AsyncIterator, Callable, Mapping, Sequence
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from typing import Any

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


def create_engine(
    settings: Settings, subgraph: str, *, with_read_pool: bool = False
) -> AsyncEngine:
    """The engine of one subgraph's database.

    At most twice ``database_pool_size`` connections, all of them kept once opened: a pool
    that closes its overflow connections on return opens new ones at the next burst, and under
    steady load that is a new Postgres backend (a fork, authentication, catalog caches) every
    few requests (decision 0039). Connections are opened only when needed. A subgraph that
    reads through a ``ReadPool`` (``with_read_pool``) gives it half of them.
    """
    return create_async_engine(
        subgraph_database_url(settings, subgraph),
        pool_size=(1 if with_read_pool else 2) * settings.database_pool_size,
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


class ReadPool:
    """Reads of one statement each, on asyncpg's own pool of the subgraph's database.

    An ``AsyncSession`` around a read costs three greenlet hops (checkout, the statement,
    close), the session's and the pool's bookkeeping, and a reset on return; measured here,
    that was about 350 µs of CPU a read against 150 µs for the same statement on an asyncpg
    pool (decision 0043). ``common.driver_statement.DriverStatement`` runs its statements on
    this pool when handed one; nothing else does, so only statements compiled once, in
    autocommit, with the values the driver decodes, ever come here.

    Connections are opened when needed, at most ``size``, and kept (decision 0039). Nothing a
    read does outlives it (no transaction, no session setting), so a connection goes back to
    the pool without asyncpg's reset round trip; one that broke is closed and replaced by the
    pool. Calling the pool gives a context holding the pool itself, as a session factory
    gives a session, so a service's ``async with reads() as source`` serves either.
    """

    def __init__(
        self, engine: AsyncEngine, size: int, *, server_settings: Mapping[str, str] | None = None
    ) -> None:
        self.dialect = engine.dialect
        self._dsn = asyncpg_dsn(engine.url)
        self._size = size
        # Session settings every connection opens with (in its startup packet).
        self._server_settings = dict(server_settings or {})
        self._pool: asyncpg.Pool | None = None
        self._opening = asyncio.Lock()
        self._loggers: list[Callable[[Any], None]] = []

    def __call__(self) -> AbstractAsyncContextManager[ReadPool]:
        return self._itself()

    @asynccontextmanager
    async def _itself(self) -> AsyncIterator[ReadPool]:
        yield self

    async def fetch(self, sql: str, parameters: Sequence[Any]) -> list[asyncpg.Record]:
        pool = self._pool or await self._open()
        if not self._loggers:
            return await pool.fetch(sql, *parameters)
        async with pool.acquire() as connection:
            for logger in self._loggers:
                connection.add_query_logger(logger)
            try:
                return await connection.fetch(sql, *parameters)
            finally:
                for logger in self._loggers:
                    connection.remove_query_logger(logger)

    def add_query_logger(self, logger: Callable[[Any], None]) -> None:
        """Have ``logger`` called, as asyncpg calls query loggers, for every read from now
        (``tests.support.statements`` counts statements with it)."""
        self._loggers.append(logger)

    def remove_query_logger(self, logger: Callable[[Any], None]) -> None:
        self._loggers.remove(logger)

    async def _open(self) -> asyncpg.Pool:
        async with self._opening:
            if self._pool is None:
                self._pool = await asyncpg.create_pool(
                    self._dsn,
                    min_size=0,
                    max_size=self._size,
                    max_inactive_connection_lifetime=0,
                    reset=_nothing_to_reset,
                    server_settings=self._server_settings,
                )
            return self._pool

    async def close(self) -> None:
        async with self._opening:
            if self._pool is not None:
                await self._pool.close()
                self._pool = None


async def _nothing_to_reset(connection: asyncpg.Connection) -> None:
    """A read leaves no state behind on its connection (see ``ReadPool``)."""


# Where hot reads run: a session (in a transaction or autocommit) or the read pool.
ReadSource = AsyncSession | ReadPool
