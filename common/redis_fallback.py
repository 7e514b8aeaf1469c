"""When Redis is unreachable, the features built on it degrade instead of failing requests.

Redis is a scale-out adapter (ARCHITECTURE.md): everything it serves has an in-process
default. So a Redis outage must not turn logins or listing reads into INTERNAL_SERVER_ERROR:

- rate limits fall back to in-process counters (per instance, so looser across a fleet, but
  still limits) until Redis answers again;
- the cache behaves as a miss (reads go to the database) and writes are skipped;
- readiness reports ``redis`` as degraded (``/ready`` stays 200: the instance still serves).

Every fallback is logged once per outage, and the first success after it is logged too.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from functools import partial

from redis.asyncio import Redis
from redis.exceptions import RedisError

from common.cache import Cache
from common.ratelimit import Decision, InProcessRateLimiter, RateLimiter

log = logging.getLogger("realio.redis")

# What a call to an unreachable (or failing) Redis raises.
REDIS_FAILURES: tuple[type[Exception], ...] = (RedisError, OSError)


class _Outage:
    """Logs the start and the end of one outage, not every failed call."""

    def __init__(self, feature: str) -> None:
        self.feature = feature
        self.down = False

    def failed(self, error: Exception) -> None:
        if not self.down:
            self.down = True
            log.warning("redis unreachable, %s degrades: %s", self.feature, error)

    def succeeded(self) -> None:
        if self.down:
            self.down = False
            log.warning("redis reachable again, %s uses it", self.feature)


class FallbackRateLimiter:
    """Redis-backed limits that fall back to in-process counters while Redis fails."""

    def __init__(self, primary: RateLimiter, fallback: RateLimiter | None = None) -> None:
        self._primary = primary
        self._fallback = fallback or InProcessRateLimiter()
        self._outage = _Outage("rate limiting")

    async def hit(self, key: str, limit: int, window_seconds: int) -> Decision:
        try:
            decision = await self._primary.hit(key, limit, window_seconds)
        except REDIS_FAILURES as error:
            self._outage.failed(error)
            return await self._fallback.hit(key, limit, window_seconds)
        self._outage.succeeded()
        return decision

    async def peek(self, key: str, limit: int) -> Decision:
        try:
            decision = await self._primary.peek(key, limit)
        except REDIS_FAILURES as error:
            self._outage.failed(error)
            return await self._fallback.peek(key, limit)
        self._outage.succeeded()
        return decision

    async def reset(self, key: str) -> None:
        await self._fallback.reset(key)
        try:
            await self._primary.reset(key)
        except REDIS_FAILURES as error:
            self._outage.failed(error)


class FallbackCache:
    """A cache that is a miss while Redis fails (the database answers instead)."""

    def __init__(self, primary: Cache) -> None:
        self._primary = primary
        self._outage = _Outage("caching")

    async def get(self, key: str) -> bytes | None:
        try:
            value = await self._primary.get(key)
        except REDIS_FAILURES as error:
            self._outage.failed(error)
            return None
        self._outage.succeeded()
        return value

    async def set(self, key: str, value: bytes, ttl_seconds: int) -> None:
        try:
            await self._primary.set(key, value, ttl_seconds)
        except REDIS_FAILURES as error:
            self._outage.failed(error)

    async def delete(self, *keys: str) -> None:
        # An invalidation lost here leaves an entry Redis may still hold when it returns; the
        # entries' TTL bounds how long it can be served.
        try:
            await self._primary.delete(*keys)
        except REDIS_FAILURES as error:
            self._outage.failed(error)


async def redis_answers(redis: Redis) -> bool:
    """Whether Redis answers a PING (for ``/ready``); never raises."""
    try:
        return bool(await redis.ping())
    except REDIS_FAILURES:
        return False


def redis_checks(redis: Redis | None) -> dict[str, Callable[[], Awaitable[bool]]]:
    """``{"redis": check}`` for ``SubgraphApp.degradable_checks`` (nothing without Redis)."""
    return {} if redis is None else {"redis": partial(redis_answers, redis)}
