"""Composition root of the notifications subgraph: builds every adapter from Settings.

The app's lifespan runs the booking-event consumer (which writes notifications), the live
fan-out (in-process, or Redis when ``REALIO_REDIS_URL`` is set, so instances share it), the
delivery dispatcher (email, SMS, push) and the daily digest schedule.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import timedelta
from functools import partial
from pathlib import Path

from starlette.applications import Starlette

from common.auth.tokens import TokenVerifier
from common.config import Settings, get_settings
from common.db import create_engine, is_reachable, session_factory
from common.events import EventRuntime
from common.graphql_app import SubgraphApp, create_subgraph_app
from common.metrics import GraphQLMetrics
from common.migrations import upgrade
from common.pubsub import PubSub
from subgraphs.notifications.channels.build import build_channels
from subgraphs.notifications.channels.directory import NoDirectory, RecipientDirectory
from subgraphs.notifications.consumers import booking_consumer
from subgraphs.notifications.schema import build_schema
from subgraphs.notifications.service import DeliveryOptions, Dependencies, NotificationsServices
from subgraphs.notifications.service.delivery import RetryPolicy
from subgraphs.notifications.service.dependencies import Clock, utc_now
from subgraphs.notifications.service.push_devices import PushDevices
from subgraphs.notifications.service.unsubscribe import UnsubscribeLinks, load_or_create_secret
from subgraphs.notifications.unsubscribe_routes import unsubscribe_routes

SUBGRAPH = "notifications"
MIGRATIONS_DIR = Path(__file__).with_name("migrations")


@dataclass(frozen=True)
class NotificationsOptions:
    """How this process runs notifications; tests may turn the consumers and loops off (an
    interval of 0) and drive the dispatcher and digest themselves."""

    run_events: bool = True
    dispatch_interval_seconds: float = 5.0
    digest_interval_seconds: float = 300.0

    @classmethod
    def from_settings(cls, settings: Settings) -> NotificationsOptions:
        return cls(
            dispatch_interval_seconds=settings.notifications_dispatch_interval_seconds,
            digest_interval_seconds=settings.notifications_digest_interval_seconds,
        )


def delivery_options(settings: Settings) -> DeliveryOptions:
    return DeliveryOptions(
        policy=RetryPolicy(
            max_attempts=settings.notifications_max_attempts,
            base=timedelta(seconds=settings.notifications_retry_base_seconds),
        ),
        concurrency=settings.notifications_dispatch_concurrency,
        digest_hour=settings.notifications_digest_hour,
    )


def unsubscribe_links(settings: Settings) -> UnsubscribeLinks:
    secret = settings.notifications_link_secret or load_or_create_secret(
        settings.data_dir / "keys" / "notifications-links.secret"
    )
    return UnsubscribeLinks(
        secret, f"{settings.public_links_url.rstrip('/')}/{SUBGRAPH}/unsubscribe"
    )


async def migrate(settings: Settings) -> None:
    """Create the notifications database when missing and apply every migration."""
    await upgrade(settings, SUBGRAPH, MIGRATIONS_DIR)


def create_app(
    settings: Settings | None = None,
    options: NotificationsOptions | None = None,
    *,
    verifier: TokenVerifier | None = None,
    directory: RecipientDirectory | None = None,
    clock: Clock = utc_now,
) -> Starlette:
    """The notifications subgraph as an ASGI app (migrations are applied by ``migrate``).

    Tests pass a ``verifier`` holding their own keys, and may pass a ``clock`` and the
    ``directory`` of recipients.
    """
    settings = settings or get_settings()
    options = options or NotificationsOptions.from_settings(settings)
    engine = create_engine(settings, SUBGRAPH)
    pubsub = PubSub(settings.redis_url, prefix=settings.redis_key_prefix)
    deps = Dependencies(
        sessions=session_factory(engine),
        pubsub=pubsub,
        directory=directory or NoDirectory(),
        clock=clock,
    )
    links = unsubscribe_links(settings)
    channels = build_channels(settings, links.url, PushDevices(deps).forget)
    services = NotificationsServices.build(deps, channels, links, delivery_options(settings))
    metrics = GraphQLMetrics(SUBGRAPH)
    runtime = EventRuntime(settings, subgraph=SUBGRAPH, engine=engine, registry=metrics.registry)

    @asynccontextmanager
    async def lifespan() -> AsyncIterator[None]:
        stop = asyncio.Event()
        loops: list[asyncio.Task[None]] = []
        await pubsub.start()
        try:
            if options.run_events:
                await runtime.start_consumer(booking_consumer(services.inbox))
            if options.dispatch_interval_seconds > 0:
                loops.append(
                    asyncio.create_task(
                        services.dispatcher.run(options.dispatch_interval_seconds, stop)
                    )
                )
            if options.digest_interval_seconds > 0:
                loops.append(
                    asyncio.create_task(services.digest.run(options.digest_interval_seconds, stop))
                )
            yield
        finally:
            stop.set()
            for loop in loops:
                with contextlib.suppress(asyncio.CancelledError):
                    await loop
            await runtime.stop()
            await pubsub.stop()
            await engine.dispose()

    app = create_subgraph_app(
        SubgraphApp(
            name=SUBGRAPH,
            schema=build_schema(metrics),
            services=services,
            verifier=verifier or TokenVerifier(settings),
            readiness_checks={"database": partial(is_reachable, engine)},
            lifespan=lifespan,
            extra_routes=unsubscribe_routes(services.unsubscribe),
            metrics=metrics,
            settings=settings,
        )
    )
    # Tests reach these through the app.
    app.state.engine = engine
    app.state.services = services
    app.state.runtime = runtime
    app.state.pubsub = pubsub
    return app
