"""The search domain: listing documents, filters, sorts, pages and facets.

Plain dataclasses shared by the service, both index adapters and the schema layer; nothing
here touches a database or Strawberry.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from enum import StrEnum


class ListingStatus(StrEnum):
    AVAILABLE = "available"
    PENDING = "pending"
    SOLD = "sold"
    RENTED = "rented"
    OFF_MARKET = "off_market"


# Off-market listings are private to their owner and admins, so search never shows them to
# anyone else; a filter without statuses means every public status.
PUBLIC_STATUSES: tuple[ListingStatus, ...] = tuple(
    s for s in ListingStatus if s is not ListingStatus.OFF_MARKET
)


class SearchSort(StrEnum):
    RELEVANCE = "relevance"
    PRICE_ASC = "price_asc"
    PRICE_DESC = "price_desc"
    NEWEST = "newest"
    DISTANCE = "distance"


@dataclass(frozen=True, slots=True)
class ListingDocument:
    """What search knows of one listing: the fields it filters, sorts and facets on."""

    id: uuid.UUID
    version: int
    title: str
    description: str
    address: str
    zip_code: str
    type: str
    status: str
    price: Decimal
    currency: str
    bedrooms: int
    bathrooms: int
    toilets: int
    latitude: float | None
    longitude: float | None
    owner_id: uuid.UUID | None
    created_at: datetime
    updated_at: datetime


@dataclass(frozen=True, slots=True)
class GeoRadius:
    latitude: float
    longitude: float
    radius_km: float


@dataclass(frozen=True, slots=True)
class BoundingBox:
    """A box on the map; ``min_longitude > max_longitude`` means it crosses the antimeridian."""

    min_latitude: float
    min_longitude: float
    max_latitude: float
    max_longitude: float

    @property
    def crosses_antimeridian(self) -> bool:
        return self.min_longitude > self.max_longitude


@dataclass(frozen=True, slots=True)
class SearchFilter:
    text: str | None = None
    types: tuple[str, ...] = ()
    statuses: tuple[str, ...] = ()
    price_min: Decimal | None = None
    price_max: Decimal | None = None
    min_bedrooms: int | None = None
    min_bathrooms: int | None = None
    min_toilets: int | None = None
    zip_code: str | None = None
    near: GeoRadius | None = None
    within: BoundingBox | None = None

    def effective_statuses(self) -> tuple[str, ...]:
        return self.statuses or tuple(s.value for s in PUBLIC_STATUSES)

    def has_text(self) -> bool:
        return bool(self.text and self.text.strip())


@dataclass(frozen=True, slots=True)
class SearchQuery:
    """A validated search: the filter, order, page size and the decoded ``after`` cursor.

    ``ids`` narrows the search to given listings; saved-search matching uses it to ask
    "does this one listing match?" through the same code path as a real search.
    """

    filter: SearchFilter = field(default_factory=SearchFilter)
    sort: SearchSort = SearchSort.RELEVANCE
    first: int = 20
    after: tuple[object, ...] | None = None
    ids: tuple[uuid.UUID, ...] | None = None
    # Count every match in the same pass as the page (one scan instead of two).
    with_total: bool = False
    # Facets the client selected alongside the page: an index may compute them in the same
    # statement as the page (``SearchPage.facets``); one that does not leaves them to facets().
    facets: FacetRequest | None = None


@dataclass(frozen=True, slots=True)
class SearchHit:
    id: uuid.UUID
    cursor: str
    distance_km: float | None = None


@dataclass(frozen=True, slots=True)
class SearchPage:
    hits: list[SearchHit]
    has_next_page: bool
    total: int | None = None
    # Present when the index computed ``SearchQuery.facets`` with the page.
    facets: Facets | None = None


@dataclass(frozen=True, slots=True)
class FacetCount:
    value: str
    count: int


@dataclass(frozen=True, slots=True)
class PriceBucket:
    min: Decimal
    max: Decimal
    count: int


class Facet(StrEnum):
    """One facet a client can ask for; an index computes only the ones asked for."""

    TYPES = "types"
    STATUSES = "statuses"
    PRICE_HISTOGRAM = "price_histogram"
    BEDROOMS = "bedrooms"


ALL_FACETS: frozenset[Facet] = frozenset(Facet)


@dataclass(frozen=True, slots=True)
class FacetRequest:
    """Which facets to compute, and the price histogram's bucket width."""

    price_interval: Decimal
    requested: frozenset[Facet] = ALL_FACETS


@dataclass(frozen=True, slots=True)
class Facets:
    """Counts over the filtered set; a facet that was not requested stays empty."""

    types: list[FacetCount] = field(default_factory=list)
    statuses: list[FacetCount] = field(default_factory=list)
    price_histogram: list[PriceBucket] = field(default_factory=list)
    bedrooms: list[FacetCount] = field(default_factory=list)


@dataclass(frozen=True, slots=True)
class UpsertOutcome:
    """What an upsert did: ``applied`` is False for stale versions and tombstoned listings."""

    applied: bool
    created: bool = False
    previous_price: Decimal | None = None


@dataclass(frozen=True, slots=True)
class IndexedVersion:
    version: int
    deleted: bool
    indexed_at: datetime
