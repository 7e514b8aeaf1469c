"""JSON in and out of the router, whatever numbers a client sends.

orjson is fast but refuses two things valid JSON and GraphQL can carry: numbers beyond a double
when reading (``1e400``, a 400-digit integer) and integers beyond 64 bits when writing (a cost
computed from ``first: 1267650600228229401496703205376`` in a limit error, an ``ID`` variable
sent as a huge number). Either used to end a request as INTERNAL_SERVER_ERROR or "not valid
JSON". Here both are handled on the slow path only: reading falls back to the standard library
when orjson refuses a number (orjson itself reads integers beyond 64 bits as doubles); either
way the request then meets GraphQL's own coercion, which refuses an out-of-range ``Int`` or
``Float`` as BAD_USER_INPUT. Writing turns integers beyond 64 bits into their decimal strings
(exact, and what an ``ID`` is on the wire anyway).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import orjson

JSONDecodeError = orjson.JSONDecodeError
_INT64 = range(-(2**63), 2**64)  # orjson writes signed and unsigned 64-bit integers


def _refuse_constant(name: str) -> Any:
    raise ValueError(f"{name} is not JSON")


def loads(data: bytes | str) -> Any:
    """Parse JSON; raises :data:`JSONDecodeError` (a ``ValueError``) when it is not JSON."""
    try:
        return orjson.loads(data)
    except orjson.JSONDecodeError:
        try:
            # Numbers orjson cannot hold get here; Python's ints are exact (up to the
            # interpreter's 4,300-digit conversion limit, past which this refuses too). Text
            # with lone surrogates stays refused, as orjson refuses it: it is not Unicode.
            value = json.loads(data, parse_constant=_refuse_constant)
            if _is_unicode(value):
                return value
        except (ValueError, RecursionError):
            pass
        raise


def _is_unicode(value: Any) -> bool:
    if isinstance(value, str):
        try:
            value.encode("utf-8")
        except UnicodeEncodeError:
            return False
        return True
    if isinstance(value, dict):
        return all(_is_unicode(k) and _is_unicode(v) for k, v in value.items())
    if isinstance(value, list):
        return all(_is_unicode(item) for item in value)
    return True


def _big_ints_as_strings(value: Any) -> Any:
    if isinstance(value, bool):
        return value
    if isinstance(value, int):
        return value if value in _INT64 else str(value)
    if isinstance(value, dict):
        return {key: _big_ints_as_strings(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [_big_ints_as_strings(item) for item in value]
    return value


def dumps(
    value: Any, option: int | None = None, default: Callable[[Any], Any] | None = None
) -> bytes:
    """Serialise ``value``; integers beyond 64 bits are written as their decimal strings.

    ``default`` is orjson's hook for other types (the fetcher's file uploads).
    """
    try:
        return orjson.dumps(value, default=default, option=option)
    except TypeError:
        return orjson.dumps(_big_ints_as_strings(value), default=default, option=option)
