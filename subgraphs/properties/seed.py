"""Demo listings: about 1,000 in six cities, owned by the demo sellers and agents.

Deterministic (a seeded random generator and uuid5 ids) and idempotent: listings that already
exist are left alone, new ones are inserted in bulk together with their ``property.created``
events in one transaction, so the relay hands them to search like any other listing.
"""

from __future__ import annotations

import io
import random
import uuid
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

from PIL import Image, ImageDraw
from sqlalchemy import select

from common.config import Settings
from common.db import create_engine, session_factory, transaction
from common.demo import listing_owners
from common.events import record_events
from common.infrastructure import build_storage
from common.storage import Storage
from subgraphs.properties.app import SUBGRAPH, files_url
from subgraphs.properties.models import properties
from subgraphs.properties.records import Listing, Photo, PropertyStatus, PropertyType
from subgraphs.properties.repository import PropertyRepository
from subgraphs.properties.seed_data import (
    ADJECTIVES,
    CITIES,
    DEMO_IMAGES,
    FEATURES,
    STATUS_WEIGHTS,
    TYPE_PROFILES,
    City,
)
from subgraphs.properties.service import events
from subgraphs.properties.service.photos import DEMO_PHOTO_PREFIX

LISTING_COUNT = 1_000
RANDOM_SEED = 20_240_601
_NAMESPACE = uuid.UUID("0b6f4f0e-5c39-4f3e-9d7a-3c1f9e2a8b41")
IMAGE_SIZE = (800, 600)


def demo_listing_id(index: int) -> uuid.UUID:
    return uuid.uuid5(_NAMESPACE, f"demo-listing-{index}")


