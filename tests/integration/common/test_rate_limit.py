import uuid
from collections.abc import AsyncIterator

import pytest
from redis.asyncio import Redis

from common.config import Settings
from common.errors import RateLimited
from common.ratelimit import (
    InProcessRateLimiter,
    RateLimiter,
    RedisRateLimiter,
    enforce,
    refuse_when_exhausted,
)


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


async def test_peek_tells_whether_a_key_is_exhausted_without_counting(
    limiter: RateLimiter,
) -> None:
    key = f"failures:{uuid.uuid4()}"
    assert (await limiter.peek(key, 2)).allowed
    for _ in range(5):
        await refuse_when_exhausted(limiter, key, limit=2)  # peeking never uses the limit up
    await limiter.hit(key, 2, 60)
    assert (await limiter.peek(key, 2)).allowed
    await limiter.hit(key, 2, 60)
    exhausted = await limiter.peek(key, 2)
    assert not exhausted.allowed and 1 <= exhausted.retry_after <= 60
    with pytest.raises(RateLimited):
        await refuse_when_exhausted(limiter, key, limit=2)
    await limiter.reset(key)
    assert (await limiter.peek(key, 2)).allowed
