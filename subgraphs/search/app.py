"""Composition root of the search subgraph: builds every adapter from Settings, returns the app.

Postgres is the index unless ``REALIO_ELASTICSEARCH_URL`` selects Elasticsearch. The app's
lifespan runs the property-event consumer, the outbox relay (saved-search matches) and the
periodic reconciliation with the properties subgraph.
"""

from __future__ import annotations

import asyncio
import contextlib
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import timedelta
from functools import partial
from pathlib import Path

import httpx
from sqlalchemy.ext.asyncio import AsyncEngine
from starlette.applications import Starlette

from common.analytics import build_analytics
from common.auth.tokens import TokenSigner, TokenVerifier, load_or_create_private_key
from common.auth.viewer import Role
from common.config import Settings, get_settings
from common.db import create_engine, is_reachable, session_factory
from common.events import EventRuntime
from common.graphql_app import SubgraphApp, create_subgraph_app, schema_extensions
from common.metrics import GraphQLMetrics
from common.migrations import upgrade
from subgraphs.search.consumers import property_consumer
from subgraphs.search.index.port import SearchIndex
from subgraphs.search.index.postgres import PostgresSearchIndex
from subgraphs.search.reconcile import (
    GraphListingSource,
    Reconciler,
    TokenProvider,
    run_periodically,
)
from subgraphs.search.schema import build_schema
from subgraphs.search.service.container import SearchServices, build_services

SUBGRAPH = "search"
MIGRATIONS_DIR = Path(__file__).with_name("migrations")
DEFAULT_RECONCILE_INTERVAL_SECONDS = 300.0
DEFAULT_RECONCILE_FULL_INTERVAL_SECONDS = 24 * 3600.0
# Reconciliation reads every listing, which only admins may; search acts as this service user.
SERVICE_USER_ID = uuid.UUID("5e7a2c11-0000-4000-8000-000000000003")


@dataclass(frozen=True)
class SearchOptions:
    """How this process runs search; defaults come from Settings when they name them."""

    run_events: bool = True
    reconcile_interval_seconds: float = DEFAULT_RECONCILE_INTERVAL_SECONDS
    # How often a run is full rather than incremental; 0: only when no run has succeeded yet.
    reconcile_full_interval_seconds: float = DEFAULT_RECONCILE_FULL_INTERVAL_SECONDS
    properties_url: str | None = None

    @classmethod
    def from_settings(cls, settings: Settings) -> SearchOptions:
        return cls(
            reconcile_interval_seconds=settings.search_reconcile_interval_seconds,
            reconcile_full_interval_seconds=settings.search_reconcile_full_interval_seconds,
            properties_url=settings.properties_url,
        )


async def migrate(settings: Settings) -> None:
    """Create the search database when missing and apply every migration."""
    await upgrade(settings, SUBGRAPH, MIGRATIONS_DIR)


def build_index(settings: Settings, engine: AsyncEngine) -> SearchIndex:
    """Elasticsearch when ``REALIO_ELASTICSEARCH_URL`` is set, else the Postgres index."""
    if settings.elasticsearch_url:
        from subgraphs.search.index.elasticsearch import ElasticsearchIndex

        return ElasticsearchIndex.from_url(
            settings.elasticsearch_url, index_name=f"{settings.database_prefix}search_listings"
        )
    return PostgresSearchIndex(engine, read_pool_size=settings.database_pool_size)


def properties_graphql_url(settings: Settings, options: SearchOptions) -> str:
    if options.properties_url:
        return options.properties_url
    return f"http://127.0.0.1:{settings.subgraph_ports['properties']}/graphql"


def service_token_provider(settings: Settings) -> TokenProvider:
    """Admin tokens for search's service user, signed with the platform key when present.

    Without the key file (a deployment where only users holds it) no token is sent and
    properties refuses reconciliation, which is logged; events keep the index current.
    """

    async def provide() -> str | None:
        key_file = settings.resolved_private_key_file()
        if not key_file.exists():
            return None
        signer = TokenSigner(load_or_create_private_key(key_file), settings)
        return signer.issue(SERVICE_USER_ID, Role.ADMIN, uuid.uuid4())

    return provide


def build_reconciler(
    settings: Settings,
    services: SearchServices,
    engine: AsyncEngine,
    http: httpx.AsyncClient,
    options: SearchOptions,
    token: TokenProvider | None = None,
) -> Reconciler:
    source = GraphListingSource(
        http, properties_graphql_url(settings, options), token or service_token_provider(settings)
    )
    full_every = options.reconcile_full_interval_seconds
    return Reconciler(
        session_factory(engine),
        services.indexing,
        source,
        full_interval=timedelta(seconds=full_every) if full_every > 0 else None,
    )


def create_app(
    settings: Settings | None = None,
    options: SearchOptions | None = None,
    *,
    verifier: TokenVerifier | None = None,
    reconcile_token: TokenProvider | None = None,
) -> Starlette:
    """The search subgraph as an ASGI app (migrations are applied separately, by ``migrate``).

    Tests pass a ``verifier`` holding their own keys and a ``reconcile_token`` provider.
    """
    settings = settings or get_settings()
    options = options or SearchOptions.from_settings(settings)
    # The Postgres index reads on a pool of its own, half of the connections (decision 0043).
    engine = create_engine(settings, SUBGRAPH, with_read_pool=not settings.elasticsearch_url)
    index = build_index(settings, engine)
    analytics = build_analytics(settings)
    services = build_services(index, session_factory(engine), analytics)
    metrics = GraphQLMetrics(SUBGRAPH)
    runtime = EventRuntime(settings, subgraph=SUBGRAPH, engine=engine, registry=metrics.registry)
    http = httpx.AsyncClient(timeout=30)
    reconciler = build_reconciler(settings, services, engine, http, options, reconcile_token)

    @asynccontextmanager
    async def lifespan() -> AsyncIterator[None]:
        stop = asyncio.Event()
        reconciling: asyncio.Task[None] | None = None
        try:
            prepare = getattr(index, "create", None)
            if prepare is not None:
                await prepare()  # the Elasticsearch index and its mapping
            if options.run_events:
                await runtime.start_consumer(property_consumer(services.indexing))
                await runtime.start_relay()
            if options.reconcile_interval_seconds > 0:
                reconciling = asyncio.create_task(
                    run_periodically(reconciler, options.reconcile_interval_seconds, stop)
                )
            yield
        finally:
            stop.set()
            if reconciling is not None:
                with contextlib.suppress(asyncio.CancelledError):
                    await reconciling
            await runtime.stop()
            await analytics.aclose()
            await http.aclose()
            close = getattr(index, "close", None)
            if close is not None:
                await close()
            await engine.dispose()

    app = create_subgraph_app(
        SubgraphApp(
            name=SUBGRAPH,
            schema=build_schema(schema_extensions(metrics)),
            services=services,
            verifier=verifier or TokenVerifier(settings),
            readiness_checks={"database": partial(is_reachable, engine)},
            lifespan=lifespan,
            metrics=metrics,
            settings=settings,
        )
    )
    # Tests and the bench reach these through the app.
    app.state.engine = engine
    app.state.index = index
    app.state.services = services
    app.state.runtime = runtime
    app.state.reconciler = reconciler
    return app
