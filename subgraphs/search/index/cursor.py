"""Search cursors: the sort a page was read with plus the last hit's sort key and id.

Both adapters page by keyset (``search_after`` in Elasticsearch), so a listing indexed while a
client pages never shifts or repeats results the way an offset would. The encoding is the
shared one of ``common.pagination``.
"""

from __future__ import annotations

from common import pagination
from common.errors import BadUserInput
from subgraphs.search.service.query import SearchSort


def encode_cursor(sort: SearchSort, key: tuple[object, ...]) -> str:
    return pagination.encode_cursor([sort.value, *key])


def decode_cursor(cursor: str, sort: SearchSort) -> tuple[object, ...]:
    """The sort key inside ``cursor``; BAD_USER_INPUT when it is malformed or of another sort."""
    values = pagination.decode_cursor(cursor, arity=3, field="after")
    assert values is not None
    if values[0] != sort.value:
        raise BadUserInput("This cursor belongs to another sort order.", field="after")
    return tuple(values[1:])
