"""One gate for every argument value a subgraph receives, before any resolver runs.

GraphQL's own coercion accepts values our stores cannot take: a NUL byte or a lone surrogate
in a ``String`` (Postgres text refuses both), a ``Decimal`` such as ``1e999999999`` (finite,
but no numeric column or comparison survives it), a list of 70,000 ids (asyncpg accepts at
most 32,767 query parameters). Left to the resolvers, each of these surfaced as
INTERNAL_SERVER_ERROR from somewhere deep in a repository.

``InputGuard`` is a schema extension (``common.graphql_app.schema_extensions`` adds it to every
subgraph) that walks the coerced arguments of each field that has any, and raises
``BadUserInput`` naming the argument path (``input.title``, ``filter.types``), so the rule is
kept in one place, not per field. Bookings, messaging and any later subgraph get it for free.

``check_value`` is the same walk for code that receives values another way (event payloads,
uploaded form fields).
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from decimal import Decimal
from enum import Enum
from typing import Any

from graphql import (
    GraphQLObjectType,
    GraphQLResolveInfo,
    GraphQLSchema,
    default_field_resolver,
)
from strawberry.extensions import SchemaExtension

from common.errors import BadUserInput

# Longest list argument accepted. Far below asyncpg's 32,767 parameters per statement, and far
# above any list a client legitimately sends (photo ids of one listing, a few enum values).
MAX_LIST_LENGTH = 1_000
# Longest string accepted anywhere (a description is capped far lower by its own rule); this
# only stops megabyte strings from reaching validation, logs and the database.
MAX_STRING_LENGTH = 100_000
# A Decimal's magnitude: at most this many digits before or after the point. Prices, areas and
# intervals fit comfortably; ``1e999999999`` and ``1e-999999999`` do not.
MAX_DECIMAL_EXPONENT = 30
MAX_DECIMAL_DIGITS = 40
# Fields the router itself calls with whatever a plan collected (entity batches can be long).
_UNBOUNDED_LISTS = frozenset({"_entities"})


def _string_problem(value: str) -> str | None:
    if "\x00" in value:
        return "must not contain NUL characters"
    if len(value) > MAX_STRING_LENGTH:
        return f"is longer than {MAX_STRING_LENGTH} characters"
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        return "is not valid Unicode text"
    return None


def _decimal_problem(value: Decimal) -> str | None:
    if not value.is_finite():
        return "must be a finite number"
    if value.is_zero():
        return None
    sign, digits, exponent = value.as_tuple()
    assert isinstance(exponent, int)  # finite decimals have an int exponent
    if abs(value.adjusted()) > MAX_DECIMAL_EXPONENT or exponent < -MAX_DECIMAL_EXPONENT:
        return "is out of range"
    if len(digits) > MAX_DECIMAL_DIGITS:
        return f"has more than {MAX_DECIMAL_DIGITS} digits"
    return None


def _join(path: str, name: str) -> str:
    return f"{path}.{name}" if path else name


def check_value(value: Any, field: str, *, bound_lists: bool = True) -> None:
    """Raise BAD_USER_INPUT naming ``field`` (or the path below it) for a value no store takes.

    Walks mappings (input objects as GraphQL coerced them, with GraphQL field names), lists,
    strings, decimals and ints; anything else (enums, uploads, dates) is left alone.
    """
    if isinstance(value, str):
        problem = _string_problem(value)
    elif isinstance(value, bool | Enum) or value is None:
        return
    elif isinstance(value, Decimal):
        problem = _decimal_problem(value)
    elif isinstance(value, int):
        problem = "is out of range" if abs(value) >= 2**63 else None
    elif isinstance(value, float):
        problem = None if value == value and abs(value) != float("inf") else "must be finite"
    elif isinstance(value, Mapping):
        for key, item in value.items():
            check_value(item, _join(field, str(key)), bound_lists=bound_lists)
        return
    elif isinstance(value, list | tuple):
        if bound_lists and len(value) > MAX_LIST_LENGTH:
            raise BadUserInput(
                f"{field} has more than {MAX_LIST_LENGTH} items.",
                field=field,
                maxItems=MAX_LIST_LENGTH,
            )
        for item in value:
            check_value(item, field, bound_lists=bound_lists)
        return
    else:
        return
    if problem is not None:
        raise BadUserInput(f"{field} {problem}.", field=field)


def check_arguments(field_name: str, arguments: Mapping[str, Any]) -> None:
    """Check every argument of one field call (``arguments`` as graphql-core coerced them)."""
    bound_lists = field_name not in _UNBOUNDED_LISTS
    for name, value in arguments.items():
        check_value(value, name, bound_lists=bound_lists)


def _guarded(resolve: Any) -> Any:
    def guarded(root: Any, info: GraphQLResolveInfo, *args: Any, **kwargs: Any) -> Any:
        if kwargs:
            check_arguments(info.field_name, kwargs)
        return resolve(root, info, *args, **kwargs)

    guarded.__realio_guarded__ = True  # type: ignore[attr-defined]
    return guarded


def guard_schema(schema: GraphQLSchema) -> None:
    """Wrap the resolver of every field that takes arguments with the check (once per schema).

    Fields without arguments (most of them) keep their resolvers untouched: a per-field
    middleware would wrap every resolver of every request.
    """
    if getattr(schema, "_realio_input_guard", False):
        return
    for named in schema.type_map.values():
        if not isinstance(named, GraphQLObjectType) or named.name.startswith("__"):
            continue
        for field in named.fields.values():
            if field.args and not getattr(field.resolve, "__realio_guarded__", False):
                field.resolve = _guarded(field.resolve or default_field_resolver)
    schema._realio_input_guard = True  # type: ignore[attr-defined]


class InputGuard(SchemaExtension):
    """Refuses, per field call, argument values no store can take (see the module docstring).

    The check runs in the resolver of each field that has arguments: the first operation a
    schema runs wraps those resolvers (:func:`guard_schema`), so no per-field middleware runs.
    """

    def on_operation(self) -> Iterator[None]:
        guard_schema(self.execution_context.schema._schema)
        yield
