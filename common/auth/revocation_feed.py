"""Keeping a verifier's ``RevocationSet`` current: poll users' revocation feed every second.

The feed is ordered by a commit-ordered id, so ``after=<cursor>`` never skips an entry
(users assigns ids under a lock held to commit). A verifier reads it from the last cursor it
applied; the first read starts at 0 and returns only entries young enough to matter.

When the feed cannot be read for longer than ``max_staleness_seconds``, ``is_current`` turns
false and the verifier refuses tokens rather than accept ones that may have been revoked.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Protocol

from common.auth.revocation import Revocation, RevocationSet

log = logging.getLogger("realio.auth")

PAGE_LIMIT = 1000


@dataclass(frozen=True)
class FeedPage:
    revocations: Sequence[Revocation]
    cursor: int


class RevocationSource(Protocol):
    async def fetch(self, after: int, limit: int) -> FeedPage:
        """Entries with an id above ``after`` (at most ``limit``), and the cursor reached."""
        ...


if TYPE_CHECKING:
    import httpx


class HttpRevocationSource:
    """users' ``GET /auth/revocations?after=N&limit=M``.

    Without ``http`` the source opens its own client on first use and closes it in ``aclose``.
    """

    def __init__(self, url: str, http: httpx.AsyncClient | None = None) -> None:
        self._url = url
        self._http = http
        self._owned: httpx.AsyncClient | None = None

    async def fetch(self, after: int, limit: int) -> FeedPage:
        http = self._http
        if http is None:
            if self._owned is None:
                import httpx  # on first use: the router starts without it

                self._owned = httpx.AsyncClient(timeout=5, trust_env=False)
            http = self._owned
        response = await http.get(self._url, params={"after": after, "limit": limit})
        response.raise_for_status()
        body = response.json()
        return FeedPage(
            [Revocation.from_json(entry) for entry in body["revocations"]], int(body["cursor"])
        )

    async def aclose(self) -> None:
        owned, self._owned = self._owned, None
        if owned is not None:
            await owned.aclose()


class RevocationFeed:
    """Polls a ``RevocationSource`` into a ``RevocationSet`` until stopped."""

    def __init__(
        self,
        source: RevocationSource,
        revocations: RevocationSet,
        *,
        poll_seconds: float = 1.0,
        max_staleness_seconds: float = 60.0,
    ) -> None:
        self.source = source
        self.revocations = revocations
        self.poll_seconds = poll_seconds
        self.max_staleness_seconds = max_staleness_seconds
        self.cursor = 0
        self._synced_at: float | None = None
        self._started_at: float | None = None
        self._task: asyncio.Task[None] | None = None
        self._wake = asyncio.Event()
        self._lock = asyncio.Lock()
        self._failing = False
        self._changed: asyncio.Future[None] | None = None

    @property
    def running(self) -> bool:
        return self._task is not None

    def is_current(self) -> bool:
        """False once the feed has gone unread for longer than the allowed staleness.

        A feed that was never started is not consulted (tests verify tokens without one); a
        started feed counts from its start until its first successful read.
        """
        if self._started_at is None:
            return True
        last = self._synced_at if self._synced_at is not None else self._started_at
        return time.monotonic() - last <= self.max_staleness_seconds

    async def sync_once(self) -> int:
        """Read every page past the cursor; returns how many entries were applied."""
        async with self._lock:
            applied = 0
            while True:
                page = await self.source.fetch(self.cursor, PAGE_LIMIT)
                self.revocations.apply(page.revocations)
                applied += len(page.revocations)
                self.cursor = max(self.cursor, page.cursor)
                if len(page.revocations) < PAGE_LIMIT:
                    break
            self._synced_at = time.monotonic()
            if applied:
                self._notify_changed()
            return applied

    def changed(self) -> asyncio.Future[None]:
        """A future resolved the next time entries are applied (open streams re-check then)."""
        if self._changed is None or self._changed.done():
            self._changed = asyncio.get_running_loop().create_future()
        return self._changed

    def _notify_changed(self) -> None:
        changed, self._changed = self._changed, None
        if changed is not None and not changed.done():
            changed.set_result(None)

    def wake(self) -> None:
        """Read the feed now rather than at the next tick (a push notice arrived)."""
        self._wake.set()

    async def start(self) -> None:
        """Read the feed once (a failure is logged) and keep polling in the background."""
        if self._task is not None:
            return
        self._started_at = time.monotonic()
        await self._sync_logged()
        self._task = asyncio.create_task(self._run(), name="revocation feed")

    async def stop(self) -> None:
        task, self._task = self._task, None
        self._started_at = None
        if task is not None:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
        close = getattr(self.source, "aclose", None)
        if close is not None:
            await close()

    async def _run(self) -> None:
        while True:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), self.poll_seconds)
            self._wake.clear()
            await self._sync_logged()

    async def _sync_logged(self) -> None:
        try:
            await self.sync_once()
        except asyncio.CancelledError:
            raise
        except Exception as error:  # any failure: users down, a bad answer; retried next tick
            # Logged once per outage, not once a second.
            if not self._failing:
                log.warning("revocation feed read failed", extra={"error": repr(error)})
            self._failing = True
            return
        if self._failing:
            log.warning("revocation feed readable again")
        self._failing = False
