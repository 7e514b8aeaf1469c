"""Test-run isolation: every run gets its own Postgres databases and Redis key prefix.

Real Postgres and Redis are required (the configured ones, or the default local ports); the
run's databases are dropped and its Redis keys deleted when the session ends.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import AsyncIterator, Iterator

import asyncpg
import pytest
from redis.asyncio import Redis

RUN_ID = uuid.uuid4().hex[:8]
os.environ.setdefault(
    "REALIO_DATABASE_URL", "postgresql+asyncpg://postgres@127.0.0.1:5432/postgres"
)
os.environ.setdefault("REALIO_REDIS_URL", "redis://127.0.0.1:6379/0")
os.environ["REALIO_DATABASE_PREFIX"] = f"realio_t{RUN_ID}_"
os.environ["REALIO_REDIS_KEY_PREFIX"] = f"realio:t{RUN_ID}:"
os.environ.setdefault("REALIO_LOG_JSON", "false")
os.environ.setdefault("REALIO_LOG_LEVEL", "WARNING")
# Many apps run at once in a test session (a whole graph is seven subgraphs, each with its own
# pool): small pools keep a run within Postgres's default max_connections of 100.
os.environ.setdefault("REALIO_DATABASE_POOL_SIZE", "3")
# The test process builds hundreds of apps: freezing what is alive at each start would keep it
# (decision 0040). The processes the tests start inherit this; tests of the policy set it.
os.environ.setdefault("REALIO_GC_TUNING", "false")
# Cheap argon2 parameters keep the suite fast; production parameters are benchmarked in bench/.
os.environ.setdefault("REALIO_ARGON2_TIME_COST", "1")
os.environ.setdefault("REALIO_ARGON2_MEMORY_COST_KIB", "8192")

from common.config import Settings  # noqa: E402
from common.db import server_url  # noqa: E402


@pytest.fixture(scope="session")
def run_id() -> str:
    return RUN_ID


@pytest.fixture(scope="session")
def settings(tmp_path_factory: pytest.TempPathFactory) -> Settings:
    """Settings of this run: isolated databases, Redis prefix, data directory and keys."""
    data_dir = tmp_path_factory.mktemp("realio-data")
    return Settings(data_dir=data_dir)


@pytest.fixture(scope="session", autouse=True)
async def _cleanup_run_databases() -> AsyncIterator[None]:
    yield
    settings = Settings()
    dsn = server_url(settings).set(drivername="postgresql", database="postgres")
    conn = await asyncpg.connect(dsn.render_as_string(hide_password=False))
    try:
        names = await conn.fetch(
            "SELECT datname FROM pg_database WHERE datname LIKE $1",
            f"{settings.database_prefix}%",
        )
        for row in names:
            # Names come from pg_database and match our own run prefix.
            await conn.execute(f'DROP DATABASE IF EXISTS "{row["datname"]}" WITH (FORCE)')
    finally:
        await conn.close()
    if settings.redis_url:
        redis = Redis.from_url(settings.redis_url)
        try:
            keys = [k async for k in redis.scan_iter(match=f"{settings.redis_key_prefix}*")]
            if keys:
                await redis.delete(*keys)
        finally:
            await redis.aclose()


@pytest.fixture
def anyio_backend() -> Iterator[str]:
    yield "asyncio"
