"""The search use case: check the input, apply who may see what, ask the index."""

from __future__ import annotations

from dataclasses import replace
from decimal import Decimal

from common.analytics import SEARCH, Analytics, NoAnalytics
from common.auth.viewer import Viewer
from subgraphs.search.index.cursor import decode_cursor
from subgraphs.search.index.port import SearchIndex
from subgraphs.search.service.query import (
    ALL_FACETS,
    Facet,
    FacetRequest,
    Facets,
    ListingStatus,
    SearchFilter,
    SearchPage,
    SearchQuery,
    SearchSort,
)
from subgraphs.search.service.validation import (
    validate_filter,
    validate_page,
    validate_price_interval,
    validate_sort,
)

DEFAULT_PRICE_INTERVAL = Decimal(100_000)


def visible_filter(search_filter: SearchFilter, viewer: Viewer) -> tuple[SearchFilter, bool]:
    """The filter narrowed to what ``viewer`` may see, and whether anything is left to see.

    Off-market listings are private to their owner and admins; search serves the public
    market, so only admins find them here.
    """
    if viewer.is_admin or ListingStatus.OFF_MARKET.value not in search_filter.statuses:
        return search_filter, True
    statuses = tuple(s for s in search_filter.statuses if s != ListingStatus.OFF_MARKET.value)
    return replace(search_filter, statuses=statuses), bool(statuses)


class SearchService:
    def __init__(self, index: SearchIndex, analytics: Analytics | None = None) -> None:
        self.index = index
        self.analytics = analytics or NoAnalytics()

    def prepare(
        self,
        viewer: Viewer,
        search_filter: SearchFilter,
        sort: SearchSort,
        first: int,
        after: str | None,
        *,
        with_total: bool = False,
        facets: FacetRequest | None = None,
    ) -> SearchQuery:
        """A validated query; BAD_USER_INPUT naming the argument for anything out of range."""
        validate_page(first)
        validate_filter(search_filter)
        validate_sort(sort, search_filter)
        key = decode_cursor(after, sort) if after is not None else None
        narrowed, anything = visible_filter(search_filter, viewer)
        self.analytics.track(viewer, SEARCH, {"search_term": (search_filter.text or "").strip()})
        return SearchQuery(
            filter=narrowed,
            sort=sort,
            first=first,
            after=key,
            ids=None if anything else (),
            with_total=with_total,
            facets=facets,
        )

    async def search(self, query: SearchQuery) -> SearchPage:
        return await self.index.search(query)

    async def count(self, query: SearchQuery, page: SearchPage | None = None) -> int:
        """The number of matches: counted with the page when it was asked for, else now."""
        if page is not None and page.total is not None:
            return page.total
        return await self.index.count(query)

    async def facets(
        self,
        query: SearchQuery,
        price_interval: Decimal,
        requested: frozenset[Facet] = ALL_FACETS,
        page: SearchPage | None = None,
    ) -> Facets:
        """The ``requested`` facets; the index is not asked at all when none are.

        When the index already computed exactly these facets with ``page``, they are reused.
        """
        validate_price_interval(price_interval)
        if not requested:
            return Facets()
        if (
            page is not None
            and page.facets is not None
            and query.facets == FacetRequest(price_interval, requested)
        ):
            return page.facets
        return await self.index.facets(query, price_interval, requested)
