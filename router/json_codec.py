"""JSON in and out of the router, whatever numbers a client sends.

orjson is fast but refuses three things valid JSON and GraphQL can carry: numbers beyond a
double when reading (``1e400``, a 400-digit integer), lone surrogate escapes (``"\\ud800"``:
valid JSON text, though not Unicode) when reading and writing, and integers beyond 64 bits when
writing (an ``ID`` variable sent as a huge number). Each used to end a request as
INTERNAL_SERVER_ERROR or "not valid JSON" (HTTP 400). Here they are handled on the slow path
only: reading falls back to the standard library when orjson refuses the text (orjson itself
reads integers beyond 64 bits as doubles); the request then meets GraphQL's own coercion, which
refuses an out-of-range ``Int`` or ``Float`` as BAD_USER_INPUT, and the subgraphs' one input
gate (``common.input_guard``), which refuses a lone surrogate as BAD_USER_INPUT naming the
argument, as it does a NUL byte. Writing turns integers beyond 64 bits into their decimal
strings (exact, and what an ``ID`` is on the wire anyway) and lone surrogates into ``\\uXXXX``
escapes, so a value is forwarded to the subgraph that judges it exactly as the client sent it.
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
            # Numbers orjson cannot hold and lone surrogate escapes get here; Python's ints are
            # exact (up to the interpreter's 4,300-digit conversion limit, past which this
            # refuses too).
            return json.loads(data, parse_constant=_refuse_constant)
        except (ValueError, RecursionError):
            pass
        raise


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

    ``default`` is orjson's hook for other types (the fetcher's file uploads). Strings with lone
    surrogates (which orjson refuses) are written as ``\\uXXXX`` escapes by the standard library;
    ``option`` is then not applied (no caller passes one with such text).
    """
    try:
        return orjson.dumps(value, default=default, option=option)
    except TypeError:
        plain = _big_ints_as_strings(value)
        try:
            return orjson.dumps(plain, default=default, option=option)
        except TypeError:
            text = json.dumps(plain, default=default, ensure_ascii=True, separators=(",", ":"))
            return text.encode("ascii")
