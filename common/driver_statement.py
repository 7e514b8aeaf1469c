"""A Core statement compiled once per dialect, then run with ``exec_driver_sql``.

For hot reads whose shape never changes (an entity batch, the signed-in user): SQLAlchemy's
per-call work (building the statement, its cache key, the compiled-cache lookup, result
processing) costs more CPU than the query itself. Here the statement is compiled once, its
constants bound once, and each call passes the values straight to the driver; asyncpg keeps
the statement prepared per connection, and engine events (statement counters) still see it.
Values come back as the driver decodes them (asyncpg: ``uuid.UUID`` subclasses, ``datetime``,
JSON parsed), without SQLAlchemy's type processing: only for columns whose driver value is
the value wanted. Decision 0037 (the properties subgraph's ``_entities`` read).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from sqlalchemy.engine import Row, RowMapping
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncSession


class DriverStatement:
    """See the module docstring; ``mappings(session, name=value, ...)`` or
    ``rows(connection, {name: value})`` runs it (parameters it does not name are ignored)."""

    def __init__(self, statement: Any) -> None:
        self.statement = statement
        self._compiled: dict[str, tuple[str, tuple[str, ...], dict[str, Any]]] = {}

    def _compile(
        self, dialect: Any, names: Sequence[str]
    ) -> tuple[str, tuple[str, ...], dict[str, Any]]:
        compiled = self._compiled.get(dialect.name)
        if compiled is None:
            built = self.statement.compile(dialect=dialect)
            positions = tuple(built.positiontup or ())
            constants = built.construct_params({name: None for name in names})
            compiled = self._compiled[dialect.name] = (built.string, positions, constants)
        return compiled

    async def mappings(self, session: AsyncSession, **values: Any) -> Sequence[RowMapping]:
        connection = await session.connection()
        sql, positions, constants = self._compile(connection.dialect, list(values))
        parameters = tuple(values[n] if n in values else constants[n] for n in positions)
        result = await connection.exec_driver_sql(sql, parameters)
        return result.mappings().all()

    async def tuples(
        self, session: AsyncSession, **values: Any
    ) -> tuple[list[str], Sequence[Row[Any]]]:
        """The column names and the rows as tuples: ``dict(zip(names, row))`` builds a row's
        mapping in C, where reading a ``RowMapping`` by name costs a Python call per column."""
        connection = await session.connection()
        sql, positions, constants = self._compile(connection.dialect, list(values))
        parameters = tuple(values[n] if n in values else constants[n] for n in positions)
        result = await connection.exec_driver_sql(sql, parameters)
        return list(result.keys()), result.all()

    async def execute(self, session: AsyncSession, **values: Any) -> None:
        """Run a statement that returns no rows."""
        connection = await session.connection()
        sql, positions, constants = self._compile(connection.dialect, list(values))
        parameters = tuple(values[n] if n in values else constants[n] for n in positions)
        await connection.exec_driver_sql(sql, parameters)

    async def rows(
        self, connection: AsyncConnection, values: Mapping[str, Any]
    ) -> Sequence[Row[Any]]:
        sql, positions, constants = self._compile(connection.dialect, list(values))
        parameters = tuple(values[n] if n in values else constants[n] for n in positions)
        result = await connection.exec_driver_sql(sql, parameters)
        return result.all()
