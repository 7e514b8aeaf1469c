"""Automatic persisted queries (Apollo's APQ protocol, version 1).

A client first sends only ``extensions.persistedQuery.sha256Hash``; an unknown hash answers
``PersistedQueryNotFound`` and the client retries with the query text. The text is registered
only once its hash is checked and the operation has parsed, validated, passed the limits and
been planned (the caller calls :meth:`PersistedQueryStore.register` then), so nobody can fill
the store with documents the router would refuse; a text over ``max_query_bytes`` is served
but never registered. Queries live in an in-process LRU; when a Redis URL is configured they
are also written to Redis, with a TTL, so that every router instance behind a load balancer
knows them and Redis does not keep them for ever.
"""

from __future__ import annotations

import hashlib
import logging
from collections import OrderedDict
from collections.abc import Awaitable, Mapping
from typing import Any

from graphql import GraphQLError

from router.limits import request_error

APQ_KEY_SPACE = "router:apq:"
# An unreachable Redis degrades the store to this router's own LRU instead of failing requests
# (the store adds redis' own error class when it has a Redis: redis is imported only then).
REDIS_FAILURES: tuple[type[Exception], ...] = (OSError,)
logger = logging.getLogger("router.apq")


class PersistedQueryError(Exception):
    """A persisted-query request that cannot be served; carries the GraphQL error."""

    def __init__(self, error: GraphQLError) -> None:
        super().__init__(error.message)
        self.error = error


def persisted_query_hash(extensions: Mapping[str, Any] | None) -> str | None:
    """The hash in ``extensions.persistedQuery``; ``None`` when the request does not use APQ."""
    if not extensions:
        return None
    persisted = extensions.get("persistedQuery")
    if persisted is None:
        return None
    if not isinstance(persisted, Mapping):
        raise PersistedQueryError(
            request_error("extensions.persistedQuery must be an object.", "BAD_REQUEST")
        )
    if persisted.get("version") != 1:
        raise PersistedQueryError(
            request_error(
                "Unsupported persisted query version.", "PERSISTED_QUERY_VERSION_NOT_SUPPORTED"
            )
        )
    sha256_hash = persisted.get("sha256Hash")
    if not isinstance(sha256_hash, str) or not sha256_hash:
        raise PersistedQueryError(
            request_error("extensions.persistedQuery.sha256Hash must be a string.", "BAD_REQUEST")
        )
    return sha256_hash.lower()


class PersistedQueryStore:
    """In-process LRU of query texts by sha256, optionally backed by Redis (entries expire)."""

    def __init__(
        self,
        capacity: int = 1000,
        redis: Any | None = None,
        key_prefix: str = "realio:",
        *,
        max_query_bytes: int = 50_000,
        ttl_seconds: int = 86_400,
    ) -> None:
        self._capacity = capacity
        self._entries: OrderedDict[str, str] = OrderedDict()
        self._redis = redis
        self._failures = REDIS_FAILURES
        if redis is not None:
            from redis.exceptions import RedisError

            self._failures = (RedisError, *REDIS_FAILURES)
        self._key_prefix = key_prefix + APQ_KEY_SPACE
        self.max_query_bytes = max_query_bytes
        self.ttl_seconds = ttl_seconds
        self.redis_down = False

    def redis_key(self, sha256_hash: str) -> str:
        """Where the query with ``sha256_hash`` is kept in Redis."""
        return self._key_prefix + sha256_hash

    @staticmethod
    def check(sha256_hash: str, query: str) -> None:
        """Raise ``PERSISTED_QUERY_HASH_MISMATCH`` unless ``query`` hashes to ``sha256_hash``."""
        if hashlib.sha256(query.encode("utf-8", "surrogatepass")).hexdigest() != sha256_hash:
            raise PersistedQueryError(
                request_error("provided sha does not match query", "PERSISTED_QUERY_HASH_MISMATCH")
            )

    async def lookup(self, sha256_hash: str) -> str:
        """The registered query text; ``PERSISTED_QUERY_NOT_FOUND`` for an unknown hash."""
        known = self._entries.get(sha256_hash)
        if known is not None:
            self._entries.move_to_end(sha256_hash)
            return known
        if self._redis is not None:
            stored = await self._shared(self._redis.get(self.redis_key(sha256_hash)))
            if stored is not None:
                text = stored.decode() if isinstance(stored, bytes) else str(stored)
                self._remember(sha256_hash, text)
                return text
        raise PersistedQueryError(
            request_error("PersistedQueryNotFound", "PERSISTED_QUERY_NOT_FOUND")
        )

    async def register(self, sha256_hash: str, query: str) -> bool:
        """Keep ``query`` (already checked and prepared) under its hash; ``False`` if too large."""
        if len(query.encode()) > self.max_query_bytes:
            return False
        if sha256_hash not in self._entries and self._redis is not None:
            await self._shared(
                self._redis.set(self.redis_key(sha256_hash), query, ex=self.ttl_seconds)
            )
        self._remember(sha256_hash, query)
        return True

    async def _shared(self, call: Awaitable[Any]) -> Any:
        """A Redis call; None when Redis fails (this router's own entries still serve)."""
        try:
            return await call
        except self._failures as error:
            if not self.redis_down:
                logger.warning("redis unreachable, persisted queries stay in-process: %s", error)
            self.redis_down = True
            return None

    async def redis_reachable(self) -> bool | None:
        """Whether the shared store answers (None without one), for ``/ready``."""
        if self._redis is None:
            return None
        try:
            await self._redis.ping()
        except self._failures:
            return False
        self.redis_down = False
        return True

    def _remember(self, sha256_hash: str, query: str) -> None:
        self._entries[sha256_hash] = query
        self._entries.move_to_end(sha256_hash)
        if len(self._entries) > self._capacity:
            self._entries.popitem(last=False)

    async def aclose(self) -> None:
        """Close the Redis connection, if any."""
        if self._redis is not None:
            await self._redis.aclose()


def create_store(
    capacity: int,
    redis_url: str | None,
    key_prefix: str = "realio:",
    *,
    max_query_bytes: int = 50_000,
    ttl_seconds: int = 86_400,
) -> PersistedQueryStore:
    """The store for the configured backends (Redis only when ``redis_url`` is set)."""
    redis = None
    if redis_url:
        from redis.asyncio import Redis

        redis = Redis.from_url(redis_url, socket_connect_timeout=1.0, socket_timeout=1.0)
    return PersistedQueryStore(
        capacity=capacity,
        redis=redis,
        key_prefix=key_prefix,
        max_query_bytes=max_query_bytes,
        ttl_seconds=ttl_seconds,
    )
