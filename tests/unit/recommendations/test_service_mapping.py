"""The service's pure mappings: event payloads to projection rows, the feed cache's entries,
and the bandit refitted from the impression log."""

from __future__ import annotations

import uuid
from datetime import datetime
from decimal import Decimal

from common.cache import InProcessCache
from subgraphs.recommendations.records import Recommendation
from subgraphs.recommendations.service.feed_cache import FeedCache
from subgraphs.recommendations.service.projection import (
    city_of,
    listing_values,
    saved_search_values,
)
from subgraphs.recommendations.service.training import fit_bandit


def test_the_city_is_the_address_part_before_the_state() -> None:
    assert city_of("1503 Barton Hills Dr, Austin, TX") == "Austin"
    assert city_of("Rua Augusta 10, Lisbon") == "Lisbon"
    assert city_of("somewhere") is None
    assert city_of(None) is None


def test_a_property_snapshot_becomes_a_projection_row() -> None:
    owner, home = uuid.uuid4(), uuid.uuid4()
    row = listing_values(
        {
            "id": str(home),
            "owner_id": str(owner),
            "title": "Loft",
            "description": "Bright",
            "price": "525000.00",
            "currency": "usd",
            "type": "APARTMENT",
            "address": "1 Main St, Denver, CO",
            "no_of_bed_rooms": 2,
            "no_of_bath_rooms": "1",
            "floor_area": None,
            "latitude": 39.7,
            "longitude": -104.9,
            "status": "available",
            "created_at": "2026-12-01T10:00:00+00:00",
        },
        7,
    )
    assert row["id"] == home and row["owner_id"] == owner
    assert (row["type"], row["currency"], row["price"]) == (
        "apartment",
        "USD",
        Decimal("525000.00"),
    )
    assert (row["bedrooms"], row["bathrooms"], row["area"]) == (2, 1, None)
    assert (row["city"], row["text"], row["version"]) == ("Denver", "Loft\nBright", 7)


def test_a_saved_search_keeps_its_city_price_band_and_single_type() -> None:
    user, search = uuid.uuid4(), uuid.uuid4()
    values = saved_search_values(
        {
            "saved_search_id": str(search),
            "user_id": str(user),
            "filter": {"text": "Lekki", "types": ["HOUSE"], "price_min": "100", "price_max": None},
        },
        at=datetime(2026, 12, 1),
    )
    assert (values["city"], values["type"], values["min_price"], values["max_price"]) == (
        "Lekki",
        "house",
        Decimal("100"),
        None,
    )
    two_types = saved_search_values(
        {"saved_search_id": str(search), "user_id": str(user), "filter": {"types": ["A", "B"]}},
        at=datetime(2026, 12, 1),
    )
    assert two_types["type"] is None and two_types["city"] is None


async def test_the_feed_cache_serves_only_its_model_version_and_enough_items() -> None:
    cache = FeedCache(InProcessCache(), ttl_seconds=60)
    user = uuid.uuid4()
    items = [
        Recommendation(uuid.uuid4(), 1.0 - i / 10, "Popular on Realio", "popular")
        for i in range(10)
    ]
    await cache.put(user, "v1", items, complete=False)

    assert await cache.get(user, "v1", 5) == items[:5]
    assert await cache.get(user, "v1", 11) is None  # more than it holds
    assert await cache.get(user, "v2", 5) is None  # another model
    await cache.invalidate(user)
    assert await cache.get(user, "v1", 5) is None


async def test_a_complete_short_feed_is_served_for_any_first() -> None:
    cache = FeedCache(InProcessCache(), ttl_seconds=60)
    user = uuid.uuid4()
    items = [Recommendation(uuid.uuid4(), 1.0, "Popular on Realio", "popular")]
    await cache.put(user, "v1", items, complete=True)
    assert await cache.get(user, "v1", 50) == items


def test_the_bandit_refitted_from_the_log_prefers_the_rewarded_source() -> None:
    context = [1.0, 0.5, 0.0, 1.0, 0.0]
    log = [("content", context, 1.0)] * 30 + [("popular", context, 0.0)] * 30
    bandit = fit_bandit(log)
    assert bandit.pulls("content") == 30 and bandit.pulls("popular") == 30
    assert bandit.greedy(context, ["content", "popular"]) == "content"
    assert fit_bandit([("content", [1.0], 1.0)]).arms == []  # a context of another shape
