"""GraphQL types of the properties subgraph and their mapping from service records.

Thin on purpose: fields read the ``Listing`` record; anything needing the database goes
through a per-request DataLoader built from ``info.context.services``.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from datetime import datetime
from decimal import Decimal
from typing import Any

import strawberry
import strawberry.federation as federation
from strawberry.dataloader import DataLoader
from strawberry.types import Info

from common.context import RequestContext
from common.federation import representation_ids
from common.geocoding import map_url as directions_url
from common.money import Money, money
from common.pagination import Connection, build_connection, check_first, decode_cursor
from subgraphs.properties import records
from subgraphs.properties.service import PropertiesServices
from subgraphs.properties.service.favorites import favorite_cursor
from subgraphs.properties.service.listings import listing_cursor
from subgraphs.properties.service.validation import parse_id

Context = RequestContext[PropertiesServices]
PropertiesInfo = Info[Context, None]

PropertyType = strawberry.enum(records.PropertyType, name="PropertyType")
PropertyStatus = strawberry.enum(
    records.PropertyStatus,
    name="PropertyStatus",
    description="OFF_MARKET listings are visible only to their owner and admins.",
)


@strawberry.type(description="A photo of a listing; `position` orders them from 0.")
class PropertyPhoto:
    id: strawberry.ID
    key: str = strawberry.field(description="Storage key of the file.")
    url: str
    content_type: str
    width: int
    height: int
    size_bytes: int
    position: int
    is_cover: bool

    @classmethod
    def of(cls, photo: records.Photo) -> PropertyPhoto:
        return cls(
            id=strawberry.ID(str(photo.id)),
            key=photo.key,
            url=photo.url,
            content_type=photo.content_type,
            width=photo.width,
            height=photo.height,
            size_bytes=photo.size_bytes,
            position=photo.position,
            is_cover=photo.is_cover,
        )

    @classmethod
    def of_snapshot(cls, snapshot: Mapping[str, Any]) -> PropertyPhoto:
        """The photo of a ``Photo.snapshot()`` (or of the database's row of it, the same
        shape), without building the ``Photo``."""
        return cls(
            id=strawberry.ID(snapshot["id"]),
            key=snapshot["key"],
            url=snapshot["url"],
            content_type=snapshot["content_type"],
            width=snapshot["width"],
            height=snapshot["height"],
            size_bytes=snapshot["size_bytes"],
            position=snapshot["position"],
            is_cover=snapshot["is_cover"],
        )


def listing_loader(info: PropertiesInfo) -> DataLoader[uuid.UUID, records.Listing | None]:
    """The request's loader of listings by id: one SQL statement per batch."""
    context = info.context

    def build() -> DataLoader[uuid.UUID, records.Listing | None]:
        async def load(ids: list[uuid.UUID]) -> list[records.Listing | None]:
            return await context.services.listings.load_many(context.viewer, ids)

        return DataLoader(load_fn=load)

    return context.loader("listings", build)


def favorite_loader(info: PropertiesInfo) -> DataLoader[uuid.UUID, bool]:
    context = info.context

    def build() -> DataLoader[uuid.UUID, bool]:
        async def load(ids: list[uuid.UUID]) -> list[bool]:
            return await context.services.favorites.is_favorite_of(context.viewer, ids)

        return DataLoader(load_fn=load)

    return context.loader("favorites", build)


def _photos_of(root: Property) -> list[PropertyPhoto]:
    return [PropertyPhoto.of(p) for p in root.listing.photos]


