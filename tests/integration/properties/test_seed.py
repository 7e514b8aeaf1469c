"""The demo data: about 1,000 listings, idempotent, with their events in the outbox."""

from __future__ import annotations

import time

from sqlalchemy import func, select

from common.config import Settings
from common.db import create_engine
from common.demo import listing_owners
from subgraphs.properties.app import migrate
from subgraphs.properties.models import outbox, properties, property_photos
from subgraphs.properties.seed import LISTING_COUNT, seed
from subgraphs.properties.seed_data import CITIES


async def test_seed_inserts_a_thousand_listings_with_events_once(settings: Settings) -> None:
    isolated = settings.model_copy(update={"database_prefix": f"{settings.database_prefix}seed_"})
    await migrate(isolated)
    started = time.perf_counter()
    first = await seed(isolated)
    elapsed = time.perf_counter() - started
    print(f"seeded {LISTING_COUNT} listings in {elapsed:.2f}s")  # a figure, not an assertion
    assert first[0].endswith(f"({LISTING_COUNT} new)")
    assert (await seed(isolated))[0].endswith("(0 new)")

    engine = create_engine(isolated, "properties")
    try:
        async with engine.connect() as conn:
            rows = (await conn.execute(select(properties))).mappings().all()
            created_events = await conn.scalar(
                select(func.count()).where(outbox.c.type == "property.created")
            )
            covers = await conn.execute(
                select(property_photos.c.property_id, func.count())
                .where(property_photos.c.is_cover)
                .group_by(property_photos.c.property_id)
            )
            cover_counts = {row[0]: row[1] for row in covers}
    finally:
        await engine.dispose()

    assert len(rows) == LISTING_COUNT and created_events == LISTING_COUNT
    owners = {u.id for u in listing_owners()}
    assert {r["owner_id"] for r in rows} == owners
    assert {r["address"].rsplit(", ", 2)[1] for r in rows} == {c.name for c in CITIES}
    assert {r["type"] for r in rows} >= {"house", "apartment", "condo", "land", "commercial"}
    assert "off_market" in {r["status"] for r in rows}
    centres = {c.name: (c.latitude, c.longitude) for c in CITIES}
    for row in rows:
        lat, lon = centres[row["address"].rsplit(", ", 2)[1]]
        assert abs(row["latitude"] - lat) < 0.3 and abs(row["longitude"] - lon) < 0.3
        assert row["price"] > 0
    assert set(cover_counts.values()) == {1} and len(cover_counts) == LISTING_COUNT
