"""Relay-style connections: opaque cursors, ``PageInfo``, and a checked page size.

Repositories page by keyset (``WHERE (a, b) < (:a, :b) ORDER BY a DESC, b DESC``) and put the
sort key of each row in its cursor; clients treat cursors as opaque strings. ``first`` is
capped at ``MAX_PAGE_SIZE``; asking for more is BAD_USER_INPUT naming ``first``, never a
silently shorter page. The types are shareable, so every subgraph can return them.
"""

from __future__ import annotations

import base64
import binascii
from collections.abc import Awaitable, Callable, Sequence
from typing import Any, Generic, TypeVar

import orjson
import strawberry
import strawberry.federation as federation

from common.errors import BadUserInput

MAX_PAGE_SIZE = 100
DEFAULT_PAGE_SIZE = 20
_CURSOR_PREFIX = "c1:"

NodeT = TypeVar("NodeT")
ItemT = TypeVar("ItemT")


@federation.type(shareable=True, description="Where a page sits in its list.")
class PageInfo:
    has_next_page: bool
    has_previous_page: bool
    start_cursor: str | None
    end_cursor: str | None


@federation.type(shareable=True)
class Edge(Generic[NodeT]):
    node: NodeT
    cursor: str


@federation.type(shareable=True)
class Connection(Generic[NodeT]):
    edges: list[Edge[NodeT]]
    page_info: PageInfo
    # Counting costs a query of its own, so it runs only when a client asks for it.
    count_all: strawberry.Private[Callable[[], Awaitable[int]]]

    @strawberry.field(description="How many items the whole list holds (all pages).")
    async def total_count(self) -> int:
        return await self.count_all()


def check_first(
    first: int | None, *, field: str = "first", default: int = DEFAULT_PAGE_SIZE
) -> int:
    """The page size to use: ``default`` when None; BAD_USER_INPUT below 0 or over 100."""
    if first is None:
        return default
    if first < 0:
        raise BadUserInput(f"{field} must not be negative.", field=field)
    if first > MAX_PAGE_SIZE:
        raise BadUserInput(
            f"{field} must not exceed {MAX_PAGE_SIZE}.", field=field, max=MAX_PAGE_SIZE
        )
    return first


def encode_cursor(key: Sequence[Any]) -> str:
    """An opaque cursor holding a row's sort key (JSON-serialisable values)."""
    raw = orjson.dumps(list(key), default=str)
    return base64.urlsafe_b64encode(_CURSOR_PREFIX.encode() + raw).decode().rstrip("=")


def decode_cursor(cursor: str | None, *, arity: int, field: str = "after") -> list[Any] | None:
    """The sort key inside ``cursor`` (None when no cursor); BAD_USER_INPUT when malformed."""
    if cursor is None:
        return None
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        raw = base64.urlsafe_b64decode(padded.encode("ascii"))
        if not raw.startswith(_CURSOR_PREFIX.encode()):
            raise ValueError("unknown cursor version")
        key = orjson.loads(raw[len(_CURSOR_PREFIX) :])
    except (ValueError, UnicodeEncodeError, binascii.Error) as exc:
        raise BadUserInput(f"{field} is not a valid cursor.", field=field) from exc
    if not isinstance(key, list) or len(key) != arity:
        raise BadUserInput(f"{field} is not a valid cursor.", field=field)
    return key


def build_connection(
    items: Sequence[ItemT],
    *,
    has_next_page: bool,
    has_previous_page: bool,
    cursor_key: Callable[[ItemT], Sequence[Any]],
    to_node: Callable[[ItemT], NodeT],
    count_all: Callable[[], Awaitable[int]],
) -> Connection[NodeT]:
    """A connection over one page of ``items`` (already limited to the page size)."""
    edges = [Edge(node=to_node(item), cursor=encode_cursor(cursor_key(item))) for item in items]
    return Connection(
        edges=edges,
        page_info=PageInfo(
            has_next_page=has_next_page,
            has_previous_page=has_previous_page,
            start_cursor=edges[0].cursor if edges else None,
            end_cursor=edges[-1].cursor if edges else None,
        ),
        count_all=count_all,
    )
