"""Builds the adapters the configuration selects (Redis or in-process, SMTP or console, …).

Composition roots call these; nothing else reads URLs to choose an adapter.
"""

from __future__ import annotations

from redis.asyncio import Redis

from common.cache import Cache, InProcessCache, RedisCache
from common.config import Settings
from common.ratelimit import InProcessRateLimiter, RateLimiter, RedisRateLimiter
from common.redis_fallback import FallbackCache, FallbackRateLimiter
from common.storage import LocalStorage, Storage

REDIS_TIMEOUT_SECONDS = 1.0


def build_redis(settings: Settings) -> Redis | None:
    """A Redis client when ``REALIO_REDIS_URL`` is set, else None (in-process fallbacks)."""
    if not settings.redis_url:
        return None
    # Bounded waits: an unreachable Redis must cost a request milliseconds, not a hang, before
    # the feature using it degrades (common.redis_fallback).
    return Redis.from_url(
        settings.redis_url,
        decode_responses=False,
        socket_connect_timeout=REDIS_TIMEOUT_SECONDS,
        socket_timeout=REDIS_TIMEOUT_SECONDS,
    )


def build_rate_limiter(settings: Settings, redis: Redis | None) -> RateLimiter:
    if redis is None:
        return InProcessRateLimiter()
    return FallbackRateLimiter(RedisRateLimiter(redis, settings.redis_key_prefix))


def build_cache(settings: Settings, redis: Redis | None) -> Cache:
    if redis is None:
        return InProcessCache()
    return FallbackCache(RedisCache(redis, settings.redis_key_prefix))


def build_storage(settings: Settings, public_url: str | None = None) -> Storage:
    """S3 when ``REALIO_S3_URL`` is set, else a local directory served at ``public_url``."""
    if settings.s3_url:
        # Imported here: aioboto3 is slow to import and only S3 deployments need it.
        from common.storage_s3 import S3Storage

        return S3Storage.from_url(settings.s3_url, public_url or settings.public_files_url)
    return LocalStorage(settings.resolved_storage_dir(), public_url or settings.public_files_url)
