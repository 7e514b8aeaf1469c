"""The search subgraph's GraphQL schema: parse arguments, call the service, map the result."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from typing import Any

import strawberry

from common.errors import BadUserInput
from common.pagination import DEFAULT_PAGE_SIZE, PageInfo
from subgraphs.search.schema_types import (
    Info,
    SavedSearch,
    SearchConnection,
    SearchEdge,
    SearchFilterInput,
    SearchSortEnum,
    facet_request,
    property_ref,
)
from subgraphs.search.selection import selected_names
from subgraphs.search.service.query import SearchFilter


def _parse_id(value: strawberry.ID, field: str) -> uuid.UUID:
    try:
        return uuid.UUID(str(value))
    except ValueError as exc:
        raise BadUserInput("Not a valid id.", field=field) from exc


@strawberry.type
class Query:
    @strawberry.field(
        description="Find listings: full text, filters, geography, sorting, facets and pages."
    )
    async def search(
        self,
        info: Info,
        filter: SearchFilterInput | None = None,
        sort: SearchSortEnum = SearchSortEnum.RELEVANCE,
        first: int = DEFAULT_PAGE_SIZE,
        after: str | None = None,
    ) -> SearchConnection | None:
        context = info.context
        service = context.services.search
        query = service.prepare(
            context.viewer,
            filter.to_domain() if filter is not None else SearchFilter(),
            sort.to_domain(),
            first,
            after,
            with_total="totalCount" in selected_names(info.selected_fields),
            facets=facet_request(info.selected_fields),
        )
        page = await service.search(query)
        edges = [
            SearchEdge(node=property_ref(hit.id), cursor=hit.cursor, distance_km=hit.distance_km)
            for hit in page.hits
        ]
        return SearchConnection(
            edges=edges,
            page_info=PageInfo(
                has_next_page=page.has_next_page,
                has_previous_page=after is not None,
                start_cursor=edges[0].cursor if edges else None,
                end_cursor=edges[-1].cursor if edges else None,
            ),
            query=query,
            page=page,
        )

    @strawberry.field(description="The signed-in user's saved searches, newest first.")
    async def saved_searches(self, info: Info) -> list[SavedSearch] | None:
        context = info.context
        records = await context.services.saved_searches.list_own(context.viewer)
        return [SavedSearch.from_domain(r) for r in records]


@strawberry.type
class Mutation:
    @strawberry.mutation(
        description="Save a filter; new listings and price drops matching it will notify you."
    )
    async def save_search(self, info: Info, name: str, filter: SearchFilterInput) -> SavedSearch:
        context = info.context
        record = await context.services.saved_searches.save(
            context.viewer, name, filter.to_domain()
        )
        return SavedSearch.from_domain(record)

    @strawberry.mutation(description="Delete one of your saved searches; returns its id.")
    async def delete_saved_search(self, info: Info, id: strawberry.ID) -> strawberry.ID:
        context = info.context
        deleted = await context.services.saved_searches.delete(context.viewer, _parse_id(id, "id"))
        return strawberry.ID(str(deleted))


def build_schema(extensions: Sequence[Any] = ()) -> strawberry.federation.Schema:
    """The search schema; the composition root passes the metrics and error extensions."""
    return strawberry.federation.Schema(
        query=Query,
        mutation=Mutation,
        extensions=list(extensions),
    )


# The schema as printed to schema/search.graphql (extensions do not change the SDL).
schema = build_schema()
