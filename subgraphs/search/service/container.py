"""The services resolvers reach through the request context: ``SearchServices``."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from common.analytics import Analytics
from subgraphs.search.index.port import SearchIndex
from subgraphs.search.service.indexing import IndexingService
from subgraphs.search.service.saved_searches import SavedSearchService
from subgraphs.search.service.searching import SearchService


@dataclass(frozen=True)
class SearchServices:
    search: SearchService
    saved_searches: SavedSearchService
    indexing: IndexingService


def build_services(
    index: SearchIndex,
    sessions: async_sessionmaker[AsyncSession],
    analytics: Analytics | None = None,
) -> SearchServices:
    return SearchServices(
        search=SearchService(index, analytics),
        saved_searches=SavedSearchService(sessions),
        indexing=IndexingService(index),
    )
