"""Input rules of a search; each failure is BAD_USER_INPUT naming the offending argument."""

from __future__ import annotations

import math
from decimal import Decimal

from common.errors import BadUserInput
from subgraphs.search.service.query import SearchFilter, SearchSort

MAX_PAGE_SIZE = 100
MAX_RADIUS_KM = 500.0
MAX_TEXT_LENGTH = 200
MAX_HISTOGRAM_BUCKETS = 200


def _check_latitude(value: float, field: str) -> None:
    if not math.isfinite(value) or not -90.0 <= value <= 90.0:
        raise BadUserInput("Latitude must be between -90 and 90.", field=field)


def _check_longitude(value: float, field: str) -> None:
    if not math.isfinite(value) or not -180.0 <= value <= 180.0:
        raise BadUserInput("Longitude must be between -180 and 180.", field=field)


def _check_not_negative(value: Decimal | int | None, field: str) -> None:
    if value is None:
        return
    # NaN compares by raising, so finiteness is checked before the sign.
    if isinstance(value, Decimal) and not value.is_finite():
        raise BadUserInput("Must be a finite number.", field=field)
    if value < 0:
        raise BadUserInput("Must not be negative.", field=field)


def _check_range(low: Decimal | float | None, high: Decimal | float | None, field: str) -> None:
    if low is not None and high is not None and low > high:
        raise BadUserInput("The minimum is above the maximum.", field=field)


def validate_filter(search_filter: SearchFilter, prefix: str = "filter") -> None:
    """Raise BadUserInput for the first rule ``search_filter`` breaks."""
    f = search_filter
    if f.text is not None and len(f.text) > MAX_TEXT_LENGTH:
        raise BadUserInput(
            f"Search text is limited to {MAX_TEXT_LENGTH} characters.", field=f"{prefix}.text"
        )
    _check_not_negative(f.price_min, f"{prefix}.priceMin")
    _check_not_negative(f.price_max, f"{prefix}.priceMax")
    _check_range(f.price_min, f.price_max, f"{prefix}.priceMin")
    _check_not_negative(f.min_bedrooms, f"{prefix}.minBedrooms")
    _check_not_negative(f.min_bathrooms, f"{prefix}.minBathrooms")
    _check_not_negative(f.min_toilets, f"{prefix}.minToilets")
    if f.near is not None:
        _check_latitude(f.near.latitude, f"{prefix}.near.latitude")
        _check_longitude(f.near.longitude, f"{prefix}.near.longitude")
        radius = f.near.radius_km
        if not math.isfinite(radius) or radius <= 0 or radius > MAX_RADIUS_KM:
            raise BadUserInput(
                f"Radius must be above 0 and at most {MAX_RADIUS_KM:g} km.",
                field=f"{prefix}.near.radiusKm",
            )
    if f.within is not None:
        box = f.within
        _check_latitude(box.min_latitude, f"{prefix}.within.minLatitude")
        _check_latitude(box.max_latitude, f"{prefix}.within.maxLatitude")
        _check_longitude(box.min_longitude, f"{prefix}.within.minLongitude")
        _check_longitude(box.max_longitude, f"{prefix}.within.maxLongitude")
        # Longitudes may wrap (a box across the antimeridian); latitudes never do.
        _check_range(box.min_latitude, box.max_latitude, f"{prefix}.within.minLatitude")


def validate_page(first: int) -> None:
    if first < 0 or first > MAX_PAGE_SIZE:
        raise BadUserInput(f"`first` must be between 0 and {MAX_PAGE_SIZE}.", field="first")


def validate_sort(sort: SearchSort, search_filter: SearchFilter) -> None:
    if sort is SearchSort.DISTANCE and search_filter.near is None:
        raise BadUserInput("Sorting by DISTANCE needs a point: give filter.near.", field="sort")


def validate_price_interval(interval: Decimal) -> None:
    if not interval.is_finite() or interval <= 0:
        raise BadUserInput("The histogram interval must be above 0.", field="priceInterval")
