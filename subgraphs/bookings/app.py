"""Composition root of the bookings subgraph: builds every adapter from Settings.

The app's lifespan runs the outbox relay (booking events), the property-event consumer (the
listing projection) and the schedule loop (reminders and completions, decision 0011).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from functools import partial
from pathlib import Path

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response
from starlette.routing import Route

from common.analytics import build_analytics
from common.auth.tokens import TokenVerifier
from common.config import Settings, get_settings
from common.db import create_engine, is_reachable, session_factory
from common.errors import NotFound
from common.events import EventRuntime
from common.graphql_app import SubgraphApp, create_subgraph_app
from common.idempotency import IdempotencyKeys
from common.metrics import GraphQLMetrics
from common.migrations import upgrade
from subgraphs.bookings import models
from subgraphs.bookings.consumers import property_consumer
from subgraphs.bookings.schema import build_schema
from subgraphs.bookings.service import BookingsServices, Dependencies
from subgraphs.bookings.service.dependencies import Clock, utc_now
from subgraphs.bookings.service.schedule import ScheduleService
from subgraphs.bookings.service.time_zones import TimeZoneResolver

SUBGRAPH = "bookings"
MIGRATIONS_DIR = Path(__file__).with_name("migrations")
log = logging.getLogger("realio.bookings")


@dataclass(frozen=True)
class BookingsOptions:
    """How this process runs bookings; tests turn the loops off and drive them directly."""

    run_events: bool = True
    schedule_interval_seconds: float = 30.0
    public_url: str = "http://localhost:4004"

    @classmethod
    def from_settings(cls, settings: Settings) -> BookingsOptions:
        return cls(
            schedule_interval_seconds=settings.bookings_schedule_interval_seconds,
            public_url=settings.bookings_public_url,
        )


async def migrate(settings: Settings) -> None:
    """Create the bookings database when missing and apply every migration."""
    await upgrade(settings, SUBGRAPH, MIGRATIONS_DIR)


async def run_schedule(schedule: ScheduleService, interval: float, stop: asyncio.Event) -> None:
    """Check the durable schedule every ``interval`` seconds until ``stop`` is set."""
    while not stop.is_set():
        try:
            await schedule.run_due()
        except Exception:
            log.exception("the booking schedule failed; retrying at the next interval")
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stop.wait(), interval)


def calendar_routes(services: BookingsServices) -> list[Route]:
    async def calendar(request: Request) -> Response:
        try:
            booking_id = uuid.UUID(request.path_params["booking_id"])
            body = await services.calendar.file(booking_id, request.query_params.get("token", ""))
        except (ValueError, NotFound):
            return PlainTextResponse("Not found", status_code=404)
        return Response(
            body,
            media_type="text/calendar; charset=utf-8",
            headers={"cache-control": "private, no-store"},
        )

    return [Route("/bookings/{booking_id}/calendar.ics", calendar, methods=["GET"])]


def create_app(
    settings: Settings | None = None,
    options: BookingsOptions | None = None,
    *,
    verifier: TokenVerifier | None = None,
    clock: Clock = utc_now,
) -> Starlette:
    """The bookings subgraph as an ASGI app (migrations are applied by ``migrate``).

    Tests pass a ``verifier`` holding their own keys, and may pass a ``clock``.
    """
    settings = settings or get_settings()
    options = options or BookingsOptions.from_settings(settings)
    engine = create_engine(settings, SUBGRAPH)
    deps = Dependencies(
        sessions=session_factory(engine),
        time_zones=TimeZoneResolver(settings.bookings_default_time_zone),
        public_url=options.public_url,
        idempotency=IdempotencyKeys(models.idempotency),
        clock=clock,
        analytics=build_analytics(settings),
    )
    services = BookingsServices.build(deps)
    metrics = GraphQLMetrics(SUBGRAPH)
    runtime = EventRuntime(settings, subgraph=SUBGRAPH, engine=engine, registry=metrics.registry)

    @asynccontextmanager
    async def lifespan() -> AsyncIterator[None]:
        stop = asyncio.Event()
        scheduling: asyncio.Task[None] | None = None
        try:
            if options.run_events:
                await runtime.start_consumer(property_consumer(services.projection))
                await runtime.start_relay()
            if options.schedule_interval_seconds > 0:
                scheduling = asyncio.create_task(
                    run_schedule(services.schedule, options.schedule_interval_seconds, stop)
                )
            yield
        finally:
            stop.set()
            if scheduling is not None:
                with contextlib.suppress(asyncio.CancelledError):
                    await scheduling
            await runtime.stop()
            await deps.analytics.aclose()
            await engine.dispose()

    app = create_subgraph_app(
        SubgraphApp(
            name=SUBGRAPH,
            schema=build_schema(metrics),
            services=services,
            verifier=verifier or TokenVerifier(settings),
            readiness_checks={"database": partial(is_reachable, engine)},
            lifespan=lifespan,
            extra_routes=calendar_routes(services),
            metrics=metrics,
            settings=settings,
            idempotency_prune=deps.idempotency.pruner(deps.sessions),
        )
    )
    # Tests and the bench reach these through the app.
    app.state.engine = engine
    app.state.services = services
    app.state.runtime = runtime
    return app
