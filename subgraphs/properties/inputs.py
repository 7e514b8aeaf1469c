"""GraphQL input types of the properties subgraph and their mapping to service values."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import strawberry
from strawberry.types.unset import UNSET

from subgraphs.properties import records
from subgraphs.properties.service.validation import check_price_range, parse_id
from subgraphs.properties.types import PropertyStatus, PropertyType


@strawberry.input(description="Every condition must hold; an empty list means any value.")
class PropertyFilter:
    types: list[PropertyType] | None = None  # type: ignore[valid-type]
    statuses: list[PropertyStatus] | None = None  # type: ignore[valid-type]
    owner_id: strawberry.ID | None = None
    min_price: Decimal | None = None
    max_price: Decimal | None = None

    def to_service(self) -> records.ListingFilter:
        low, high = check_price_range(self.min_price, self.max_price)
        return records.ListingFilter(
            types=tuple(records.PropertyType(t) for t in self.types or ()),
            statuses=tuple(records.PropertyStatus(s) for s in self.statuses or ()),
            owner_id=None if self.owner_id is None else parse_id(self.owner_id, "filter.ownerId"),
            min_price=low,
            max_price=high,
        )


# GraphQL input field → column, for both inputs below.
_COLUMNS = {
    "title": "title",
    "description": "description",
    "price": "price",
    "currency": "currency",
    "type": "type",
    "address": "address",
    "zip_code": "zip_code",
    "bedrooms": "no_of_bed_rooms",
    "bathrooms": "no_of_bath_rooms",
    "toilets": "no_of_toilets",
    "latitude": "latitude",
    "longitude": "longitude",
    "status": "status",
    "floor_area": "floor_area",
}


def _provided(value: object) -> dict[str, Any]:
    return {
        column: getattr(value, name)
        for name, column in _COLUMNS.items()
        if getattr(value, name) is not UNSET
    }


@strawberry.input
class CreatePropertyInput:
    title: str
    description: str = ""
    price: Decimal = strawberry.field(description="Not negative, at most 2 decimal places.")
    currency: str = strawberry.field(default="USD", description="ISO 4217 code.")
    type: PropertyType  # type: ignore[valid-type]
    address: str
    zip_code: str
    bedrooms: int = 0
    bathrooms: int = 0
    toilets: int = 0
    latitude: float | None = strawberry.field(
        default=None, description="-90 to 90; located from the address when both are left out."
    )
    longitude: float | None = strawberry.field(
        default=None, description="-180 to 180; located from the address when both are left out."
    )
    status: PropertyStatus = records.PropertyStatus.AVAILABLE  # type: ignore[valid-type]
    floor_area: Decimal | None = strawberry.field(default=None, description="Square metres.")

    def to_fields(self) -> dict[str, Any]:
        return _provided(self)


@strawberry.input(description="Only the fields given are changed; floorArea may be null.")
class UpdatePropertyInput:
    title: str | None = UNSET
    description: str | None = UNSET
    price: Decimal | None = UNSET
    currency: str | None = UNSET
    type: PropertyType | None = UNSET  # type: ignore[valid-type]
    address: str | None = UNSET
    zip_code: str | None = UNSET
    bedrooms: int | None = UNSET
    bathrooms: int | None = UNSET
    toilets: int | None = UNSET
    latitude: float | None = UNSET
    longitude: float | None = UNSET
    status: PropertyStatus | None = UNSET  # type: ignore[valid-type]
    floor_area: Decimal | None = UNSET

    def to_fields(self) -> dict[str, Any]:
        return _provided(self)
