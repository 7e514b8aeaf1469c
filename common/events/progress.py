"""A broadcast signal: tasks report progress, waiters wake and re-check their condition."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable


class Progress:
    """Wakes every current waiter on ``notify``; cheap enough to call after every commit."""

    def __init__(self) -> None:
        self._event = asyncio.Event()

    def notify(self) -> None:
        event, self._event = self._event, asyncio.Event()
        event.set()

    async def wait(self, timeout: float) -> None:
        """Wait for the next ``notify`` or ``timeout`` seconds, whichever comes first."""
        event = self._event
        try:
            await asyncio.wait_for(event.wait(), timeout)
        except TimeoutError:
            pass

    async def until(
        self,
        condition: Callable[[], Awaitable[bool]],
        timeout: float,
        recheck: float = 0.5,
        what: str = "condition",
    ) -> None:
        """Return once ``condition()`` is true; ``TimeoutError`` after ``timeout`` seconds.

        Progress in other processes (another subgraph's relay) is not always notified here, so
        the condition is also re-checked every ``recheck`` seconds.
        """
        deadline = time.monotonic() + timeout
        while True:
            event = self._event
            if await condition():
                return
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise TimeoutError(f"timed out after {timeout}s waiting for {what}")
            try:
                await asyncio.wait_for(event.wait(), min(remaining, recheck))
            except TimeoutError:
                pass
