"""What the properties services hand around: listings, photos, filters and pages.

A ``Listing`` is also the shape of the cache entry and of the ``property`` snapshot in events,
so its ``snapshot()`` is the one place that decides those field names (the database column
names, snake_case: ``no_of_bed_rooms``, ``zip_code``, …).
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from enum import StrEnum
from typing import TYPE_CHECKING, Any, Generic, TypeVar

from common.auth.viewer import Viewer

ItemT = TypeVar("ItemT")


class PropertyType(StrEnum):
    HOUSE = "house"
    APARTMENT = "apartment"
    CONDO = "condo"
    TOWNHOUSE = "townhouse"
    MULTI_FAMILY = "multi_family"
    LAND = "land"
    COMMERCIAL = "commercial"


class PropertyStatus(StrEnum):
    AVAILABLE = "available"
    PENDING = "pending"
    SOLD = "sold"
    RENTED = "rented"
    OFF_MARKET = "off_market"


# Members by stored value: a dict lookup, where calling the enum class costs several times it
# on every row read (two per listing).
PROPERTY_TYPES: Mapping[str, PropertyType] = {member.value: member for member in PropertyType}
PROPERTY_STATUSES: Mapping[str, PropertyStatus] = {
    member.value: member for member in PropertyStatus
}


@dataclass(frozen=True, slots=True)
class Photo:
    id: uuid.UUID
    key: str
    url: str
    content_type: str
    width: int
    height: int
    size_bytes: int
    position: int
    is_cover: bool

    def snapshot(self) -> dict[str, Any]:
        return {
            "id": str(self.id),
            "key": self.key,
            "url": self.url,
            "content_type": self.content_type,
            "width": self.width,
            "height": self.height,
            "size_bytes": self.size_bytes,
            "position": self.position,
            "is_cover": self.is_cover,
        }

    @classmethod
    def from_snapshot(cls, data: Mapping[str, Any]) -> Photo:
        return cls(
            id=uuid.UUID(str(data["id"])),
            key=str(data["key"]),
            url=str(data["url"]),
            content_type=str(data["content_type"]),
            width=int(data["width"]),
            height=int(data["height"]),
            size_bytes=int(data.get("size_bytes", 0)),
            position=int(data["position"]),
            is_cover=bool(data["is_cover"]),
        )


# Fields a client can set, with their column names; ``changes`` in events use these names.
EDITABLE_FIELDS = (
    "title",
    "description",
    "price",
    "currency",
    "type",
    "address",
    "zip_code",
    "no_of_bed_rooms",
    "no_of_bath_rooms",
    "no_of_toilets",
    "latitude",
    "longitude",
    "status",
    "floor_area",
)


# Not slotted: a listing read from a row keeps its photos' rows and builds the photos when they
# are first read (``of_row``); a fetch of 50 listings for search hits needs only the covers.
@dataclass(frozen=True)
class Listing:
    id: uuid.UUID
    title: str
    description: str
    price: Decimal
    currency: str
    type: PropertyType
    address: str
    zip_code: str
    owner_id: uuid.UUID
    no_of_bed_rooms: int
    no_of_bath_rooms: int
    no_of_toilets: int
    latitude: float
    longitude: float
    status: PropertyStatus
    floor_area: Decimal | None
    created_at: datetime
    updated_at: datetime
    version: int
    # A factory, not a class-level default: an instance from ``of_row`` has no ``photos`` until
    # ``__getattr__`` builds them.
    photos: tuple[Photo, ...] = field(default_factory=tuple)

    @classmethod
    def of_row(cls, values: Mapping[str, Any], photo_rows: Sequence[Mapping[str, Any]]) -> Listing:
        """A listing of every field but ``photos`` in ``values``, whose photos are built from
        ``photo_rows`` (their snapshots, as the database's JSON gives them) when first read."""
        listing = object.__new__(cls)
        listing.__dict__.update(values)
        listing.__dict__["_photo_rows"] = photo_rows
        return listing

    if not TYPE_CHECKING:

        def __getattr__(self, name: str) -> Any:
            # Only reached for an attribute not set: ``photos`` of a listing from ``of_row``.
            rows = self.__dict__.get("_photo_rows") if name == "photos" else None
            if rows is None:
                raise AttributeError(name)
            photos = tuple(Photo.from_snapshot(p) for p in rows)
            self.__dict__["photos"] = photos
            return photos

    def cover_photo_snapshot(self) -> Mapping[str, Any] | None:
        """The cover photo's ``Photo.snapshot()``; for a listing from ``of_row`` whose photos
        are not built, the database's own row of it, as is (no photo is built)."""
        photos = self.__dict__.get("photos")
        if photos is None:
            rows = self.__dict__.get("_photo_rows", ())
            return next((p for p in rows if p["is_cover"]), None)
        cover = next((p for p in photos if p.is_cover), None)
        return None if cover is None else cover.snapshot()

    def visible_to(self, viewer: Viewer) -> bool:
        """Off-market listings are seen only by their owner and admins."""
        return self.status is not PropertyStatus.OFF_MARKET or viewer.is_self_or_admin(
            self.owner_id
        )

    def value_of(self, name: str) -> Any:
        """An editable field as it appears in events (decimals as strings, enums as values)."""
        value = getattr(self, name)
        if isinstance(value, Decimal):
            return str(value)
        if isinstance(value, StrEnum):
            return value.value
        return value

    def snapshot(self) -> dict[str, Any]:
        """Every field as JSON values: the cache entry and the event ``property`` snapshot."""
        data: dict[str, Any] = {name: self.value_of(name) for name in EDITABLE_FIELDS}
        data.update(
            id=str(self.id),
            owner_id=str(self.owner_id),
            created_at=self.created_at.isoformat(),
            updated_at=self.updated_at.isoformat(),
            version=self.version,
            photos=[p.snapshot() for p in self.photos],
        )
        return data

    @classmethod
    def from_snapshot(cls, data: Mapping[str, Any]) -> Listing:
        floor_area = data.get("floor_area")
        return cls(
            id=uuid.UUID(str(data["id"])),
            title=str(data["title"]),
            description=str(data["description"]),
            price=Decimal(str(data["price"])),
            currency=str(data["currency"]),
            type=PropertyType(data["type"]),
            address=str(data["address"]),
            zip_code=str(data["zip_code"]),
            owner_id=uuid.UUID(str(data["owner_id"])),
            no_of_bed_rooms=int(data["no_of_bed_rooms"]),
            no_of_bath_rooms=int(data["no_of_bath_rooms"]),
            no_of_toilets=int(data["no_of_toilets"]),
            latitude=float(data["latitude"]),
            longitude=float(data["longitude"]),
            status=PropertyStatus(data["status"]),
            floor_area=None if floor_area is None else Decimal(str(floor_area)),
            created_at=datetime.fromisoformat(str(data["created_at"])),
            updated_at=datetime.fromisoformat(str(data["updated_at"])),
            version=int(data["version"]),
            photos=tuple(Photo.from_snapshot(p) for p in data.get("photos", ())),
        )


@dataclass(frozen=True, slots=True)
class ListingFilter:
    """Checked filter of ``properties``; empty tuples mean "any"."""

    types: tuple[PropertyType, ...] = ()
    statuses: tuple[PropertyStatus, ...] = ()
    owner_id: uuid.UUID | None = None
    min_price: Decimal | None = None
    max_price: Decimal | None = None


@dataclass(frozen=True, slots=True)
class Visibility:
    """Which off-market listings a query may return: none, one owner's, or all (admins)."""

    all_off_market: bool = False
    off_market_owner: uuid.UUID | None = None

    @classmethod
    def of(cls, viewer: Viewer) -> Visibility:
        if viewer.is_admin:
            return cls(all_off_market=True)
        return cls(off_market_owner=viewer.user_id)


@dataclass(frozen=True, slots=True)
class Page(Generic[ItemT]):
    items: Sequence[ItemT]
    has_next_page: bool
    has_previous_page: bool


@dataclass(frozen=True, slots=True)
class ReconciliationEntry:
    """One listing's id and version, or a deleted listing's tombstone."""

    id: uuid.UUID
    version: int
    updated_at: datetime
    deleted: bool
    listing: Listing | None = field(default=None)
