import uuid
from collections.abc import AsyncIterator

import pytest
from redis.asyncio import Redis

from common.config import Settings
from common.errors import RateLimited
from common.ratelimit import InProcessRateLimiter, RateLimiter, RedisRateLimiter, enforce


@pytest.fixture(params=["redis", "in-process"])
async def limiter(request: pytest.FixtureRequest, settings: Settings) -> AsyncIterator[RateLimiter]:
    if request.param == "in-process":
        yield InProcessRateLimiter()
        return
    assert settings.redis_url, "integration tests need Redis"
    redis = Redis.from_url(settings.redis_url)
    yield RedisRateLimiter(redis, settings.redis_key_prefix)
    await redis.aclose()


async def test_attempts_past_the_limit_are_refused_with_retry_after(limiter: RateLimiter) -> None:
    key = f"login:{uuid.uuid4()}"
    for _ in range(3):
        await enforce(limiter, key, limit=3, window_seconds=60)
    with pytest.raises(RateLimited) as refused:
        await enforce(limiter, key, limit=3, window_seconds=60)
    assert 1 <= refused.value.retry_after <= 60
    assert refused.value.as_extensions() == {
        "code": "RATE_LIMITED",
        "retryAfter": refused.value.retry_after,
    }


async def test_limits_are_counted_per_key_and_reset_clears_them(limiter: RateLimiter) -> None:
    a, b = f"a:{uuid.uuid4()}", f"b:{uuid.uuid4()}"
    assert (await limiter.hit(a, 1, 60)).allowed
    assert not (await limiter.hit(a, 1, 60)).allowed
    assert (await limiter.hit(b, 1, 60)).allowed
    await limiter.reset(a)
    assert (await limiter.hit(a, 1, 60)).allowed
