"""The properties subgraph's GraphQL schema: parse arguments, call a service, map the result."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

import strawberry
import strawberry.federation as federation
from strawberry.file_uploads import Upload

from common.federation import Schema as BatchedEntitiesSchema
from common.graphql_app import schema_extensions
from common.idempotency import ARGUMENT_DESCRIPTION as IDEMPOTENCY_KEY_DESCRIPTION
from common.metrics import GraphQLMetrics
from common.pagination import Connection, build_connection, check_first, decode_cursor
from subgraphs.properties import records
from subgraphs.properties.inputs import CreatePropertyInput, PropertyFilter, UpdatePropertyInput
from subgraphs.properties.service.validation import parse_id
from subgraphs.properties.types import (
    PropertiesInfo,
    Property,
    ReconciliationEntry,
    User,
    listings_connection,
)


@strawberry.type
class Query:
    @strawberry.field(
        description="Listings, newest first. Buyers and visitors never see OFF_MARKET ones; "
        "owners also see their own, admins see all. `first` is at most 100."
    )
    async def properties(
        self,
        info: PropertiesInfo,
        filter: PropertyFilter | None = None,
        first: int | None = 20,
        after: str | None = None,
    ) -> Connection[Property] | None:
        listing_filter = filter.to_service() if filter is not None else records.ListingFilter()
        return await listings_connection(info, listing_filter, first, after)

    @strawberry.field(description="One listing; null with a NOT_FOUND error when unknown.")
    async def property(self, info: PropertiesInfo, id: strawberry.ID) -> Property | None:
        listing = await info.context.services.listings.get(info.context.viewer, parse_id(id, "id"))
        return Property.of(listing)

    @strawberry.field(
        description="Admins only. For search's reconciliation: every listing (any status) and "
        "every deleted listing (deleted = true), ordered by id, with its version and last "
        "change time. Page through with `after`; pass `updatedSince` to read only what changed "
        "since a previous run. A consumer should replace its copy of a listing when the "
        "version here is higher, and remove it when the entry is deleted."
    )
    async def properties_for_reconciliation(
        self,
        info: PropertiesInfo,
        first: int | None = 100,
        after: str | None = None,
        updated_since: datetime | None = None,
    ) -> Connection[ReconciliationEntry] | None:
        key = decode_cursor(after, arity=1)
        page = await info.context.services.reconciliation.page(
            info.context.viewer,
            first=check_first(first, default=100),
            after=None if key is None else parse_id(str(key[0]), "after"),
            updated_since=updated_since,
        )
        return build_connection(
            page.items,
            has_next_page=page.has_next_page,
            has_previous_page=page.has_previous_page,
            cursor_key=lambda entry: [str(entry.id)],
            to_node=ReconciliationEntry.of,
            count_all=info.context.services.reconciliation.count,
        )


@strawberry.type
class Mutation:
    @strawberry.mutation(description="Sellers, agents and admins; the viewer becomes the owner.")
    async def create_property(
        self,
        info: PropertiesInfo,
        input: CreatePropertyInput,
        idempotency_key: Annotated[
            str | None, strawberry.argument(description=IDEMPOTENCY_KEY_DESCRIPTION)
        ] = None,
    ) -> Property:
        listing = await info.context.services.listings.create(
            info.context.viewer, input.to_fields(), idempotency_key=idempotency_key
        )
        return Property.of(listing)

    @strawberry.mutation(
        description="Owner or admin. Changes only the fields given. With expectedVersion, "
        "refuses (CONFLICT) when the listing changed since that version."
    )
    async def update_property(
        self,
        info: PropertiesInfo,
        id: strawberry.ID,
        input: UpdatePropertyInput,
        expected_version: int | None = None,
    ) -> Property:
        listing = await info.context.services.listings.update(
            info.context.viewer,
            parse_id(id, "id"),
            input.to_fields(),
            expected_version=expected_version,
        )
        return Property.of(listing)

    @strawberry.mutation(description="Owner or admin. Returns the deleted listing's id.")
    async def delete_property(self, info: PropertiesInfo, id: strawberry.ID) -> strawberry.ID:
        deleted = await info.context.services.listings.delete(
            info.context.viewer, parse_id(id, "id")
        )
        return strawberry.ID(str(deleted))

    @strawberry.mutation(
        description="Owner or admin. JPEG, PNG or WebP within the size limit; appended last. "
        "The first photo becomes the cover."
    )
    async def upload_property_photo(
        self, info: PropertiesInfo, property_id: strawberry.ID, file: Upload
    ) -> Property:
        limit = info.context.services.photos.deps.max_photo_bytes
        # Read one byte past the limit: enough to refuse an oversized file without loading it.
        data = await file.read(limit + 1)  # type: ignore[attr-defined]
        listing = await info.context.services.photos.upload(
            info.context.viewer, parse_id(property_id, "propertyId"), data
        )
        return Property.of(listing)

    @strawberry.mutation(description="Owner or admin. The next photo becomes cover if needed.")
    async def delete_property_photo(
        self, info: PropertiesInfo, property_id: strawberry.ID, photo_id: strawberry.ID
    ) -> Property:
        listing = await info.context.services.photos.delete(
            info.context.viewer, parse_id(property_id, "propertyId"), parse_id(photo_id, "photoId")
        )
        return Property.of(listing)

    @strawberry.mutation(description="Owner or admin. photoIds lists every photo once.")
    async def reorder_property_photos(
        self, info: PropertiesInfo, property_id: strawberry.ID, photo_ids: list[strawberry.ID]
    ) -> Property:
        ids = [parse_id(p, "photoIds") for p in photo_ids]
        listing = await info.context.services.photos.reorder(
            info.context.viewer, parse_id(property_id, "propertyId"), ids
        )
        return Property.of(listing)

    @strawberry.mutation(description="Owner or admin.")
    async def set_cover_photo(
        self, info: PropertiesInfo, property_id: strawberry.ID, photo_id: strawberry.ID
    ) -> Property:
        listing = await info.context.services.photos.set_cover(
            info.context.viewer, parse_id(property_id, "propertyId"), parse_id(photo_id, "photoId")
        )
        return Property.of(listing)

    @strawberry.mutation(description="Signed-in users; favouriting twice changes nothing.")
    async def favorite_property(self, info: PropertiesInfo, id: strawberry.ID) -> Property:
        listing = await info.context.services.favorites.favorite(
            info.context.viewer, parse_id(id, "id")
        )
        return Property.of(listing)

    @strawberry.mutation(description="Signed-in users.")
    async def unfavorite_property(self, info: PropertiesInfo, id: strawberry.ID) -> Property:
        listing = await info.context.services.favorites.unfavorite(
            info.context.viewer, parse_id(id, "id")
        )
        return Property.of(listing)


def build_schema(metrics: GraphQLMetrics) -> federation.Schema:
    """The schema with the extensions of one application (its metrics registry)."""
    return BatchedEntitiesSchema(
        query=Query,
        mutation=Mutation,
        types=[User, Property],
        extensions=schema_extensions(metrics),
    )


# What ``python -m common.sdl_export`` prints; apps build their own with their metrics.
schema = build_schema(GraphQLMetrics("properties"))
