"""Each viewer's feed, cached (Redis when ``REALIO_REDIS_URL`` is set, else in-process).

One entry per viewer holds the last feed computed for them, with the model version it came
from and how many items it has; a new interaction deletes it (``invalidate``), and an entry of
another model version is ignored, so a viewer never sees a feed older than their last action.
"""

from __future__ import annotations

import json
import uuid

from common.cache import Cache
from subgraphs.recommendations.records import Recommendation

KEY_PREFIX = "recommendations:feed:"


def feed_key(user_id: uuid.UUID) -> str:
    return f"{KEY_PREFIX}{user_id}"


class FeedCache:
    def __init__(self, cache: Cache, ttl_seconds: int) -> None:
        self.cache = cache
        self.ttl_seconds = ttl_seconds

    async def get(
        self, user_id: uuid.UUID, version: str, first: int
    ) -> list[Recommendation] | None:
        """The cached feed when it is of ``version`` and has at least ``first`` items (or is
        all there was)."""
        if self.ttl_seconds <= 0:
            return None
        raw = await self.cache.get(feed_key(user_id))
        if raw is None:
            return None
        entry = json.loads(raw)
        if entry.get("version") != version:
            return None
        items = [
            Recommendation(uuid.UUID(pid), float(score), str(reason), str(source))
            for pid, score, reason, source in entry["items"]
        ]
        if len(items) < first and not entry.get("complete"):
            return None
        return items[:first]

    async def put(
        self, user_id: uuid.UUID, version: str, items: list[Recommendation], *, complete: bool
    ) -> None:
        """Cache ``items``; ``complete``: there are no more than these to recommend."""
        if self.ttl_seconds <= 0:
            return
        entry = {
            "version": version,
            "complete": complete,
            "items": [[str(i.property_id), i.score, i.reason, i.source] for i in items],
        }
        await self.cache.set(feed_key(user_id), json.dumps(entry).encode(), self.ttl_seconds)

    async def invalidate(self, *user_ids: uuid.UUID) -> None:
        await self.cache.delete(*(feed_key(user_id) for user_id in user_ids))
