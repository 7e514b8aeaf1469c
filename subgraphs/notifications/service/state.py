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

The dispatcher uses the batched forms (``reserve_sends``, ``claim_deliveries``,
``release_deliveries``): one Redis pipeline and at most one Postgres query per batch.

Without Redis each answer comes from Postgres; a failing Redis degrades to Postgres too.
"""

from __future__ import annotations

import logging
import time
import uuid
from collections.abc import Mapping, Sequence
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

    # -- the dispatcher's batched forms ---------------------------------------------------------

    async def claim_deliveries(self, keys: Sequence[tuple[uuid.UUID, str]]) -> list[bool]:
        """``claim_delivery`` for each (notification, channel), in one pipeline."""
        if self.redis is None or not keys:
            return [True] * len(keys)
        try:
            async with self.redis.pipeline(transaction=False) as pipe:
                for notification_id, channel in keys:
                    pipe.set(
                        self.dedup_key(notification_id, channel),
                        b"1",
                        nx=True,
                        ex=DEDUP_TTL_SECONDS,
                    )
                won = await pipe.execute()
        except REDIS_FAILURES as error:
            self._failed(error)
            return [True] * len(keys)
        self._succeeded()
        return [bool(w) for w in won]

    async def release_deliveries(self, keys: Sequence[tuple[uuid.UUID, str]]) -> None:
        """Give claims back: the channel said it sent nothing, so a retry may claim again."""
        if self.redis is None or not keys:
            return
        try:
            await self.redis.delete(*[self.dedup_key(n, c) for n, c in keys])
        except REDIS_FAILURES as error:
            self._failed(error)

    async def _sent_in_windows(
        self, wanted: Sequence[tuple[uuid.UUID, str]], since: datetime
    ) -> dict[tuple[uuid.UUID, str], int]:
        users = list({u for u, _ in wanted})
        channels = list({c for _, c in wanted})
        query = (
            select(notifications.c.user_id, deliveries.c.channel, func.count())
            .select_from(deliveries.join(notifications))
            .where(
                notifications.c.user_id.in_(users),
                deliveries.c.channel.in_(channels),
                deliveries.c.status == "delivered",
                deliveries.c.updated_at >= since,
            )
            .group_by(notifications.c.user_id, deliveries.c.channel)
        )
        async with self._sessions() as session:
            rows = await session.execute(query)
            return {(row[0], row[1]): int(row[2]) for row in rows}

    async def reserve_sends(
        self,
        wanted: Sequence[tuple[uuid.UUID, str]],
        limits: Mapping[str, int],
        *,
        window_seconds: int,
        now: datetime,
    ) -> list[bool]:
        """For each (user, channel) send in ``wanted``, in order: may it go in this window?

        ``limits`` caps sends per user and channel in a fixed window (a channel missing or
        at 0 has no cap). Each allowed send is counted; with Redis a refused one is counted
        too (it changes nothing: the window is already full).
        """
        limited = [(u, c) for u, c in wanted if limits.get(c, 0) > 0]
        if not limited:
            return [True] * len(wanted)
        window = int(now.timestamp()) // window_seconds
        since = datetime.fromtimestamp(window * window_seconds, UTC)
        counts: dict[tuple[uuid.UUID, str], list[int]] | None = None
        if self.redis is not None:
            counts = await self._count_in_redis(limited, window, window_seconds, since)
        if counts is None:  # no Redis, or it failed: what Postgres recorded, counted here
            sent = await self._sent_in_windows(limited, since)
            allowed: list[bool] = []
            for user_id, channel in wanted:
                cap = limits.get(channel, 0)
                if cap <= 0:
                    allowed.append(True)
                    continue
                done = sent.get((user_id, channel), 0)
                allowed.append(done < cap)
                sent[(user_id, channel)] = done + 1
            return allowed
        return [limits.get(c, 0) <= 0 or counts[(u, c)].pop(0) <= limits[c] for u, c in wanted]

    async def _count_in_redis(
        self,
        limited: Sequence[tuple[uuid.UUID, str]],
        window: int,
        window_seconds: int,
        since: datetime,
    ) -> dict[tuple[uuid.UUID, str], list[int]] | None:
        """Each limited send's count in its window's key (seeded from Postgres when missing),
        in order per (user, channel); None when Redis fails."""
        assert self.redis is not None
        distinct = list(dict.fromkeys(limited))
        keys = {k: self.limit_key(k[1], k[0], window) for k in distinct}
        try:
            async with self.redis.pipeline(transaction=False) as pipe:
                for key in keys.values():
                    pipe.exists(key)
                present = await pipe.execute()
            missing = [k for k, here in zip(distinct, present, strict=True) if not here]
            seeds = await self._sent_in_windows(missing, since) if missing else {}
            async with self.redis.pipeline(transaction=False) as pipe:
                for item in limited:
                    pipe.eval(_HIT_SEEDED, 1, keys[item], seeds.get(item, 0), window_seconds + 60)
                counted = await pipe.execute()
        except REDIS_FAILURES as error:
            self._failed(error)
            return None
        self._succeeded()
        by_key: dict[tuple[uuid.UUID, str], list[int]] = {k: [] for k in distinct}
        for item, count in zip(limited, counted, strict=True):
            by_key[item].append(int(count))
        return by_key
