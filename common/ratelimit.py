"""Fixed-window rate limiting: Redis-backed with ``REALIO_REDIS_URL``, in-process otherwise."""

from __future__ import annotations

import math
import time
from dataclasses import dataclass
from typing import Protocol

from redis.asyncio import Redis

from common.errors import RateLimited


@dataclass(frozen=True, slots=True)
class Decision:
    allowed: bool
    remaining: int
    retry_after: int


class RateLimiter(Protocol):
    async def hit(self, key: str, limit: int, window_seconds: int) -> Decision:
        """Count one attempt against ``key`` and say whether it is within ``limit``."""
        ...

    async def peek(self, key: str, limit: int) -> Decision:
        """Whether one more attempt against ``key`` would be within ``limit``, counting none."""
        ...

    async def reset(self, key: str) -> None: ...


def _refuse(decision: Decision) -> None:
    if not decision.allowed:
        raise RateLimited(
            f"Too many attempts. Try again in {decision.retry_after} seconds.",
            retry_after=decision.retry_after,
        )


async def enforce(limiter: RateLimiter, key: str, limit: int, window_seconds: int) -> None:
    """Count an attempt and raise RATE_LIMITED (with ``retryAfter`` seconds) past the limit."""
    _refuse(await limiter.hit(key, limit, window_seconds))


async def refuse_when_exhausted(limiter: RateLimiter, key: str, limit: int) -> None:
    """Raise RATE_LIMITED when ``key`` has used up ``limit``, without counting an attempt.

    For limits on failures only: check before the attempt, ``hit`` once it has failed.
    """
    _refuse(await limiter.peek(key, limit))


class InProcessRateLimiter:
    """For a single process; counters vanish on restart."""

    def __init__(self) -> None:
        self._windows: dict[str, tuple[int, float]] = {}

    async def hit(self, key: str, limit: int, window_seconds: int) -> Decision:
        now = time.monotonic()
        count, resets_at = self._windows.get(key, (0, now + window_seconds))
        if now >= resets_at:
            count, resets_at = 0, now + window_seconds
        count += 1
        self._windows[key] = (count, resets_at)
        if len(self._windows) > 100_000:
            self._windows = {k: v for k, v in self._windows.items() if v[1] > now}
        retry_after = max(1, math.ceil(resets_at - now))
        return Decision(count <= limit, max(0, limit - count), 0 if count <= limit else retry_after)

    async def peek(self, key: str, limit: int) -> Decision:
        now = time.monotonic()
        count, resets_at = self._windows.get(key, (0, now))
        if now >= resets_at or count < limit:
            return Decision(True, max(0, limit - count) if now < resets_at else limit, 0)
        return Decision(False, 0, max(1, math.ceil(resets_at - now)))

    async def reset(self, key: str) -> None:
        self._windows.pop(key, None)


class RedisRateLimiter:
    """Shared by every instance of a service; one round trip per attempt."""

    def __init__(self, redis: Redis, prefix: str) -> None:
        self._redis = redis
        self._prefix = f"{prefix}ratelimit:"

    async def hit(self, key: str, limit: int, window_seconds: int) -> Decision:
        full_key = self._prefix + key
        async with self._redis.pipeline(transaction=True) as pipe:
            pipe.incr(full_key)
            pipe.expire(full_key, window_seconds, nx=True)
            pipe.ttl(full_key)
            count, _, ttl = await pipe.execute()
        allowed = count <= limit
        retry_after = 0 if allowed else max(1, int(ttl))
        return Decision(allowed, max(0, limit - count), retry_after)

    async def peek(self, key: str, limit: int) -> Decision:
        full_key = self._prefix + key
        async with self._redis.pipeline(transaction=True) as pipe:
            pipe.get(full_key)
            pipe.ttl(full_key)
            raw, ttl = await pipe.execute()
        count = int(raw) if raw is not None else 0
        if count < limit or ttl == -2:
            return Decision(True, max(0, limit - count), 0)
        return Decision(False, 0, max(1, int(ttl)))

    async def reset(self, key: str) -> None:
        await self._redis.delete(self._prefix + key)
