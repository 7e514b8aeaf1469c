"""Parsed and validated documents, kept per schema and keyed by the query text.

A subgraph receives the same few documents over and over: the router plans each client
operation once and sends the same text for it every time, and clients send the same text
for the same screen. Parsing and validating a 20-field document cost more CPU than running it
(about 2 ms of a 4 ms ``property(id)``), so :class:`DocumentCache` keeps the last
``maxsize`` documents that parsed, and remembers which of them passed validation (including
``OperationShapeGuard``, which runs in the validation step too): a cached valid document skips
both steps. Documents that failed validation are not remembered as such; they are validated
again each time (their errors are mutated by the error extension, so they are never shared).

Graphql-core never mutates a ``DocumentNode``, so one node serves concurrent requests.
Texts longer than ``max_query_length`` are never kept, so the cache's memory stays bounded
whatever clients send.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Iterator
from dataclasses import dataclass

from graphql import DocumentNode
from strawberry.extensions import SchemaExtension

DEFAULT_MAXSIZE = 512
DEFAULT_MAX_QUERY_LENGTH = 50_000


@dataclass(slots=True)
class _Entry:
    document: DocumentNode
    valid: bool = False


class DocumentCache:
    """An LRU of query text → parsed document (and whether it validated) for one schema."""

    def __init__(
        self, maxsize: int = DEFAULT_MAXSIZE, max_query_length: int = DEFAULT_MAX_QUERY_LENGTH
    ) -> None:
        self.maxsize = maxsize
        self.max_query_length = max_query_length
        self._entries: OrderedDict[str, _Entry] = OrderedDict()

    def __len__(self) -> int:
        return len(self._entries)

    def get(self, query: str) -> _Entry | None:
        entry = self._entries.get(query)
        if entry is not None:
            self._entries.move_to_end(query)
        return entry

    def put(self, query: str, document: DocumentNode) -> None:
        if len(query) > self.max_query_length:
            return
        self._entries[query] = _Entry(document)
        self._entries.move_to_end(query)
        while len(self._entries) > self.maxsize:
            self._entries.popitem(last=False)

    def mark_valid(self, query: str, document: DocumentNode) -> None:
        entry = self._entries.get(query)
        if entry is not None and entry.document is document:
            entry.valid = True

    def extension(self) -> type[SchemaExtension]:
        """A Strawberry extension class using this cache; list it before other validators."""
        cache = self

        class DocumentCacheExtension(SchemaExtension):
            def on_parse(self) -> Iterator[None]:
                context = self.execution_context
                query = context.query
                entry = cache.get(query) if query and context.graphql_document is None else None
                if entry is not None:
                    # Strawberry parses only when no document is set yet.
                    context.graphql_document = entry.document
                yield
                if entry is None and query and context.graphql_document is not None:
                    cache.put(query, context.graphql_document)

            def on_validate(self) -> Iterator[None]:
                context = self.execution_context
                query = context.query
                document = context.graphql_document
                entry = cache.get(query) if query else None
                known_valid = (
                    entry is not None
                    and entry.valid
                    and entry.document is document
                    and context.pre_execution_errors is None
                )
                if known_valid:
                    # An empty error list: Strawberry and the shape guard skip validation.
                    context.pre_execution_errors = []
                yield
                if (
                    not known_valid
                    and query
                    and document is not None
                    and context.pre_execution_errors is not None
                    and not context.pre_execution_errors
                ):
                    cache.mark_valid(query, document)

        return DocumentCacheExtension
