"""Sharing one piece of work among the callers that ask for it while it is in flight.

The router shares identical read-only client operations (the same document, variables and
viewer, ``router.server.http``) and identical subgraph fetches (``SubgraphFetcher``). The work
runs as its own task: a caller that goes away (its client disconnected, its timeout fired)
does not cancel it for the others. Nothing is kept once it is done: this is not a cache.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Hashable
from typing import Generic, TypeVar

T = TypeVar("T")


class InflightGroup(Generic[T]):
    """Runs ``work`` once per key among the callers that overlap in time."""

    def __init__(self) -> None:
        self._running: dict[Hashable, asyncio.Future[T]] = {}
        self.started = 0  # pieces of work run
        self.joined = 0  # callers answered by work another caller started

    def __len__(self) -> int:
        return len(self._running)

    async def run(self, key: Hashable, work: Callable[[], Awaitable[T]]) -> T:
        """The result of ``work()``, or of the identical work already in flight for ``key``."""
        running = self._running.get(key)
        if running is None:
            self.started += 1
            running = asyncio.ensure_future(work())
            self._running[key] = running
            running.add_done_callback(lambda done: self._settled(key, done))
        else:
            self.joined += 1
        return await asyncio.shield(running)

    def _settled(self, key: Hashable, done: asyncio.Future[T]) -> None:
        if self._running.get(key) is done:
            del self._running[key]
        if not done.cancelled():
            done.exception()  # retrieved: its callers (if any are left) received it
