"""Product analytics: key events sent to Google Analytics 4 through its Measurement Protocol.

On when ``REALIO_GA_MEASUREMENT_ID`` and ``REALIO_GA_API_SECRET`` are set; otherwise every
``track`` is a no-op. ``track`` never waits and never fails the request that calls it: events
go into a bounded in-memory queue, and one background task sends them in batches (one POST per
client, at most 25 events each, as the protocol allows) every ``REALIO_GA_FLUSH_INTERVAL_SECONDS``
or sooner when a batch is full. A full queue drops events (counted), a failed POST is logged.

Key events (``EVENTS``): ``search`` (search subgraph), ``view_item`` (a listing read by id,
properties), ``booking_requested`` (bookings), ``message_sent`` (messaging). The client id is
a pseudonym of the viewer (a hash of their user id; one shared id for anonymous visitors), so
no account id or personal data leaves the platform.
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any, Protocol

import httpx

from common.auth.viewer import Viewer
from common.config import Settings

log = logging.getLogger("realio.analytics")

SEARCH = "search"
VIEW_ITEM = "view_item"
BOOKING_REQUESTED = "booking_requested"
MESSAGE_SENT = "message_sent"
EVENTS = (SEARCH, VIEW_ITEM, BOOKING_REQUESTED, MESSAGE_SENT)
MAX_EVENTS_PER_REQUEST = 25  # the Measurement Protocol's limit
ANONYMOUS_CLIENT_ID = "anonymous"


def client_id_of(viewer: Viewer) -> str:
    """A stable pseudonym of the viewer for GA's ``client_id``."""
    if viewer.user_id is None:
        return ANONYMOUS_CLIENT_ID
    return hashlib.sha256(f"realio-analytics:{viewer.user_id}".encode()).hexdigest()[:32]


@dataclass(frozen=True)
class AnalyticsEvent:
    client_id: str
    name: str
    params: dict[str, Any]


class Analytics(Protocol):
    def track(self, viewer: Viewer, name: str, params: dict[str, Any]) -> None: ...

    async def aclose(self) -> None: ...


class NoAnalytics:
    """Analytics switched off."""

    def track(self, viewer: Viewer, name: str, params: dict[str, Any]) -> None:
        return None

    async def aclose(self) -> None:
        return None


@dataclass
class GoogleAnalytics:
    """GA4 Measurement Protocol sender; batches off the request path."""

    measurement_id: str
    api_secret: str
    endpoint: str
    flush_interval: float = 2.0
    max_queued: int = 10_000
    http: httpx.AsyncClient | None = None
    dropped: int = 0
    _queue: asyncio.Queue[AnalyticsEvent | None] | None = None
    _worker: asyncio.Task[None] | None = None
    _owns_http: bool = field(default=False)

    def track(self, viewer: Viewer, name: str, params: dict[str, Any]) -> None:
        if name not in EVENTS:
            raise ValueError(f"unknown analytics event {name!r}")
        if self._queue is None:
            self._queue = asyncio.Queue(self.max_queued)
            self._worker = asyncio.get_running_loop().create_task(self._run())
        try:
            self._queue.put_nowait(AnalyticsEvent(client_id_of(viewer), name, dict(params)))
        except asyncio.QueueFull:
            self.dropped += 1

    async def _run(self) -> None:
        """Send batches until ``aclose`` queues the end (``None``), then send what is left."""
        assert self._queue is not None
        loop = asyncio.get_running_loop()
        while True:
            first = await self._queue.get()
            if first is None:
                return
            batch = [first]
            deadline = loop.time() + self.flush_interval
            ended = False
            while len(batch) < MAX_EVENTS_PER_REQUEST and (left := deadline - loop.time()) > 0:
                try:
                    event = await asyncio.wait_for(self._queue.get(), left)
                except TimeoutError:
                    break
                if event is None:
                    ended = True
                    break
                batch.append(event)
            await self._send(batch)
            if ended:
                return

    async def _send(self, batch: list[AnalyticsEvent]) -> None:
        by_client: dict[str, list[AnalyticsEvent]] = defaultdict(list)
        for event in batch:
            by_client[event.client_id].append(event)
        if self.http is None:
            self.http = httpx.AsyncClient(timeout=10)
            self._owns_http = True
        query = {"measurement_id": self.measurement_id, "api_secret": self.api_secret}
        for client_id, events in by_client.items():
            body = {
                "client_id": client_id,
                "events": [{"name": e.name, "params": e.params} for e in events],
            }
            try:
                response = await self.http.post(self.endpoint, params=query, json=body)
                response.raise_for_status()
            except httpx.HTTPError as exc:
                log.warning("analytics: %d events not sent: %s", len(events), exc)

    async def aclose(self) -> None:
        """Send what is queued, then stop the worker."""
        if self._worker is not None and self._queue is not None:
            await self._queue.put(None)
            await self._worker
            self._worker = None
            self._queue = None
        if self.http is not None and self._owns_http:
            await self.http.aclose()
            self.http = None


def build_analytics(settings: Settings) -> Analytics:
    """GA4 when a measurement id and API secret are set; otherwise nothing is sent."""
    if settings.ga_measurement_id and settings.ga_api_secret:
        return GoogleAnalytics(
            settings.ga_measurement_id,
            settings.ga_api_secret,
            settings.ga_endpoint,
            flush_interval=settings.ga_flush_interval_seconds,
        )
    return NoAnalytics()
