"""The SQL statements an engine sends to Postgres while a block runs, whichever way they go.

SQLAlchemy's own executions are seen by ``before_cursor_execute``. ``DriverStatement`` hands its
reads on autocommit connections straight to asyncpg (decision 0042), which SQLAlchemy never
sees; asyncpg reports those to the query loggers of the connection, so one is added to every
connection checked out of the engine's pool during the block (a connection already checked
out when the block starts is not watched). asyncpg calls its loggers soon after the statement,
before anything the statement's caller schedules later (the response to a request included).
What the driver sends on its own is not counted, as ``before_cursor_execute`` never counted it:
transaction control (BEGIN, COMMIT, ROLLBACK, savepoints) from SQLAlchemy's adapter, and the
type introspection asyncpg runs the first time a connection meets a statement's types (its
``typeinfo_tree`` query, between turning ``jit`` off and back on). Reads on a subgraph's
``common.db.ReadPool`` (decision 0043) are counted by the same logger when the pool is passed.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from sqlalchemy import event
from sqlalchemy.ext.asyncio import AsyncEngine

from common.db import ReadPool

DRIVERS_OWN = re.compile(
    r"\s*(BEGIN|COMMIT|ROLLBACK|SAVEPOINT|RELEASE SAVEPOINT|START TRANSACTION)\b"
    r"|.*(typeinfo_tree|current_setting\('jit'\)|set_config\('jit')",
    re.IGNORECASE | re.DOTALL,
)


@contextmanager
def count_statements(engine: AsyncEngine, *read_pools: ReadPool) -> Iterator[list[str]]:
    """Yields the list the statements are appended to, in the order they were sent."""
    statements: list[str] = []
    watched: list[Any] = []

    def executed(_conn: Any, _cursor: Any, statement: str, *_: Any) -> None:
        statements.append(statement)

    def logged(record: Any) -> None:
        if not DRIVERS_OWN.match(record.query):
            statements.append(record.query)

    def checked_out(_dbapi: Any, _record: Any, proxy: Any) -> None:
        driver = proxy.driver_connection
        if driver is not None and driver not in watched:
            driver.add_query_logger(logged)
            watched.append(driver)

    target = engine.sync_engine
    event.listen(target, "before_cursor_execute", executed)
    event.listen(target, "checkout", checked_out)
    for pool in read_pools:
        pool.add_query_logger(logged)
    try:
        yield statements
    finally:
        for pool in read_pools:
            pool.remove_query_logger(logged)
        event.remove(target, "checkout", checked_out)
        event.remove(target, "before_cursor_execute", executed)
        for driver in watched:
            driver.remove_query_logger(logged)