@federation.type(keys=["id"], description="A listing: a property offered for sale or rent.")
class Property:
    id: strawberry.ID
    title: str
    description: str
    price: Money
    type: PropertyType  # type: ignore[valid-type]
    address: str = strawberry.field(description="Street address with city and state.")
    zip_code: str
    bedrooms: int = strawberry.field(description="Number of bedrooms (no_of_bed_rooms).")
    bathrooms: int = strawberry.field(description="Number of bathrooms (no_of_bath_rooms).")
    toilets: int = strawberry.field(description="Number of toilets (no_of_toilets).")
    latitude: float
    longitude: float
    status: PropertyStatus  # type: ignore[valid-type]
    floor_area: Decimal | None = strawberry.field(description="Floor area in square metres.")
    created_at: datetime
    updated_at: datetime
    version: int = strawberry.field(
        description="Grows by one with every change; pass it to updateProperty as "
        "expectedVersion to refuse overwriting someone else's change."
    )
    # Built only when selected: a fetch of 50 listings for search hits asks for the cover only.
    photos: list[PropertyPhoto] = strawberry.field(
        resolver=_photos_of, description="In display order."
    )
    cover_photo: PropertyPhoto | None
    listing: strawberry.Private[records.Listing]

    @strawberry.field(description="The user who listed it (resolved by the users subgraph).")
    def owner(self) -> User | None:  # nullable: users resolves it, and may be down
        return User(id=strawberry.ID(str(self.listing.owner_id)))

    @strawberry.field(description="A Google Maps link with directions to the property.")
    def map_url(self) -> str:
        return directions_url(self.latitude, self.longitude)

    @strawberry.field(description="Whether the signed-in viewer marked it as a favourite.")
    async def is_favorite(self, info: PropertiesInfo) -> bool:
        return await favorite_loader(info).load(self.listing.id)

    @classmethod
    def of(cls, listing: records.Listing) -> Property:
        cover = listing.cover_photo_snapshot()
        return cls(
            id=strawberry.ID(str(listing.id)),
            title=listing.title,
            description=listing.description,
            price=money(listing.price, listing.currency),
            type=listing.type,
            address=listing.address,
            zip_code=listing.zip_code,
            bedrooms=listing.no_of_bed_rooms,
            bathrooms=listing.no_of_bath_rooms,
            toilets=listing.no_of_toilets,
            latitude=listing.latitude,
            longitude=listing.longitude,
            status=listing.status,
            floor_area=listing.floor_area,
            created_at=listing.created_at,
            updated_at=listing.updated_at,
            version=listing.version,
            cover_photo=None if cover is None else PropertyPhoto.of_snapshot(cover),
            listing=listing,
        )

    @classmethod
    async def resolve_reference(cls, info: PropertiesInfo, id: strawberry.ID) -> Property | None:
        """Batched: every representation of one ``_entities`` request shares one query."""
        try:
            property_id = uuid.UUID(str(id))
        except ValueError:
            return None
        listing = await listing_loader(info).load(property_id)
        return None if listing is None else cls.of(listing)

    @classmethod
    async def resolve_references(
        cls, info: PropertiesInfo, representations: list[dict[str, object]]
    ) -> list[Property | None]:
        """Every representation of one ``_entities`` call at once (common.federation): one
        query, no per-entity futures. Unknown, hidden or malformed ids resolve to None."""
        ids = representation_ids(representations)
        wanted = list(dict.fromkeys(i for i in ids if i is not None))
        context = info.context
        found = await context.services.listings.load_many(context.viewer, wanted) if wanted else []
        by_id = {listing.id: cls.of(listing) for listing in found if listing is not None}
        return [None if i is None else by_id.get(i) for i in ids]


async def listings_connection(
    info: PropertiesInfo,
    listing_filter: records.ListingFilter,
    first: int | None,
    after: str | None,
) -> Connection[Property]:
    """A page of the listings the viewer may see that match ``listing_filter``, newest first.

    ``Query.properties`` and ``User.listings`` both answer with it.
    """
    page, count_all = await info.context.services.listings.page(
        info.context.viewer,
        listing_filter,
        first=check_first(first),
        after=decode_cursor(after, arity=2),
    )
    return build_connection(
        page.items,
        has_next_page=page.has_next_page,
        has_previous_page=page.has_previous_page,
        cursor_key=listing_cursor,
        to_node=Property.of,
        count_all=count_all,
    )


@strawberry.type(
    description="One listing's id and version, or a deleted listing's tombstone "
    "(deleted = true, property = null), for search's reconciliation."
)
class ReconciliationEntry:
    id: strawberry.ID
    version: int
    updated_at: datetime = strawberry.field(description="Last change, or the deletion time.")
    deleted: bool
    property: Property | None

    @classmethod
    def of(cls, entry: records.ReconciliationEntry) -> ReconciliationEntry:
        return cls(
            id=strawberry.ID(str(entry.id)),
            version=entry.version,
            updated_at=entry.updated_at,
            deleted=entry.deleted,
            property=None if entry.listing is None else Property.of(entry.listing),
        )


@federation.type(keys=["id"], description="A user; the users subgraph owns every other field.")
class User:
    id: strawberry.ID

    @strawberry.field(
        description="The user's listings, newest first. OFF_MARKET ones are included only "
        "for the user themself and admins."
    )
    async def listings(
        self, info: PropertiesInfo, first: int | None = 20, after: str | None = None
    ) -> Connection[Property] | None:
        owner_filter = records.ListingFilter(owner_id=parse_id(self.id, "id"))
        return await listings_connection(info, owner_filter, first, after)

    @strawberry.field(
        description="Listings the user marked as favourites, most recent first. Only the user "
        "themself and admins may read it (FORBIDDEN otherwise)."
    )
    async def favorites(
        self, info: PropertiesInfo, first: int | None = 20, after: str | None = None
    ) -> Connection[Property] | None:
        page, count_all = await info.context.services.favorites.page(
            info.context.viewer,
            parse_id(self.id, "id"),
            first=check_first(first),
            after=decode_cursor(after, arity=2),
        )
        return build_connection(
            page.items,
            has_next_page=page.has_next_page,
            has_previous_page=page.has_previous_page,
            cursor_key=favorite_cursor,
            to_node=lambda item: Property.of(item[1]),
            count_all=count_all,
        )

    @classmethod
    def resolve_reference(cls, id: strawberry.ID) -> User:
        return cls(id=id)
