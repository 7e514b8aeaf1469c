"""Composition root of the properties subgraph: builds every adapter from Settings."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from functools import partial
from pathlib import Path

from starlette.applications import Starlette

from common.analytics import build_analytics
from common.auth.tokens import TokenVerifier
from common.config import Settings, get_settings
from common.db import ReadPool, create_engine, is_reachable, session_factory
from common.events import EventRuntime
from common.file_routes import file_routes, subgraph_files_url
from common.geocoding import build_geocoder
from common.graphql_app import SubgraphApp, create_subgraph_app
from common.idempotency import IdempotencyKeys
from common.infrastructure import build_cache, build_redis, build_storage
from common.metrics import GraphQLMetrics
from common.migrations import upgrade
from common.redis_fallback import redis_checks
from common.storage import Storage
from subgraphs.properties import models
from subgraphs.properties.repository import PropertyRepository
from subgraphs.properties.repository_favorites import FavoriteRepository
from subgraphs.properties.schema import build_schema
from subgraphs.properties.service import Dependencies, PropertiesServices
from subgraphs.properties.service.cache import ListingCache
from subgraphs.properties.service.photos import DEMO_PHOTO_PREFIX, PHOTO_PREFIX

SUBGRAPH = "properties"
MIGRATIONS_DIR = Path(__file__).with_name("migrations")


async def migrate(settings: Settings) -> None:
    """Create the properties database when missing and apply every migration."""
    await upgrade(settings, SUBGRAPH, MIGRATIONS_DIR)


def files_url(settings: Settings) -> str:
    """The public base URL of photo files: the router's ``/files/properties``."""
    return subgraph_files_url(settings, SUBGRAPH)


def create_app(
    settings: Settings | None = None,
    *,
    verifier: TokenVerifier | None = None,
    storage: Storage | None = None,
) -> Starlette:
    """The properties subgraph as an ASGI app (migrations are applied by ``migrate``).

    Tokens are verified with the users subgraph's JWKS (fetched from ``settings.jwks_url``);
    tests pass a ``verifier`` holding their own keys, and may pass another ``storage``.
    """
    settings = settings or get_settings()
    engine = create_engine(settings, SUBGRAPH, with_read_pool=True)
    read_pool = ReadPool(engine, settings.database_pool_size)
    redis = build_redis(settings)
    storage = storage or build_storage(settings, files_url(settings))
    deps = Dependencies(
        sessions=session_factory(engine),
        repository=PropertyRepository(),
        favorites=FavoriteRepository(),
        cache=ListingCache(build_cache(settings, redis)),
        storage=storage,
        max_photo_bytes=settings.max_photo_bytes,
        idempotency=IdempotencyKeys(models.idempotency),
        geocoder=build_geocoder(settings),
        analytics=build_analytics(settings),
        read_pool=read_pool,
    )
    services = PropertiesServices.build(deps)
    metrics = GraphQLMetrics(SUBGRAPH)
    events = EventRuntime(settings, subgraph=SUBGRAPH, engine=engine, registry=metrics.registry)

    @asynccontextmanager
    async def lifespan() -> AsyncIterator[None]:
        await events.start_relay()
        try:
            yield
        finally:
            await events.stop()
            await deps.geocoder.aclose()
            await deps.analytics.aclose()
            close = getattr(storage, "close", None)
            if close is not None:
                await close()
            await read_pool.close()
            await engine.dispose()
            if redis is not None:
                await redis.aclose()

    app = create_subgraph_app(
        SubgraphApp(
            name=SUBGRAPH,
            schema=build_schema(metrics),
            services=services,
            verifier=verifier or TokenVerifier(settings),
            readiness_checks={"database": partial(is_reachable, engine)},
            degradable_checks=redis_checks(redis),
            lifespan=lifespan,
            extra_routes=file_routes(storage, [PHOTO_PREFIX, DEMO_PHOTO_PREFIX]),
            metrics=metrics,
            settings=settings,
            idempotency_prune=deps.idempotency.pruner(deps.sessions),
        )
    )
    # Tests reach the engine and the read pool (to count SQL statements), services and events
    # through the app.
    app.state.engine = engine
    app.state.read_pool = read_pool
    app.state.services = services
    app.state.events = events
    return app
