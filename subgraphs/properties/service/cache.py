"""Read-through cache of single listings (Redis, or in-process without Redis).

Entries are the listing snapshot; every write deletes the entry after its transaction commits,
so a read that follows a change always goes to the database. A reader that loaded the old row
just before a commit could put it back; the short TTL bounds how long that can last.
"""

from __future__ import annotations

import uuid

import orjson

from common.cache import Cache
from subgraphs.properties.records import Listing

DEFAULT_TTL_SECONDS = 300


class ListingCache:
    def __init__(self, cache: Cache, ttl_seconds: int = DEFAULT_TTL_SECONDS) -> None:
        self._cache = cache
        self._ttl = ttl_seconds

    @staticmethod
    def _key(property_id: uuid.UUID) -> str:
        return f"properties:listing:{property_id}"

    async def get(self, property_id: uuid.UUID) -> Listing | None:
        raw = await self._cache.get(self._key(property_id))
        if raw is None:
            return None
        try:
            return Listing.from_snapshot(orjson.loads(raw))
        except (ValueError, KeyError, TypeError):
            # An entry written by an older shape of Listing: treat it as a miss.
            await self.invalidate(property_id)
            return None

    async def put(self, listing: Listing) -> None:
        await self._cache.set(self._key(listing.id), orjson.dumps(listing.snapshot()), self._ttl)

    async def invalidate(self, *property_ids: uuid.UUID) -> None:
        await self._cache.delete(*(self._key(i) for i in property_ids))
