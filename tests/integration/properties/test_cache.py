"""Property reads are cached in Redis, and no read after a change ever sees the old data."""

from __future__ import annotations

from redis.asyncio import Redis

from common.config import Settings
from tests.integration.properties.client import DELETE, GET, UPDATE, PropertiesClient, error_codes
from tests.support.personas import Persona


def cache_key(settings: Settings, property_id: str) -> str:
    return f"{settings.redis_key_prefix}cache:properties:listing:{property_id}"


async def test_a_read_fills_the_redis_cache_and_the_next_read_uses_it(
    client: PropertiesClient, seller: Persona, settings: Settings
) -> None:
    assert settings.redis_url
    created = await client.create(seller)
    redis = Redis.from_url(settings.redis_url)
    try:
        key = cache_key(settings, created["id"])
        assert await redis.get(key) is None
        first = (await client.data(GET, {"id": created["id"]}))["property"]
        assert await redis.get(key) is not None
        # Plant a marker in the cached entry: the next read must come from the cache.
        cached = await redis.get(key)
        assert isinstance(cached, bytes)
        raw = cached.replace(b"Sunny bungalow", b"Cached bungalow")
        await redis.set(key, raw, ex=60)
        second = (await client.data(GET, {"id": created["id"]}))["property"]
        assert second["title"] == first["title"].replace("Sunny", "Cached")
    finally:
        await redis.aclose()


async def test_reads_after_updates_never_show_stale_data(
    client: PropertiesClient, seller: Persona
) -> None:
    created = await client.create(seller)
    for round_ in range(15):
        await client.data(GET, {"id": created["id"]})  # warm the cache with the current state
        price = f"{500000 + round_}.00"
        await client.data(UPDATE, {"id": created["id"], "input": {"price": price}}, seller.token)
        fetched = (await client.data(GET, {"id": created["id"]}))["property"]
        assert fetched["price"]["amount"] == price
        assert fetched["version"] == round_ + 2


async def test_a_read_after_a_delete_is_not_found_even_when_it_was_cached(
    client: PropertiesClient, seller: Persona
) -> None:
    created = await client.create(seller)
    await client.data(GET, {"id": created["id"]})
    await client.data(DELETE, {"id": created["id"]}, seller.token)
    body = await client.call(GET, {"id": created["id"]})
    assert error_codes(body) == [("NOT_FOUND", None)]


async def test_going_off_market_hides_a_cached_listing_from_buyers(
    client: PropertiesClient, seller: Persona, buyer: Persona
) -> None:
    created = await client.create(seller)
    await client.data(GET, {"id": created["id"]}, buyer.token)
    await client.data(
        UPDATE, {"id": created["id"], "input": {"status": "OFF_MARKET"}}, seller.token
    )
    body = await client.call(GET, {"id": created["id"]}, buyer.token)
    assert error_codes(body) == [("NOT_FOUND", None)]
