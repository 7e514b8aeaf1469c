"""Listing inputs shared by the properties and search tests."""

from __future__ import annotations

from typing import Any


def listing_input(**overrides: Any) -> dict[str, Any]:
    """A valid createProperty input (a house in Austin), with ``overrides`` applied."""
    values: dict[str, Any] = {
        "title": "Sunny bungalow near Zilker Park",
        "description": "Three bedrooms, a big yard and a new roof.",
        "price": "525000.00",
        "type": "HOUSE",
        "address": "1503 Barton Hills Dr, Austin, TX",
        "zipCode": "78704",
        "bedrooms": 3,
        "bathrooms": 2,
        "toilets": 2,
        "latitude": 30.2569,
        "longitude": -97.7791,
    }
    values.update(overrides)
    return values