def _image(kind: str, variant: int) -> bytes:
    """A simple drawn picture (sky, ground, building) so demo photos are real JPEGs."""
    rng = random.Random(f"{kind}-{variant}")
    width, height = IMAGE_SIZE
    image = Image.new("RGB", IMAGE_SIZE, (120 + rng.randint(0, 60), 170, 225))
    draw = ImageDraw.Draw(image)
    draw.rectangle((0, height * 2 // 3, width, height), fill=(90, 140 + rng.randint(0, 40), 70))
    wall = (rng.randint(150, 240), rng.randint(140, 220), rng.randint(120, 200))
    if kind == "interior":
        draw.rectangle((0, 0, width, height), fill=wall)
        draw.rectangle((0, height * 3 // 4, width, height), fill=(150, 110, 70))
        draw.rectangle((width // 3, height // 5, width * 2 // 3, height // 2), fill=(190, 220, 250))
    elif kind == "exterior":
        left, right = width // 4, width * 3 // 4
        draw.rectangle((left, height // 3, right, height * 2 // 3 + 20), fill=wall)
        draw.polygon(
            [(left - 30, height // 3), (width // 2, height // 8), (right + 30, height // 3)],
            fill=(120, 50, 40),
        )
        draw.rectangle(
            (width // 2 - 30, height // 2, width // 2 + 30, height * 2 // 3 + 20), fill=(80, 50, 30)
        )
    elif kind == "commercial":
        draw.rectangle((width // 6, height // 6, width * 5 // 6, height * 2 // 3 + 20), fill=wall)
        for column in range(5):
            x = width // 6 + 30 + column * 100
            draw.rectangle((x, height // 4, x + 60, height // 2), fill=(170, 200, 230))
    buffer = io.BytesIO()
    image.save(buffer, format="JPEG", quality=80)
    return buffer.getvalue()


async def write_demo_images(storage: Storage) -> dict[str, list[tuple[str, str, int]]]:
    """Store the shared demo images once; returns (key, url, size) per kind."""
    stored: dict[str, list[tuple[str, str, int]]] = {}
    for kind, count in DEMO_IMAGES.items():
        for variant in range(1, count + 1):
            key = f"{DEMO_PHOTO_PREFIX}{kind}-{variant}.jpg"
            data = await storage.get(key)
            if data is None:
                data = _image(kind, variant)
                await storage.put(key, data, "image/jpeg")
            stored.setdefault(kind, []).append((key, storage.url(key), len(data)))
    return stored


def _weighted(rng: random.Random, weights: dict[str, int]) -> str:
    return rng.choices(list(weights), weights=list(weights.values()))[0]


def _round_price(value: float) -> Decimal:
    step = 1000 if value < 2_000_000 else 5000
    return Decimal(max(step, round(value / step) * step)).quantize(Decimal("0.01"))


def build_listing(
    index: int, rng: random.Random, now: datetime, images: dict[str, list[tuple[str, str, int]]]
) -> Listing:
    """One deterministic demo listing (with its photos)."""
    city: City = CITIES[index % len(CITIES)]
    kind = _weighted(rng, {name: p.weight for name, p in TYPE_PROFILES.items()})
    profile = TYPE_PROFILES[kind]
    street = rng.choice(city.streets)
    number = rng.randint(100, 4999)
    unit = (
        f" Unit {rng.randint(1, 30)}{rng.choice('ABCD')}" if kind in ("apartment", "condo") else ""
    )
    bedrooms = rng.randint(*profile.bedrooms)
    if kind == "land":
        area = None
        price = _round_price(city.price_per_m2 * rng.uniform(40, 250))
        bathrooms = toilets = 0
        title = f"{rng.choice(('Buildable', 'Level', 'Wooded', 'Corner'))} lot on {street}"
        features = FEATURES["land"]
    else:
        assert profile.floor_area is not None
        area = Decimal(rng.randint(*profile.floor_area))
        price = _round_price(
            float(area) * city.price_per_m2 * profile.price_factor * rng.uniform(0.8, 1.25)
        )
        bathrooms = max(1, round(bedrooms * rng.uniform(0.5, 0.9))) if bedrooms else 1
        toilets = bathrooms + rng.randint(0, 1)
        if kind == "commercial":
            title = f"{rng.choice(ADJECTIVES)} {profile.noun} on {street}"
            features = FEATURES["commercial"]
        else:
            rooms = "Studio" if bedrooms == 0 else f"{bedrooms}-bedroom"
            title = f"{rng.choice(ADJECTIVES)} {rooms} {profile.noun} on {street}"
            features = FEATURES["home"]
    description = " ".join(rng.sample(features, k=min(3, len(features))))
    created_at = now - timedelta(days=rng.randint(0, 364), minutes=rng.randint(0, 1439))
    listing_id = demo_listing_id(index)
    cover_kind = {"land": "land", "commercial": "commercial"}.get(kind, "exterior")
    chosen = [rng.choice(images[cover_kind])]
    if kind != "land":
        chosen += rng.sample(images["interior"], k=rng.randint(1, len(images["interior"])))
    photos = tuple(
        Photo(
            id=uuid.uuid5(listing_id, f"photo-{position}"),
            key=key,
            url=url,
            content_type="image/jpeg",
            width=IMAGE_SIZE[0],
            height=IMAGE_SIZE[1],
            size_bytes=size,
            position=position,
            is_cover=position == 0,
        )
        for position, (key, url, size) in enumerate(chosen)
    )
    return Listing(
        id=listing_id,
        title=title,
        description=description,
        price=price,
        currency="USD",
        type=PropertyType(kind),
        address=f"{number} {street}{unit}, {city.name}, {city.state}",
        zip_code=rng.choice(city.zip_codes),
        owner_id=rng.choice(listing_owners()).id,
        no_of_bed_rooms=bedrooms,
        no_of_bath_rooms=bathrooms,
        no_of_toilets=toilets,
        latitude=round(city.latitude + rng.gauss(0, 0.035), 6),
        longitude=round(city.longitude + rng.gauss(0, 0.045), 6),
        status=PropertyStatus(_weighted(rng, STATUS_WEIGHTS)),
        floor_area=area,
        created_at=created_at,
        updated_at=created_at,
        version=1,
        photos=photos,
    )


def demo_listings(
    images: dict[str, list[tuple[str, str, int]]], now: datetime, count: int = LISTING_COUNT
) -> list[Listing]:
    rng = random.Random(RANDOM_SEED)
    return [build_listing(i, rng, now, images) for i in range(count)]


def _rows(listing: Listing) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    row = {
        "id": listing.id,
        "title": listing.title,
        "description": listing.description,
        "price": listing.price,
        "currency": listing.currency,
        "type": listing.type.value,
        "address": listing.address,
        "zip_code": listing.zip_code,
        "owner_id": listing.owner_id,
        "no_of_bed_rooms": listing.no_of_bed_rooms,
        "no_of_bath_rooms": listing.no_of_bath_rooms,
        "no_of_toilets": listing.no_of_toilets,
        "latitude": listing.latitude,
        "longitude": listing.longitude,
        "status": listing.status.value,
        "floor_area": listing.floor_area,
        "created_at": listing.created_at,
        "updated_at": listing.updated_at,
        "version": listing.version,
    }
    photos = [
        {
            **{k: v for k, v in p.snapshot().items() if k != "id"},
            "id": p.id,
            "property_id": listing.id,
        }
        for p in listing.photos
    ]
    return row, photos


async def seed(settings: Settings, count: int = LISTING_COUNT) -> list[str]:
    """Insert the demo listings that are missing, with their events; returns lines to print."""
    storage = build_storage(settings, files_url(settings))
    engine = create_engine(settings, SUBGRAPH)
    try:
        images = await write_demo_images(storage)
        today = datetime.now(UTC).replace(hour=0, minute=0, second=0, microsecond=0)
        listings = demo_listings(images, today, count)
        sessions = session_factory(engine)
        async with transaction(sessions) as session:
            existing = set(
                (
                    await session.execute(
                        select(properties.c.id).where(properties.c.id.in_([x.id for x in listings]))
                    )
                ).scalars()
            )
            new = [x for x in listings if x.id not in existing]
            rows, photos = [], []
            for listing in new:
                row, listing_photos = _rows(listing)
                rows.append(row)
                photos.extend(listing_photos)
            await PropertyRepository().bulk_insert(session, rows, photos)
            await record_events(session, [events.created(x) for x in new])
    finally:
        close = getattr(storage, "close", None)
        if close is not None:
            await close()
        await engine.dispose()
    cities = ", ".join(c.name for c in CITIES)
    return [f"properties: {len(listings)} demo listings in {cities} ({len(new)} new)"]
