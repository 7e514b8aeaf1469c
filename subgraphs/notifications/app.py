"""Composition root of the notifications subgraph: builds every adapter from Settings.

The app's lifespan runs the booking-event consumer (which writes notifications) and the live
fan-out (in-process, or Redis when ``REALIO_REDIS_URL`` is set, so instances share it).
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
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
from subgraphs.notifications.consumers import booking_consumer
from subgraphs.notifications.schema import build_schema
from subgraphs.notifications.service import Dependencies, NotificationsServices

SUBGRAPH = "notifications"
MIGRATIONS_DIR = Path(__file__).with_name("migrations")


@dataclass(frozen=True)
class NotificationsOptions:
    """How this process runs notifications; tests may turn the consumers off."""

    run_events: bool = True


async def migrate(settings: Settings) -> None:
    """Create the notifications database when missing and apply every migration."""
    await upgrade(settings, SUBGRAPH, MIGRATIONS_DIR)


def create_app(
    settings: Settings | None = None,
    options: NotificationsOptions | None = None,
    *,
    verifier: TokenVerifier | None = None,
) -> Starlette:
    """The notifications subgraph as an ASGI app (migrations are applied by ``migrate``).

    Tests pass a ``verifier`` holding their own keys.
    """
    settings = settings or get_settings()
    options = options or NotificationsOptions()
    engine = create_engine(settings, SUBGRAPH)
    pubsub = PubSub(settings.redis_url, prefix=settings.redis_key_prefix)
    services = NotificationsServices.build(
        Dependencies(sessions=session_factory(engine), pubsub=pubsub)
    )
    metrics = GraphQLMetrics(SUBGRAPH)
    runtime = EventRuntime(settings, subgraph=SUBGRAPH, engine=engine, registry=metrics.registry)

    @asynccontextmanager
    async def lifespan() -> AsyncIterator[None]:
        await pubsub.start()
        try:
            if options.run_events:
                await runtime.start_consumer(booking_consumer(services.inbox))
            yield
        finally:
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
