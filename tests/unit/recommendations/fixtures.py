"""Small fixed data for the recommendation model tests (no randomness)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from subgraphs.recommendations.ml import Interaction, Listing

NOW = datetime(2026, 12, 1, 12, 0, tzinfo=UTC)
KEY = b"test-artefact-key-0123456789abcdef"

AREAS = {
    "Lekki": (6.44, 3.47, 60e6),
    "Ikoyi": (6.45, 3.43, 150e6),
    "Yaba": (6.51, 3.38, 25e6),
}
TEXTS = {
    "apartment": "serviced apartment with lift, gym and 24h power",
    "house": "detached house with garden, boys quarters and garage",
    "townhouse": "terrace townhouse with rooftop and fitted kitchen",
}


def listing(
    number: int,
    city: str,
    type_: str,
    bedrooms: int,
    *,
    owner: str = "owner-1",
    price: float | None = None,
    status: str = "available",
    age_days: float = 10.0,
) -> Listing:
    lat, lon, base = AREAS[city]
    return Listing(
        id=f"p{number}",
        owner_id=owner,
        type=type_,
        price=price if price is not None else base * (0.6 + 0.2 * bedrooms),
        currency="NGN",
        bedrooms=bedrooms,
        bathrooms=max(1, bedrooms - 1),
        area=40.0 * bedrooms,
        city=city,
        latitude=lat + 0.001 * (number % 7),
        longitude=lon - 0.001 * (number % 5),
        text=f"{bedrooms} bedroom {type_} in {city}: {TEXTS[type_]}",
        status=status,
        created_at=NOW - timedelta(days=age_days),
    )


def catalogue() -> list[Listing]:
    """36 listings: every area × type × bedrooms 1–4, owners 1–3 in turn."""
    listings = []
    number = 0
    for city in AREAS:
        for type_ in TEXTS:
            for bedrooms in range(1, 5):
                listings.append(
                    listing(number, city, type_, bedrooms, owner=f"owner-{number % 3 + 1}")
                )
                number += 1
    return listings


def ids_where(
    listings: list[Listing], *, city: str | None = None, type_: str | None = None
) -> list[str]:
    return [
        item.id
        for item in listings
        if (city is None or item.city == city) and (type_ is None or item.type == type_)
    ]


def interaction(user: str, property_id: str, kind: str, days_ago: float) -> Interaction:
    return Interaction(user, property_id, kind, NOW - timedelta(days=days_ago))


def taste_log(listings: list[Listing]) -> list[Interaction]:
    """Two taste groups: 'lekki' users like Lekki apartments, 'yaba' users Yaba houses."""
    lekki = ids_where(listings, city="Lekki", type_="apartment")
    yaba = ids_where(listings, city="Yaba", type_="house")
    log = []
    for user in range(6):
        for offset, pid in enumerate(lekki):
            if (user + offset) % 4 != 0:
                log.append(interaction(f"lekki-{user}", pid, "favorite", 5 + offset))
        for offset, pid in enumerate(yaba):
            if (user + offset) % 4 != 0:
                log.append(interaction(f"yaba-{user}", pid, "favorite", 5 + offset))
    return log
