"""A search filter as stored JSON (saved searches) and back."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from subgraphs.search.service.query import BoundingBox, GeoRadius, SearchFilter


def filter_to_json(f: SearchFilter) -> dict[str, Any]:
    data: dict[str, Any] = {
        "text": f.text,
        "types": list(f.types),
        "statuses": list(f.statuses),
        "price_min": None if f.price_min is None else str(f.price_min),
        "price_max": None if f.price_max is None else str(f.price_max),
        "min_bedrooms": f.min_bedrooms,
        "min_bathrooms": f.min_bathrooms,
        "min_toilets": f.min_toilets,
        "zip_code": f.zip_code,
        "near": None,
        "within": None,
    }
    if f.near is not None:
        data["near"] = {
            "latitude": f.near.latitude,
            "longitude": f.near.longitude,
            "radius_km": f.near.radius_km,
        }
    if f.within is not None:
        box = f.within
        data["within"] = {
            "min_latitude": box.min_latitude,
            "min_longitude": box.min_longitude,
            "max_latitude": box.max_latitude,
            "max_longitude": box.max_longitude,
        }
    return data


def _decimal(value: Any) -> Decimal | None:
    return None if value is None else Decimal(str(value))


def filter_from_json(data: dict[str, Any]) -> SearchFilter:
    near = data.get("near")
    within = data.get("within")
    return SearchFilter(
        text=data.get("text"),
        types=tuple(data.get("types") or ()),
        statuses=tuple(data.get("statuses") or ()),
        price_min=_decimal(data.get("price_min")),
        price_max=_decimal(data.get("price_max")),
        min_bedrooms=data.get("min_bedrooms"),
        min_bathrooms=data.get("min_bathrooms"),
        min_toilets=data.get("min_toilets"),
        zip_code=data.get("zip_code"),
        near=None if not near else GeoRadius(**near),
        within=None if not within else BoundingBox(**within),
    )
