"""A subgraph's database pool (decision 0039): up to twice ``database_pool_size``
connections, each kept once opened, so a burst after a burst opens no new Postgres session."""

from __future__ import annotations

import asyncio

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from common.config import Settings
from common.db import create_engine, ensure_database

POOL_SIZE = 2
SUBGRAPH = "pool_probe"


async def _burst(engine: AsyncEngine, width: int) -> set[int]:
    """``width`` connections held at once; the Postgres backend (session) of each."""
    barrier = asyncio.Barrier(width)

    async def one() -> int:
        async with engine.connect() as conn:
            pid = int((await conn.execute(text("SELECT pg_backend_pid()"))).scalar_one())
            await barrier.wait()  # every connection is checked out at this point
            return pid

    return set(await asyncio.wait_for(asyncio.gather(*(one() for _ in range(width))), 60))


async def test_a_second_burst_reuses_every_connection_of_the_first(settings: Settings) -> None:
    sized = settings.model_copy(update={"database_pool_size": POOL_SIZE})
    await ensure_database(sized, SUBGRAPH)
    engine = create_engine(sized, SUBGRAPH)
    try:
        first = await _burst(engine, 2 * POOL_SIZE)
        second = await _burst(engine, 2 * POOL_SIZE)
    finally:
        await engine.dispose()

    assert len(first) == 2 * POOL_SIZE
    # A pool that closed its overflow on return would have opened POOL_SIZE new sessions.
    assert second == first
