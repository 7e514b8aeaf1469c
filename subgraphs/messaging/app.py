"""Composition root of the messaging subgraph: builds every adapter from Settings.

The chat store is Postgres unless ``REALIO_MONGODB_URL`` selects MongoDB; live fan-out is
in-process unless ``REALIO_REDIS_URL`` makes it Redis (so several instances share it). The app
serves GraphQL (queries, mutations, subscriptions) and the Socket.IO endpoint.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from functools import partial
from pathlib import Path

from sqlalchemy.ext.asyncio import AsyncEngine
from starlette.applications import Starlette
from starlette.routing import Mount

from common.analytics import build_analytics
from common.auth.tokens import TokenVerifier
from common.config import Settings, get_settings
from common.db import create_engine, database_name, is_reachable, session_factory
from common.events import EventRuntime
from common.graphql_app import SubgraphApp, create_subgraph_app
from common.infrastructure import build_rate_limiter, build_redis
from common.metrics import GraphQLMetrics
from common.migrations import upgrade
from common.pubsub import PubSub
from subgraphs.messaging.consumers import users_consumer
from subgraphs.messaging.schema import build_schema
from subgraphs.messaging.service import Dependencies, MessagingServices
from subgraphs.messaging.socket_server import ChatSocketServer
from subgraphs.messaging.store.port import ChatStore
from subgraphs.messaging.store.postgres import PostgresChatStore
from subgraphs.messaging.users import KnownUsers

SUBGRAPH = "messaging"
MIGRATIONS_DIR = Path(__file__).with_name("migrations")


async def migrate(settings: Settings) -> None:
    """Create the messaging database when missing and apply every migration."""
    await upgrade(settings, SUBGRAPH, MIGRATIONS_DIR)


def build_store(settings: Settings, engine: AsyncEngine) -> ChatStore:
    """MongoDB (Beanie) when ``REALIO_MONGODB_URL`` is set, else the Postgres tables.

    Either way the outbox is in the subgraph's Postgres database, where the relay reads it.
    """
    if settings.mongodb_url:
        from subgraphs.messaging.store.mongo import MongoChatStore

        return MongoChatStore(
            settings.mongodb_url,
            session_factory(engine),
            database=database_name(settings, SUBGRAPH),
        )
    return PostgresChatStore(engine, session_factory(engine))


def create_app(
    settings: Settings | None = None, *, verifier: TokenVerifier | None = None
) -> Starlette:
    """The messaging subgraph as an ASGI app (migrations are applied by ``migrate``).

    Tests pass a ``verifier`` holding their own keys.
    """
    settings = settings or get_settings()
    engine = create_engine(settings, SUBGRAPH)
    redis = build_redis(settings)
    pubsub = PubSub(settings.redis_url, prefix=settings.redis_key_prefix)
    store = build_store(settings, engine)
    deps = Dependencies(
        store=store,
        pubsub=pubsub,
        rate_limiter=build_rate_limiter(settings, redis),
        send_rate_limit=settings.messaging_send_rate_limit,
        send_rate_window_seconds=settings.messaging_send_rate_window_seconds,
        users=KnownUsers(session_factory(engine)),
        analytics=build_analytics(settings),
    )
    services = MessagingServices.build(deps)
    metrics = GraphQLMetrics(SUBGRAPH)
    events = EventRuntime(settings, subgraph=SUBGRAPH, engine=engine, registry=metrics.registry)
    verifier = verifier or TokenVerifier(settings)
    chat = ChatSocketServer(services, verifier)

    @asynccontextmanager
    async def lifespan() -> AsyncIterator[None]:
        await store.start()
        await pubsub.start()
        await events.start_relay()
        await events.start_consumer(users_consumer())
        try:
            yield
        finally:
            await events.stop()
            await deps.analytics.aclose()
            await pubsub.stop()
            await store.close()
            if redis is not None:
                await redis.aclose()

    app = create_subgraph_app(
        SubgraphApp(
            name=SUBGRAPH,
            schema=build_schema(metrics),
            services=services,
            verifier=verifier,
            readiness_checks={"database": partial(is_reachable, engine)},
            lifespan=lifespan,
            extra_routes=[Mount("/socket.io", app=chat.asgi_app())],
            metrics=metrics,
            settings=settings,
            idempotency_prune=store.prune_idempotency_keys,
        )
    )
    # Tests reach the engine, services, pubsub and events through the app.
    app.state.engine = engine
    app.state.services = services
    app.state.pubsub = pubsub
    app.state.events = events
    app.state.runtime = events  # what tests.support.graph settles
    return app
