"""Notifications' short-lived state: Redis when configured, Postgres always (decision 0027).

Postgres holds the record (notifications, deliveries); Redis, when ``REALIO_REDIS_URL`` is
set, holds what is read often or must be decided fast, and every key can be rebuilt from
Postgres: losing Redis (a flush, a restart, an outage) loses no information.

- **Unread counters** ``notifications:unread:<user>``: read through (a miss counts in
  Postgres and stores the count); a new notification or a read adjusts a counter only when it
  exists (a Lua script), "mark all read" deletes it. Entries expire after
  ``UNREAD_TTL_SECONDS``, which bounds the one race left (a count read just before a commit
  stored just after it).
- **Delivery de-duplication keys** ``notifications:sent:<notification>:<channel>``: the first
  claim of a (notification, channel) wins. They save a channel a second attempt when an event
  is consumed twice; the delivery row in Postgres stays the record a channel checks too, so a
  flushed key never means a second send (``claim_delivery`` is a fast path, not the guard).
- **Per-user send limits** ``notifications:limit:<channel>:<user>:<window>``: a fixed window;
  a missing key starts from the deliveries Postgres recorded in that window.

Without Redis each answer comes from Postgres; a failing Redis degrades to Postgres too.
"""

from __future__ import annotations

import logging
import time
import uuid
from collections.abc import Mapping
from datetime import UTC, datetime

from redis.asyncio import Redis
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from common.redis_fallback import REDIS_FAILURES
from subgraphs.notifications.models import deliveries, notifications

log = logging.getLogger("realio.notifications")

UNREAD_TTL_SECONDS = 300
DEDUP_TTL_SECONDS = 7 * 24 * 3600

# INCRBY only when the counter exists: a missing one is rebuilt from Postgres on its next read.
_ADJUST_IF_PRESENT = """
if redis.call('EXISTS', KEYS[1]) == 1 then
  return redis.call('INCRBY', KEYS[1], ARGV[1])
end
return false
"""
# Seed the window's counter from Postgres when missing, then count this send.
_HIT_SEEDED = """
redis.call('SET', KEYS[1], ARGV[1], 'NX', 'EX', ARGV[2])
return redis.call('INCR', KEYS[1])
"""


class NotificationState:
    def __init__(
        self,
        sessions: async_sessionmaker[AsyncSession],
        redis: Redis | None,
        prefix: str = "realio:",
    ) -> None:
        self._sessions = sessions
        self.redis = redis
        self._prefix = f"{prefix}notifications:"
        self._down = False

    # -- keys ---------------------------------------------------------------------------------

    def unread_key(self, user_id: uuid.UUID) -> str:
        return f"{self._prefix}unread:{user_id}"

    def dedup_key(self, notification_id: uuid.UUID, channel: str) -> str:
        return f"{self._prefix}sent:{notification_id}:{channel}"

    def limit_key(self, channel: str, user_id: uuid.UUID, window: int) -> str:
        return f"{self._prefix}limit:{channel}:{user_id}:{window}"

    def _failed(self, error: Exception) -> None:
        if not self._down:
            self._down = True
            log.warning("redis unreachable, notifications' state reads Postgres: %s", error)

    def _succeeded(self) -> None:
        if self._down:
            self._down = False
            log.warning("redis reachable again, notifications' state uses it")

    # -- unread counters ----------------------------------------------------------------------

    async def _count_unread(self, user_id: uuid.UUID) -> int:
        async with self._sessions() as session:
            query = select(func.count()).where(
                notifications.c.user_id == user_id, notifications.c.read_at.is_(None)
            )
            return int((await session.execute(query)).scalar_one())

    async def unread_count(self, user_id: uuid.UUID) -> int:
        """How many of the user's notifications are unread."""
        if self.redis is None:
            return await self._count_unread(user_id)
        key = self.unread_key(user_id)
        try:
            cached = await self.redis.get(key)
        except REDIS_FAILURES as error:
            self._failed(error)
            return await self._count_unread(user_id)
        self._succeeded()
        if cached is not None:
            return max(0, int(cached))
        counted = await self._count_unread(user_id)
        try:
            await self.redis.set(key, counted, ex=UNREAD_TTL_SECONDS, nx=True)
        except REDIS_FAILURES as error:
            self._failed(error)
        return counted

    async def unread_changed(self, by_user: Mapping[uuid.UUID, int]) -> None:
        """Committed changes: ``+n`` new unread notifications, ``-n`` read ones, per user."""
        if self.redis is None or not by_user:
            return
        try:
            async with self.redis.pipeline(transaction=False) as pipe:
                for user_id, delta in by_user.items():
                    if delta:
                        pipe.eval(_ADJUST_IF_PRESENT, 1, self.unread_key(user_id), delta)
                await pipe.execute()
        except REDIS_FAILURES as error:
            self._failed(error)
            # A counter that missed a change must not be served: drop what can be dropped.
            await self._forget(list(by_user))

    async def unread_reset(self, user_id: uuid.UUID) -> None:
        """Everything of the user's was marked read: the next read recounts."""
        await self._forget([user_id])

    async def _forget(self, user_ids: list[uuid.UUID]) -> None:
        if self.redis is None:
            return
        try:
            await self.redis.delete(*[self.unread_key(u) for u in user_ids])
        except REDIS_FAILURES as error:
            self._failed(error)

    # -- delivery de-duplication --------------------------------------------------------------

    async def claim_delivery(self, notification_id: uuid.UUID, channel: str) -> bool:
        """False when this (notification, channel) was claimed before (Redis only).

        True without Redis, or when Redis fails: the channel's delivery row in Postgres is
        then the only guard, as it always is behind this fast path.
        """
        if self.redis is None:
            return True
        try:
            won = await self.redis.set(
                self.dedup_key(notification_id, channel), b"1", nx=True, ex=DEDUP_TTL_SECONDS
            )
        except REDIS_FAILURES as error:
            self._failed(error)
            return True
        self._succeeded()
        return bool(won)

    # -- per-user send limits -----------------------------------------------------------------

    async def _sent_in_window(self, user_id: uuid.UUID, channel: str, since: datetime) -> int:
        async with self._sessions() as session:
            query = (
                select(func.count())
                .select_from(deliveries.join(notifications))
                .where(
                    notifications.c.user_id == user_id,
                    deliveries.c.channel == channel,
                    deliveries.c.status == "delivered",
                    deliveries.c.updated_at >= since,
                )
            )
            return int((await session.execute(query)).scalar_one())

    async def allow_send(
        self, user_id: uuid.UUID, channel: str, *, limit: int, window_seconds: int
    ) -> bool:
        """Count one send to the user on ``channel``; False past ``limit`` in the window.

        Windows are fixed (aligned to the epoch). Without Redis the deliveries Postgres
        recorded in the window are counted, so the caller records each send it makes.
        """
        window = int(time.time()) // window_seconds
        since = datetime.fromtimestamp(window * window_seconds, UTC)
        if self.redis is not None:
            key = self.limit_key(channel, user_id, window)
            try:
                exists = await self.redis.exists(key)
                seed = 0 if exists else await self._sent_in_window(user_id, channel, since)
                count = await self.redis.eval(_HIT_SEEDED, 1, key, seed, window_seconds + 60)
            except REDIS_FAILURES as error:
                self._failed(error)
            else:
                self._succeeded()
                return int(count) <= limit
        return await self._sent_in_window(user_id, channel, since) < limit
