"""The event runtime a subgraph's composition root builds: its relay and its consumers."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable, Mapping

import asyncpg
from prometheus_client import CollectorRegistry
from sqlalchemy.ext.asyncio import AsyncEngine

from common.config import Settings
from common.db import session_factory
from common.events.consumer import ConsumerSpec
from common.events.metrics import EventMetrics
from common.events.processing import EventProcessor
from common.events.progress import Progress
from common.events.tables import REPLAY_CHANNEL
from common.events.topics import topic_producers as resolve_topic_producers
from common.events.transport import (
    FALLBACK_POLL_SECONDS,
    ConsumerLoop,
    IdleCheck,
    Relay,
    Transport,
    TransportContext,
    build_transport,
    outbox_high_water,
    outbox_published_through,
)

logger = logging.getLogger("realio.events")

RESTART_BACKOFF_MAX_SECONDS = 10.0


class EventRuntime:
    """Runs one subgraph's relay (producer side) and consumer groups (consumer side).

    ``engine`` is the subgraph's own database: its outbox, processed ids, offsets and dead
    letters live there. Metrics go to ``registry`` (the subgraph's ``/metrics``); a private
    registry is made when none is given. ``transport`` defaults to ``build_transport``;
    ``topic_producers`` extends the topic → producer-subgraph mapping.
    """

    def __init__(
        self,
        settings: Settings,
        *,
        subgraph: str,
        engine: AsyncEngine,
        registry: CollectorRegistry | None = None,
        transport: Transport | None = None,
        topic_producers: Mapping[str, str] | None = None,
    ) -> None:
        self.settings = settings
        self.subgraph = subgraph
        self.engine = engine
        self.registry = registry if registry is not None else CollectorRegistry()
        self.metrics = EventMetrics(self.registry)
        self.transport = transport if transport is not None else build_transport(settings)
        self.progress = Progress()
        self.context = TransportContext(
            settings=settings,
            subgraph=subgraph,
            engine=engine,
            sessions=session_factory(engine),
            metrics=self.metrics,
            progress=self.progress,
            topic_producers=resolve_topic_producers(settings, topic_producers),
        )
        self._relay: Relay | None = None
        self._consumers: list[tuple[ConsumerLoop, EventProcessor]] = []
        self._tasks: list[asyncio.Task[None]] = []
        self._replay_wake = asyncio.Event()
        self._replay_task: asyncio.Task[None] | None = None

    # -- starting -----------------------------------------------------------------------------

    async def start_relay(self) -> None:
        """Start publishing this subgraph's outbox (safe to run in several processes).

        Not in a process started with ``run_event_loops`` off (a subgraph's extra workers,
        decision 0038): another process of the subgraph runs the relay and its consumers.
        """
        if not self.settings.run_event_loops:
            return
        if self._relay is not None:
            raise RuntimeError("the relay is already running")
        relay = self.transport.relay(self.context)
        self._relay = relay
        self._spawn(f"{self.subgraph} relay", relay.run)

    async def start_consumer(self, spec: ConsumerSpec) -> None:
        """Start consuming ``spec.topics`` as group ``spec.group``, in this subgraph's database
        (unless ``run_event_loops`` is off, as in :meth:`start_relay`)."""
        if not self.settings.run_event_loops:
            return
        if any(processor.spec.group == spec.group for _, processor in self._consumers):
            raise RuntimeError(f"consumer group {spec.group!r} is already running here")
        processor = EventProcessor(self.context.sessions, spec, self.metrics, self.subgraph)
        loop = self.transport.consumer(self.context, spec, processor)
        self._consumers.append((loop, processor))
        await processor.refresh_dead_letter_gauge()
        self._spawn(f"{self.subgraph} consumer {spec.group}", loop.run)
        if self._replay_task is None:
            self._replay_task = self._spawn(f"{self.subgraph} replays", self._serve_replays)
        self._replay_wake.set()

    def _spawn(self, name: str, run: Callable[[], Awaitable[None]]) -> asyncio.Task[None]:
        task = asyncio.create_task(self._supervise(name, run), name=name)
        self._tasks.append(task)
        return task

    async def _supervise(self, name: str, run: Callable[[], Awaitable[None]]) -> None:
        """Restart a loop that failed (a lost connection, a database restart) with backoff.

        Nothing is lost by a restart: offsets and outbox state live in the database.
        """
        failures = 0
        while True:
            try:
                await run()
                return
            except asyncio.CancelledError:
                raise
            except Exception:
                failures += 1
                logger.exception("event loop failed; restarting", extra={"loop": name})
                await asyncio.sleep(min(RESTART_BACKOFF_MAX_SECONDS, 0.1 * 2**failures))

    async def _serve_replays(self) -> None:
        """Apply replays requested from the CLI, woken by NOTIFY on this subgraph's database."""
        conn = await asyncpg.connect(self.context.own_dsn())
        try:
            await conn.add_listener(REPLAY_CHANNEL, lambda *_: self._replay_wake.set())
            while True:
                self._replay_wake.clear()
                handled = 0
                for _, processor in list(self._consumers):
                    handled += await processor.replay_requested()
                if handled:
                    self.progress.notify()
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._replay_wake.wait(), FALLBACK_POLL_SECONDS)
        finally:
            await conn.close()

    # -- waiting and stopping -----------------------------------------------------------------

    async def wait_until_idle(self, timeout: float = 10) -> None:
        """Wait until everything written before this call has been published and applied.

        "Before this call" is a snapshot: this subgraph's outbox (when the relay runs here),
        the logs its consumers read, and replays requested so far. Raises ``TimeoutError``.
        Meant for tests and benchmarks; it wakes on progress, not on a timer.
        """
        checks: list[IdleCheck] = []
        if self._relay is not None:
            dsn = self.context.own_dsn()
            high_water = await outbox_high_water(dsn)
            if high_water is not None:
                seq = high_water

                async def relay_done() -> bool:
                    return await outbox_published_through(dsn, seq)

                checks.append(relay_done)
        for loop, _ in self._consumers:
            checks.append(await loop.idle_check())

        async def no_replays_pending() -> bool:
            for _, processor in self._consumers:
                if await processor.has_pending_replays():
                    return False
            return True

        checks.append(no_replays_pending)

        async def all_done() -> bool:
            for check in checks:
                if not await check():
                    return False
            return True

        await self.progress.until(all_done, timeout, what=f"{self.subgraph} events to settle")

    async def stop(self) -> None:
        """Cancel the relay and consumers; in-flight transactions roll back, nothing is lost."""
        tasks, self._tasks = self._tasks, []
        for task in tasks:
            task.cancel()
        for task in tasks:
            with contextlib.suppress(asyncio.CancelledError):
                await task
        self._relay = None
        self._consumers = []
        self._replay_task = None
