"""Input rules for listings; each failure is BAD_USER_INPUT naming the argument's field.

Values arrive keyed by column name; errors name the GraphQL path (``input.zipCode``), which
is what a client sent.
"""

from __future__ import annotations

import math
import re
import unicodedata
import uuid
from collections.abc import Callable, Mapping
from decimal import Decimal
from typing import Any

from common.errors import BadUserInput
from common.money import parse_amount, parse_currency
from subgraphs.properties.records import PropertyStatus, PropertyType

MAX_TITLE_LENGTH = 200
MAX_DESCRIPTION_LENGTH = 10_000
MAX_ADDRESS_LENGTH = 300
MAX_ROOMS = 1_000
_ZIP_CODE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9 -]{1,8}[A-Za-z0-9]$")

# Column name → GraphQL input field name.
GRAPHQL_NAMES = {
    "title": "title",
    "description": "description",
    "price": "price",
    "currency": "currency",
    "type": "type",
    "address": "address",
    "zip_code": "zipCode",
    "no_of_bed_rooms": "bedrooms",
    "no_of_bath_rooms": "bathrooms",
    "no_of_toilets": "toilets",
    "latitude": "latitude",
    "longitude": "longitude",
    "status": "status",
    "floor_area": "floorArea",
}
REQUIRED_ON_CREATE = ("title", "price", "type", "address", "zip_code", "latitude", "longitude")
NULLABLE = ("floor_area",)


def _text(value: Any, field: str, *, max_length: int, allow_empty: bool = False) -> str:
    text = str(value).strip()
    if not text and not allow_empty:
        raise BadUserInput(f"{field} must not be empty.", field=field)
    if len(text) > max_length:
        raise BadUserInput(f"{field} must be at most {max_length} characters long.", field=field)
    if any(unicodedata.category(ch) == "Cc" and ch not in "\n\t" for ch in text):
        raise BadUserInput(f"{field} must not contain control characters.", field=field)
    return text


def _single_line(value: Any, field: str, *, max_length: int) -> str:
    return " ".join(_text(value, field, max_length=max_length).split())


def _coordinate(value: Any, field: str, *, limit: float) -> float:
    number = float(value)
    if not math.isfinite(number) or not -limit <= number <= limit:
        raise BadUserInput(f"{field} must be between -{limit:g} and {limit:g}.", field=field)
    return number


def _rooms(value: Any, field: str) -> int:
    number = int(value)
    if not 0 <= number <= MAX_ROOMS:
        raise BadUserInput(f"{field} must be between 0 and {MAX_ROOMS}.", field=field)
    return number


def _zip_code(value: Any, field: str) -> str:
    code = str(value).strip().upper()
    if not _ZIP_CODE.match(code):
        raise BadUserInput(f"{field} is not a valid postal code.", field=field)
    return code


def _floor_area(value: Any, field: str) -> Decimal:
    area = parse_amount(value, field=field, max_digits=10)
    if area <= 0:
        raise BadUserInput(f"{field} must be above 0.", field=field)
    return area


_CHECKS: dict[str, Callable[[Any, str], Any]] = {
    "title": lambda v, f: _single_line(v, f, max_length=MAX_TITLE_LENGTH),
    "description": lambda v, f: _text(v, f, max_length=MAX_DESCRIPTION_LENGTH, allow_empty=True),
    "price": lambda v, f: parse_amount(v, field=f),
    "currency": lambda v, f: parse_currency(v, field=f),
    "type": lambda v, f: PropertyType(v).value,
    "address": lambda v, f: _single_line(v, f, max_length=MAX_ADDRESS_LENGTH),
    "zip_code": _zip_code,
    "no_of_bed_rooms": _rooms,
    "no_of_bath_rooms": _rooms,
    "no_of_toilets": _rooms,
    "latitude": lambda v, f: _coordinate(v, f, limit=90),
    "longitude": lambda v, f: _coordinate(v, f, limit=180),
    "status": lambda v, f: PropertyStatus(v).value,
    "floor_area": _floor_area,
}


def check_listing_fields(
    values: Mapping[str, Any], *, prefix: str = "input", creating: bool = False
) -> dict[str, Any]:
    """Checked column values for the given fields (all required ones when ``creating``)."""
    checked: dict[str, Any] = {}
    if creating:
        for name in REQUIRED_ON_CREATE:
            if values.get(name) is None:
                field = f"{prefix}.{GRAPHQL_NAMES[name]}"
                raise BadUserInput(f"{field} is required.", field=field)
    for name, value in values.items():
        if name not in _CHECKS:
            raise ValueError(f"unknown listing field {name!r}")
        field = f"{prefix}.{GRAPHQL_NAMES[name]}"
        if value is None:
            if name not in NULLABLE:
                raise BadUserInput(f"{field} must not be null.", field=field)
            checked[name] = None
            continue
        checked[name] = _CHECKS[name](value, field)
    return checked


def check_price_range(
    min_price: Decimal | None, max_price: Decimal | None, *, prefix: str = "filter"
) -> tuple[Decimal | None, Decimal | None]:
    low = None if min_price is None else parse_amount(min_price, field=f"{prefix}.minPrice")
    high = None if max_price is None else parse_amount(max_price, field=f"{prefix}.maxPrice")
    if low is not None and high is not None and low > high:
        raise BadUserInput(
            f"{prefix}.minPrice must not be above {prefix}.maxPrice.", field=f"{prefix}.minPrice"
        )
    return low, high


def parse_id(value: str, field: str) -> uuid.UUID:
    """A UUID from a GraphQL ID, else BAD_USER_INPUT naming ``field``."""
    try:
        return uuid.UUID(str(value))
    except ValueError as exc:
        raise BadUserInput(f"{field} is not a valid id.", field=field) from exc
