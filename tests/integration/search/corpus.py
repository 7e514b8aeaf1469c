"""A small, hand-checked corpus of listings for the index contract suite.

Cities: Lisbon and Porto (Portugal), Austin (Texas), and two islands of Fiji on either side
of the antimeridian. Expected answers in the tests are worked out from this table by hand.
"""

from __future__ import annotations

import math
import uuid
from datetime import UTC, datetime, timedelta
from decimal import Decimal

from subgraphs.search.service.query import ListingDocument

_BASE = datetime(2024, 1, 1, tzinfo=UTC)
_NAMESPACE = uuid.UUID("0b7e3f1a-5a64-4f0e-8f4e-2f0d3c0a9e51")

# name: title, description, address, zip, type, status, price, beds, baths, toilets, lat, lon
ROWS: dict[str, tuple[str, str, str, str, str, str, int, int, int, int, float, float]] = {
    "L1": ("Sunny family house with garden", "Quiet street near the park",
           "12 Rua Augusta, Lisbon", "1100-048", "house", "available",
           450000, 4, 2, 3, 38.7100, -9.1370),
    "L2": ("Modern apartment downtown", "Balcony with a river view",
           "5 Rua do Ouro, Lisbon", "1100-060", "apartment", "available",
           300000, 2, 1, 1, 38.7110, -9.1390),
    "L3": ("Penthouse apartment with terrace", "Rooftop garden terrace and pool",
           "Avenida da Liberdade 200, Lisbon", "1250-147", "apartment", "pending",
           900000, 3, 3, 3, 38.7200, -9.1450),
    "L4": ("Riverside land plot", "Buildable land by the water",
           "Cais de Gaia, Porto", "4400-111", "land", "available",
           120000, 0, 0, 0, 41.1370, -8.6130),
    "L5": ("Commercial space on main street", "Shop front with storage",
           "Rua de Santa Catarina 100, Porto", "4000-447", "commercial", "sold",
           650000, 0, 1, 1, 41.1490, -8.6060),
    "L6": ("Cosy townhouse", "Small garden and garage",
           "Rua das Flores 9, Porto", "4050-265", "townhouse", "rented",
           350000, 3, 2, 2, 41.1430, -8.6140),
    "L7": ("Ranch house with pool", "Big garden with old oaks",
           "100 Congress Ave, Austin", "78701", "house", "available",
           550000, 5, 3, 4, 30.2672, -97.7431),
    "L8": ("Downtown condo", "Gym and pool in the building",
           "200 Lavaca St, Austin", "78701", "condo", "available",
           410000, 2, 2, 2, 30.2680, -97.7450),
    "L9": ("Villa kept off the market", "Private garden",
           "Rua Augusta 1, Lisbon", "1100-048", "house", "off_market",
           2000000, 6, 5, 6, 38.7105, -9.1375),
    "L10": ("Island bungalow", "Beach garden under palms",
            "Taveuni, Fiji", "FJ-1", "house", "available",
            250000, 2, 1, 1, -16.8000, 179.9500),
    "L11": ("Island apartment across the date line", "Steps from the beach",
            "Vanua Balavu, Fiji", "FJ-2", "apartment", "available",
            180000, 1, 1, 1, -17.2000, -179.0000),
    "L12": ("Family house in Belem", "Close to the monastery",
            "Rua de Belem 50, Lisbon", "1300-085", "house", "available",
            450000, 3, 2, 2, 38.6970, -9.2060),
}  # fmt: skip

PUBLIC = [name for name in ROWS if ROWS[name][5] != "off_market"]


def listing_id(name: str, salt: str = "") -> uuid.UUID:
    return uuid.uuid5(_NAMESPACE, salt + name)


def document(name: str, *, salt: str = "", version: int = 1, **changes: object) -> ListingDocument:
    row = ROWS[name]
    title, description, address, zip_code, type_, status, price, beds, baths, toilets, lat, lon = (
        row
    )
    number = int(name[1:])
    values: dict[str, object] = {
        "id": listing_id(name, salt),
        "version": version,
        "title": title,
        "description": description,
        "address": address,
        "zip_code": zip_code,
        "type": type_,
        "status": status,
        "price": Decimal(price),
        "currency": "EUR",
        "bedrooms": beds,
        "bathrooms": baths,
        "toilets": toilets,
        "latitude": lat,
        "longitude": lon,
        "owner_id": uuid.uuid5(_NAMESPACE, "owner"),
        "created_at": _BASE + timedelta(days=number),
        "updated_at": _BASE + timedelta(days=number),
    }
    values.update(changes)
    return ListingDocument(**values)  # type: ignore[arg-type]


def names_by_id(salt: str = "") -> dict[uuid.UUID, str]:
    return {listing_id(name, salt): name for name in ROWS}


def haversine_km(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Independent of the SQL one: used to work out expected distance orders."""
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * 6371.0088 * math.asin(math.sqrt(a))
