"""The impression log: what the feed showed, with the bandit's propensity and context.

A request only queues its rows; a background writer inserts them in batches, so logging costs
the feed no database round trip. Rewards (a click, favourite or booking of a home shown in
the last day) are written on the impression and update the served bandit
(``Rewards.apply``).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import uuid
from collections import deque
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from common.db import transaction
from subgraphs.recommendations import repository
from subgraphs.recommendations.ml import Scored
from subgraphs.recommendations.service.dependencies import Dependencies
from subgraphs.recommendations.service.model import ModelHolder

log = logging.getLogger("realio.recommendations")
QUEUE_LIMIT = 100_000
BATCH = 2_000
# How long after an impression an interaction still counts as its reward.
REWARD_WINDOW = timedelta(days=1)
# The reward each kind earns the source that showed the home.
REWARDS = {"click": 1.0, "favorite": 1.0, "booking": 1.0, "message": 1.0}


class ImpressionLog:
    def __init__(self, deps: Dependencies) -> None:
        self.deps = deps
        self._queue: deque[dict[str, Any]] = deque()
        self._wakeup = asyncio.Event()
        # Held while a batch is written: a flush returns only once earlier writes committed.
        self._writing = asyncio.Lock()
        self.dropped = 0

    def log(
        self, user_id: uuid.UUID, picks: list[Scored], version: str, shown_at: datetime
    ) -> None:
        """Queue one impression per pick (slot order); never blocks the request."""
        for slot, pick in enumerate(picks):
            if len(self._queue) >= QUEUE_LIMIT:
                self.dropped += 1
                continue
            self._queue.append(
                {
                    "user_id": user_id,
                    "property_id": uuid.UUID(pick.property_id),
                    "source": pick.source,
                    "propensity": pick.propensity,
                    "context": list(pick.context),
                    "slot": slot,
                    "model_version": version,
                    "shown_at": shown_at,
                }
            )
        self._wakeup.set()

    async def flush(self) -> None:
        """Write everything queued so far, in batches (the writer loop and tests call it)."""
        async with self._writing:
            while self._queue:
                rows = [self._queue.popleft() for _ in range(min(BATCH, len(self._queue)))]
                async with transaction(self.deps.sessions) as session:
                    await repository.add_impressions(session, rows)

    async def run(self, stop: asyncio.Event) -> None:
        """Write queued impressions as they come until ``stop`` is set, then the rest."""
        while not stop.is_set():
            waiters = [
                asyncio.ensure_future(self._wakeup.wait()),
                asyncio.ensure_future(stop.wait()),
            ]
            await asyncio.wait(waiters, return_when=asyncio.FIRST_COMPLETED)
            for waiter in waiters:
                waiter.cancel()
            self._wakeup.clear()
            try:
                await self.flush()
            except Exception:
                log.exception("writing impressions failed; that batch is dropped")
        with contextlib.suppress(Exception):
            await self.flush()


class Rewards:
    """Feeds an interaction back to the impression that showed the home, and to the bandit."""

    def __init__(self, deps: Dependencies, holder: ModelHolder) -> None:
        self.deps = deps
        self.holder = holder

    async def record(
        self,
        session: AsyncSession,
        user_id: uuid.UUID,
        property_id: uuid.UUID,
        kind: str,
        at: datetime,
    ) -> tuple[str, list[float], float] | None:
        """Reward the impression in the caller's transaction; call ``apply`` after commit."""
        reward = REWARDS.get(kind)
        if reward is None:
            return None
        found = await repository.reward_impression(
            session, user_id, property_id, reward, at, at - REWARD_WINDOW
        )
        return None if found is None else (found[0], found[1], reward)

    def apply(self, rewarded: tuple[str, list[float], float] | None) -> None:
        """Update the served bandit with a reward recorded by ``record``."""
        served = self.holder.served
        if rewarded is None or served is None:
            return
        source, context, reward = rewarded
        try:
            served.bandit.update(context, source, reward)
        except ValueError:
            log.warning("impression context of the wrong shape; reward not learnt")
