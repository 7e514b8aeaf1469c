"""The search index port: what the service needs from an index, whatever stores it.

Writes take the caller's database session: the Postgres adapter writes in it, so an event's
effect commits atomically with the consumer's record of having processed it; an adapter on
another store ignores it and relies on external versions for idempotency instead.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from decimal import Decimal
from typing import Protocol

from sqlalchemy.ext.asyncio import AsyncSession

from subgraphs.search.service.query import (
    ALL_FACETS,
    Facet,
    Facets,
    IndexedVersion,
    ListingDocument,
    SearchFilter,
    SearchPage,
    SearchQuery,
    UpsertOutcome,
)


class SearchIndex(Protocol):
    name: str

    async def upsert(self, session: AsyncSession, document: ListingDocument) -> UpsertOutcome:
        """Index ``document`` unless the index holds a newer version or a tombstone."""
        ...

    async def delete(self, session: AsyncSession, listing_id: uuid.UUID, version: int) -> bool:
        """Remove a listing and leave a tombstone; True when a live listing was removed."""
        ...

    async def search(self, query: SearchQuery) -> SearchPage:
        """One page of listing ids in the query's order."""
        ...

    async def count(self, query: SearchQuery) -> int:
        """How many listings match the query's filter."""
        ...

    async def facets(
        self,
        query: SearchQuery,
        price_interval: Decimal,
        requested: frozenset[Facet] = ALL_FACETS,
    ) -> Facets:
        """The ``requested`` facets over the filtered set; the others come back empty.

        Counts by type, status and bedrooms, and a price histogram. Nothing requested means
        no query at all.
        """
        ...

    async def matches(
        self, session: AsyncSession, search_filter: SearchFilter, listing_id: uuid.UUID
    ) -> bool:
        """Whether one listing (as written in ``session``) matches a filter."""
        ...

    async def indexed_versions(self) -> Mapping[uuid.UUID, IndexedVersion]:
        """Every listing id the index knows, live or tombstoned, with its version."""
        ...
