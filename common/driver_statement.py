"""A Core statement compiled once per dialect, then run with ``exec_driver_sql`` or by asyncpg.

For hot reads whose shape never changes (an entity batch, the signed-in user): SQLAlchemy's
per-call work (building the statement, its cache key, the compiled-cache lookup, result
processing) costs more CPU than the query itself. Here the statement is compiled once, its
constants bound once, and each call passes the values straight to the driver; asyncpg keeps
the statement prepared per connection. Values come back as the driver decodes them
(asyncpg: ``uuid.UUID`` subclasses, ``datetime``, JSON parsed), without SQLAlchemy's type
processing: only for columns whose driver value is the value wanted. Decision 0037 (the
properties subgraph's ``_entities`` read).

On a connection in autocommit (``common.db.read_session_factory``'s reads), ``mappings`` and
``tuples`` go one step further and hand the statement to asyncpg itself: SQLAlchemy's cursor
adaptation, greenlet hop and result metadata cost about as much CPU again as the rest of the
read (decision 0042). Nothing is lost by it there: no transaction is open to join, and a
connection the driver drops is invalidated, as SQLAlchemy does on a disconnect, so the pool
never hands it out again. ``before_cursor_execute`` does not see these statements; asyncpg's
query loggers do (``tests.support.statements`` counts both). In a transaction the statement
goes through SQLAlchemy as before. Handed a ``common.db.ReadPool`` instead of a session, the
statement runs on that pool, without a session at all (decision 0043).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import asyncpg
from sqlalchemy.engine import Row
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncSession

from common.db import ReadPool, ReadSource


class DriverStatement:
    """See the module docstring; ``mappings(session, name=value, ...)`` or
    ``rows(connection, {name: value})`` runs it (parameters it does not name are ignored)."""

    def __init__(self, statement: Any) -> None:
        self.statement = statement
        self._compiled: dict[str, tuple[str, tuple[str, ...], dict[str, Any]]] = {}

    def _bound(self, dialect: Any, values: Mapping[str, Any]) -> tuple[str, tuple[Any, ...]]:
        """The statement's SQL for ``dialect`` (compiled once) and its parameters in order:
        ``values`` where given, the statement's own constants elsewhere."""
        compiled = self._compiled.get(dialect.name)
        if compiled is None:
            built = self.statement.compile(dialect=dialect)
            positions = tuple(built.positiontup or ())
            constants = built.construct_params({name: None for name in values})
            compiled = self._compiled[dialect.name] = (built.string, positions, constants)
        sql, positions, constants = compiled
        return sql, tuple(values[n] if n in values else constants[n] for n in positions)

    async def mappings(self, source: ReadSource, **values: Any) -> list[dict[str, Any]]:
        names, rows = await self.tuples(source, **values)
        return [dict(zip(names, row, strict=True)) for row in rows]

    async def tuples(
        self, source: ReadSource, **values: Any
    ) -> tuple[list[str], Sequence[Sequence[Any]]]:
        """The column names and the rows as tuples: ``dict(zip(names, row))`` builds a row's
        mapping in C, where reading a ``RowMapping`` by name costs a Python call per column."""
        if isinstance(source, ReadPool):
            sql, parameters = self._bound(source.dialect, values)
            records = await source.fetch(sql, parameters)
            return (list(records[0].keys()) if records else []), records
        return await self._run(await source.connection(), values)

    async def _run(
        self, connection: AsyncConnection, values: Mapping[str, Any]
    ) -> tuple[list[str], Sequence[Sequence[Any]]]:
        sql, parameters = self._bound(connection.dialect, values)
        raw = await connection.get_raw_connection()
        if not getattr(raw.dbapi_connection, "autocommit", False):
            result = await connection.exec_driver_sql(sql, parameters)
            return list(result.keys()), result.all()
        driver = raw.driver_connection
        assert driver is not None  # a checked-out connection has its driver connection
        try:
            records = await driver.fetch(sql, *parameters)
        except asyncpg.PostgresError:
            raise  # the server refused the statement; the connection is as good as before
        except BaseException:
            # Lost, cancelled mid-statement, or otherwise unusable: never pooled again.
            await connection.invalidate()
            raise
        return (list(records[0].keys()) if records else []), records

    async def execute(self, session: AsyncSession, **values: Any) -> None:
        """Run a statement that returns no rows."""
        connection = await session.connection()
        sql, parameters = self._bound(connection.dialect, values)
        await connection.exec_driver_sql(sql, parameters)

    async def rows(
        self, connection: AsyncConnection, values: Mapping[str, Any]
    ) -> Sequence[Row[Any]]:
        sql, parameters = self._bound(connection.dialect, values)
        result = await connection.exec_driver_sql(sql, parameters)
        return result.all()
