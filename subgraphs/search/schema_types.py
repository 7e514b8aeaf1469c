"""GraphQL types of the search subgraph and their mapping to and from service records."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import datetime
from decimal import Decimal, InvalidOperation
from enum import Enum
from typing import TYPE_CHECKING, Annotated, Any

import strawberry
from strawberry.federation.schema_directives import Key
from strawberry.federation.types import FieldSet

from common.context import RequestContext
from common.pagination import PageInfo
from subgraphs.search.selection import selected_children, selected_names
from subgraphs.search.service.container import SearchServices
from subgraphs.search.service.query import (
    BoundingBox as BoundingBoxRecord,
)
from subgraphs.search.service.query import (
    Facet,
    FacetRequest,
    SearchFilter,
    SearchPage,
    SearchQuery,
    SearchSort,
)
from subgraphs.search.service.query import (
    GeoRadius as GeoRadiusRecord,
)
from subgraphs.search.service.saved_searches import SavedSearch as SavedSearchRecord
from subgraphs.search.service.searching import DEFAULT_PRICE_INTERVAL

if TYPE_CHECKING:
    Info = strawberry.Info[RequestContext[SearchServices], None]
else:
    Info = strawberry.Info


# The same names and values as the properties subgraph's enums, so composition merges them.
@strawberry.enum(name="PropertyType", description="What kind of property a listing is.")
class PropertyTypeEnum(Enum):
    HOUSE = "house"
    APARTMENT = "apartment"
    CONDO = "condo"
    TOWNHOUSE = "townhouse"
    MULTI_FAMILY = "multi_family"
    LAND = "land"
    COMMERCIAL = "commercial"


@strawberry.enum(name="PropertyStatus", description="Where a listing is in its life.")
class PropertyStatusEnum(Enum):
    AVAILABLE = "available"
    PENDING = "pending"
    SOLD = "sold"
    RENTED = "rented"
    OFF_MARKET = "off_market"


@strawberry.enum(name="SearchSort", description="The order of search results.")
class SearchSortEnum(Enum):
    RELEVANCE = "relevance"
    PRICE_ASC = "price_asc"
    PRICE_DESC = "price_desc"
    NEWEST = "newest"
    DISTANCE = "distance"

    def to_domain(self) -> SearchSort:
        return SearchSort(self.value)


@strawberry.input(description="A point and a radius around it.")
class GeoRadiusInput:
    latitude: float
    longitude: float
    radius_km: float = strawberry.field(description="Above 0 and at most 500.")


@strawberry.input(description="A box on the map; minLongitude > maxLongitude crosses 180°.")
class BoundingBoxInput:
    min_latitude: float
    min_longitude: float
    max_latitude: float
    max_longitude: float


@strawberry.input(description="What to search for; every given condition must hold.")
class SearchFilterInput:
    text: str | None = strawberry.field(
        default=None, description="Words in the title, description or address (web syntax)."
    )
    types: list[PropertyTypeEnum] | None = None
    statuses: list[PropertyStatusEnum] | None = strawberry.field(
        default=None, description="Defaults to every status except OFF_MARKET."
    )
    price_min: Decimal | None = None
    price_max: Decimal | None = None
    min_bedrooms: int | None = None
    min_bathrooms: int | None = None
    min_toilets: int | None = None
    zip_code: str | None = None
    near: GeoRadiusInput | None = None
    within: BoundingBoxInput | None = None

    def to_domain(self) -> SearchFilter:
        near = self.near
        box = self.within
        return SearchFilter(
            text=self.text,
            types=tuple(t.value for t in self.types or ()),
            statuses=tuple(s.value for s in self.statuses or ()),
            price_min=self.price_min,
            price_max=self.price_max,
            min_bedrooms=self.min_bedrooms,
            min_bathrooms=self.min_bathrooms,
            min_toilets=self.min_toilets,
            zip_code=self.zip_code,
            near=None
            if near is None
            else GeoRadiusRecord(near.latitude, near.longitude, near.radius_km),
            within=None
            if box is None
            else BoundingBoxRecord(
                box.min_latitude, box.min_longitude, box.max_latitude, box.max_longitude
            ),
        )


@strawberry.federation.type(keys=[Key(fields=FieldSet("id"), resolvable=False)])
class Property:
    """A listing, resolved by the properties subgraph: ask for any of its fields."""

    id: strawberry.ID


@strawberry.type
class SearchEdge:
    # Nullable: a listing deleted moments ago is still in the index until its event is
    # applied; properties then resolves it to null, and only this edge's node goes null.
    node: Property | None
    cursor: str
    distance_km: float | None = strawberry.field(
        description="Distance from filter.near, in kilometres (null without a point)."
    )


@strawberry.type
class PropertyTypeCount:
    type: PropertyTypeEnum
    count: int


@strawberry.type
class PropertyStatusCount:
    status: PropertyStatusEnum
    count: int


@strawberry.type
class BedroomCount:
    bedrooms: int
    count: int


@strawberry.type(description="Listings priced in [min, max).")
class PriceBucket:
    min: Decimal
    max: Decimal
    count: int


@strawberry.type(description="Counts over every listing that matches the filter (all pages).")
class SearchFacets:
    types: list[PropertyTypeCount]
    statuses: list[PropertyStatusCount]
    price_histogram: list[PriceBucket] = strawberry.field(
        description="Non-empty buckets, lowest first (at most 200)."
    )
    bedrooms: list[BedroomCount]


@strawberry.type
class SearchConnection:
    edges: list[SearchEdge]
    page_info: PageInfo
    query: strawberry.Private[SearchQuery]
    page: strawberry.Private[SearchPage]

    @strawberry.field(description="How many listings match the filter (all pages).")
    async def total_count(self, info: Info) -> int:
        return await info.context.services.search.count(self.query, self.page)

    @strawberry.field(description="Counts by type, status, bedrooms and a price histogram.")
    async def facets(
        self,
        info: Info,
        price_interval: Annotated[
            Decimal, strawberry.argument(description="Width of each price bucket.")
        ] = DEFAULT_PRICE_INTERVAL,
    ) -> SearchFacets:
        requested = frozenset(
            _FACET_FIELDS[name]
            for name in selected_names(info.selected_fields)
            if name in _FACET_FIELDS
        )
        facets = await info.context.services.search.facets(
            self.query, price_interval, requested, self.page
        )
        return SearchFacets(
            types=[
                PropertyTypeCount(type=PropertyTypeEnum(f.value), count=f.count)
                for f in facets.types
                if f.value in _TYPE_VALUES
            ],
            statuses=[
                PropertyStatusCount(status=PropertyStatusEnum(f.value), count=f.count)
                for f in facets.statuses
                if f.value in _STATUS_VALUES
            ],
            price_histogram=[
                PriceBucket(min=b.min, max=b.max, count=b.count) for b in facets.price_histogram
            ],
            bedrooms=[BedroomCount(bedrooms=int(f.value), count=f.count) for f in facets.bedrooms],
        )


# SearchFacets' GraphQL field names → the facet each one needs computed.
_FACET_FIELDS = {
    "types": Facet.TYPES,
    "statuses": Facet.STATUSES,
    "priceHistogram": Facet.PRICE_HISTOGRAM,
    "bedrooms": Facet.BEDROOMS,
}
_TYPE_VALUES = {t.value for t in PropertyTypeEnum}


def facet_request(search_fields: Sequence[Any]) -> FacetRequest | None:
    """The facets a search selected, so the index can compute them with the page.

    None (the facets resolver then asks the index itself, and reports bad input) unless
    ``facets`` is selected once with at least one facet and a valid ``priceInterval``.
    """
    selections = selected_children(search_fields, "facets")
    if len(selections) != 1:
        return None
    requested = frozenset(
        _FACET_FIELDS[name] for name in selected_names(selections) if name in _FACET_FIELDS
    )
    raw = selections[0].arguments.get("priceInterval", DEFAULT_PRICE_INTERVAL)
    try:
        interval = Decimal(str(raw))
    except (InvalidOperation, ValueError):
        return None
    if not requested or not interval.is_finite() or interval <= 0:
        return None
    return FacetRequest(interval, requested)


_STATUS_VALUES = {s.value for s in PropertyStatusEnum}


@strawberry.type(name="GeoRadius")
class GeoRadiusView:
    latitude: float
    longitude: float
    radius_km: float


@strawberry.type(name="BoundingBox")
class BoundingBoxView:
    min_latitude: float
    min_longitude: float
    max_latitude: float
    max_longitude: float


@strawberry.type(description="The filter of a saved search, as saved.")
class SavedSearchFilter:
    text: str | None
    types: list[PropertyTypeEnum]
    statuses: list[PropertyStatusEnum]
    price_min: Decimal | None
    price_max: Decimal | None
    min_bedrooms: int | None
    min_bathrooms: int | None
    min_toilets: int | None
    zip_code: str | None
    near: GeoRadiusView | None
    within: BoundingBoxView | None

    @classmethod
    def from_domain(cls, f: SearchFilter) -> SavedSearchFilter:
        return cls(
            text=f.text,
            types=[PropertyTypeEnum(t) for t in f.types if t in _TYPE_VALUES],
            statuses=[PropertyStatusEnum(s) for s in f.statuses if s in _STATUS_VALUES],
            price_min=f.price_min,
            price_max=f.price_max,
            min_bedrooms=f.min_bedrooms,
            min_bathrooms=f.min_bathrooms,
            min_toilets=f.min_toilets,
            zip_code=f.zip_code,
            near=None
            if f.near is None
            else GeoRadiusView(
                latitude=f.near.latitude, longitude=f.near.longitude, radius_km=f.near.radius_km
            ),
            within=None
            if f.within is None
            else BoundingBoxView(
                min_latitude=f.within.min_latitude,
                min_longitude=f.within.min_longitude,
                max_latitude=f.within.max_latitude,
                max_longitude=f.within.max_longitude,
            ),
        )


@strawberry.type(description="A named filter; new listings and price drops matching it notify.")
class SavedSearch:
    id: strawberry.ID
    name: str
    filter: SavedSearchFilter
    created_at: datetime

    @classmethod
    def from_domain(cls, record: SavedSearchRecord) -> SavedSearch:
        return cls(
            id=strawberry.ID(str(record.id)),
            name=record.name,
            filter=SavedSearchFilter.from_domain(record.filter),
            created_at=record.created_at,
        )


def property_ref(listing_id: uuid.UUID) -> Property:
    return Property(id=strawberry.ID(str(listing_id)))
