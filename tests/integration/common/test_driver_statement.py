"""``DriverStatement`` on autocommit reads goes straight to asyncpg (decision 0042), and on a
``ReadPool`` runs without a session (decision 0043): the same rows as SQLAlchemy's path, the
statement counted, and a connection lost under it never handed out again."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from contextlib import contextmanager
from typing import Any

import asyncpg
import pytest
from sqlalchemy import bindparam, column, event, literal_column, select, text
from sqlalchemy.ext.asyncio import AsyncEngine

from common.config import Settings
from common.db import (
    ReadPool,
    asyncpg_dsn,
    create_engine,
    ensure_database,
    read_session_factory,
    server_url,
    session_factory,
)
from common.driver_statement import DriverStatement
from tests.support.statements import count_statements

SUBGRAPH = "driver_probe"
PROBE = DriverStatement(
    select(
        literal_column("pg_backend_pid()").label("pid"),
        (bindparam("n", type_=None) + 1).label("next"),
        column("word"),
    ).select_from(text("(VALUES ('a'), ('b')) AS words(word)"))
)


@pytest.fixture
async def engine(settings: Settings) -> AsyncIterator[AsyncEngine]:
    sized = settings.model_copy(update={"database_pool_size": 1})
    await ensure_database(sized, SUBGRAPH)
    built = create_engine(sized, SUBGRAPH)
    yield built
    await built.dispose()


@contextmanager
def sent_by_sqlalchemy(engine: AsyncEngine) -> Iterator[list[str]]:
    """The statements SQLAlchemy's own execution sends while the block runs."""
    sent: list[str] = []

    def executed(_conn: Any, _cursor: Any, statement: str, *_: Any) -> None:
        sent.append(statement)

    event.listen(engine.sync_engine, "before_cursor_execute", executed)
    try:
        yield sent
    finally:
        event.remove(engine.sync_engine, "before_cursor_execute", executed)


async def test_reads_in_autocommit_and_in_a_transaction_give_the_same_rows(
    engine: AsyncEngine,
) -> None:
    with sent_by_sqlalchemy(engine) as through_sqlalchemy:
        async with read_session_factory(engine)() as session:
            with count_statements(engine) as statements:
                names, rows = await PROBE.tuples(session, n=41)
                mapped = await PROBE.mappings(session, n=1)
        assert through_sqlalchemy == []  # autocommit: asyncpg ran them
        async with session_factory(engine)() as session, session.begin():
            in_transaction = await PROBE.mappings(session, n=41)
        assert len(through_sqlalchemy) == 1  # in a transaction: SQLAlchemy ran it
    assert names == ["pid", "next", "word"]
    assert [tuple(row)[1:] for row in rows] == [(42, "a"), (42, "b")]
    assert [(m["next"], m["word"]) for m in mapped] == [(2, "a"), (2, "b")]
    assert [(m["next"], m["word"]) for m in in_transaction] == [(42, "a"), (42, "b")]
    # Counted though SQLAlchemy never saw them.
    assert len(statements) == 2 and all("pg_backend_pid()" in s for s in statements)


async def terminate(settings: Settings, query: str, *arguments: Any) -> int:
    """Run ``query`` (ending backends with ``pg_terminate_backend(pid, timeout)``, which returns
    once they have exited) on the server's admin database."""
    admin = await asyncpg.connect(asyncpg_dsn(server_url(settings).set(database="postgres")))
    try:
        return int(await admin.fetchval(query, *arguments))
    finally:
        await admin.close()


async def read_after_a_loss(read: Callable[[], Awaitable[dict[str, Any]]]) -> tuple[Any, int]:
    """The first row of the first of three reads that succeeds, and how many failed before."""
    for failures in range(3):  # only the one pooled connection can fail
        try:
            return await read(), failures
        except Exception:
            continue
    pytest.fail("every read failed: a lost connection went back to the pool")


async def test_a_connection_lost_under_a_read_is_not_pooled_again(
    engine: AsyncEngine, settings: Settings
) -> None:
    reads = read_session_factory(engine)
    async with reads() as session:
        first, _ = await PROBE.mappings(session, n=0)
    # The server ends every session of the probe database: the pooled connection is dead.
    ended = await terminate(
        settings,
        "SELECT count(pg_terminate_backend(pid, 10000)) FROM pg_stat_activity WHERE datname = $1",
        engine.url.database,
    )
    assert ended >= 1

    async def read() -> dict[str, Any]:
        async with reads() as session:
            return (await PROBE.mappings(session, n=0))[0]

    row, failures = await read_after_a_loss(read)
    assert failures == 1
    assert row["pid"] != first["pid"]


@pytest.fixture
async def read_pool(engine: AsyncEngine) -> AsyncIterator[ReadPool]:
    pool = ReadPool(engine, size=2)
    yield pool
    await pool.close()


async def test_reads_on_the_read_pool_give_the_rows_the_session_gives(
    engine: AsyncEngine, read_pool: ReadPool
) -> None:
    with sent_by_sqlalchemy(engine) as through_sqlalchemy:
        with count_statements(engine, read_pool) as statements:
            async with read_pool() as source:  # as a session factory is used
                names, rows = await PROBE.tuples(source, n=41)
            mapped = await PROBE.mappings(read_pool, n=1)
        uncounted = await PROBE.mappings(read_pool, n=1)  # the logger is gone
    async with read_session_factory(engine)() as session:
        expected = await PROBE.tuples(session, n=41)
    assert through_sqlalchemy == []
    assert names == expected[0] == ["pid", "next", "word"]
    assert [tuple(row)[1:] for row in rows] == [tuple(row)[1:] for row in expected[1]]
    assert [(m["next"], m["word"]) for m in mapped] == [(2, "a"), (2, "b")]
    assert len(uncounted) == 2
    assert len(statements) == 2 and all("pg_backend_pid()" in s for s in statements)


async def test_the_read_pool_keeps_its_connections_and_no_more_than_its_size(
    read_pool: ReadPool,
) -> None:
    async def backend() -> int:
        rows = await PROBE.mappings(read_pool, n=0)
        return int(rows[0]["pid"])

    first = await backend()
    assert {await backend() for _ in range(5)} == {first}  # one at a time: one connection
    # Six at once: the pool opens its second connection, and no third.
    concurrent = await asyncio.gather(*(PROBE.mappings(read_pool, n=0) for _ in range(6)))
    assert len({rows[0]["pid"] for rows in concurrent}) == 2


async def test_a_connection_lost_under_a_pool_read_is_replaced(
    read_pool: ReadPool, settings: Settings
) -> None:
    first, _ = await PROBE.mappings(read_pool, n=0)
    await terminate(settings, "SELECT pg_terminate_backend($1, 10000)::int", first["pid"])

    async def read() -> dict[str, Any]:
        return (await PROBE.mappings(read_pool, n=0))[0]

    row, failures = await read_after_a_loss(read)
    assert failures <= 1  # the pool may notice the loss before handing the connection out
    assert row["pid"] != first["pid"]
