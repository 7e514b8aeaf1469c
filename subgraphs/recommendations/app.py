"""Composition root of the recommendations subgraph: builds every adapter from Settings.

The app's lifespan runs the event consumers (listings, favourites, saved searches, bookings,
conversations), the outbox relay (``recommendation.interaction``), the model refresh loop
(a newly trained artefact, changed listings), the impression writer, and, when no model was
ever trained and ``REALIO_RECOMMENDATIONS_TRAIN_WHEN_EMPTY`` is on, one training once the
projection has caught up (``make run``). Decision 0031.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import secrets
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from functools import partial
from pathlib import Path

from starlette.applications import Starlette

from common.auth.tokens import TokenVerifier
from common.config import Settings, get_settings
from common.db import create_engine, is_reachable, read_session_factory, session_factory
from common.events import EventRuntime
from common.graphql_app import SubgraphApp, create_subgraph_app
from common.infrastructure import build_cache, build_redis, build_storage
from common.metrics import GraphQLMetrics
from common.migrations import upgrade
from common.redis_fallback import redis_checks
from common.storage import LocalStorage, Storage
from subgraphs.recommendations.consumers import consumer_specs
from subgraphs.recommendations.schema import build_schema
from subgraphs.recommendations.service import Dependencies, RecommendationsServices
from subgraphs.recommendations.service.dependencies import Clock, utc_now
from subgraphs.recommendations.service.training import NothingToTrain

SUBGRAPH = "recommendations"
MIGRATIONS_DIR = Path(__file__).with_name("migrations")
log = logging.getLogger("realio.recommendations")


@dataclass(frozen=True)
class RecommendationsOptions:
    """How this process runs recommendations; ``None`` takes the value from settings. Tests
    turn the refresh loop off (0) and call ``services.model.refresh`` themselves."""

    run_events: bool = True
    refresh_interval_seconds: float | None = None
    train_when_empty: bool | None = None


def artefact_key(settings: Settings) -> bytes:
    """The artefacts' HMAC key: the setting, else a secret made once in the data directory."""
    if settings.recommendations_artefact_key:
        return settings.recommendations_artefact_key.encode()
    path = settings.data_dir / "keys" / "recommendations-artefact.key"
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(secrets.token_urlsafe(32))
        path.chmod(0o600)
    return path.read_text().strip().encode()


def model_storage(settings: Settings) -> Storage:
    """Where model artefacts go: S3 when configured, else a directory of their own
    (``<data dir>/recommendations``), never the files directory that users and properties
    serve at ``/files`` — an artefact holds what was learnt from private interactions."""
    if settings.s3_url:
        return build_storage(settings)
    return LocalStorage(settings.data_dir / "recommendations", settings.public_files_url)


async def migrate(settings: Settings) -> None:
    """Create the recommendations database when missing and apply every migration."""
    await upgrade(settings, SUBGRAPH, MIGRATIONS_DIR)


async def run_refresh(
    services: RecommendationsServices, interval: float, stop: asyncio.Event
) -> None:
    """Look for a new model and changed listings every ``interval`` seconds until ``stop``."""
    while not stop.is_set():
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stop.wait(), interval)
        try:
            await services.model.refresh()
        except Exception:
            log.exception("refreshing the model failed; serving the one it has")


async def train_when_empty(services: RecommendationsServices, runtime: EventRuntime | None) -> None:
    """One training when no model exists yet, once the listings projection has caught up
    (``runtime``: the consumers to wait for, None when this process runs none)."""
    if services.model.served is not None:
        return
    if runtime is not None:
        with contextlib.suppress(TimeoutError):
            await runtime.wait_until_idle(timeout=120)
    await services.model.refresh()  # another instance may have trained meanwhile
    if services.model.served is not None:
        return
    try:
        await services.training.train()
    except NothingToTrain:
        log.info("no listings yet: no model to train")
        return
    except Exception:
        log.exception("the first training failed")
        return
    await services.model.refresh()


def create_app(
    settings: Settings | None = None,
    options: RecommendationsOptions | None = None,
    *,
    verifier: TokenVerifier | None = None,
    clock: Clock = utc_now,
) -> Starlette:
    """The recommendations subgraph as an ASGI app (migrations are applied by ``migrate``)."""
    settings = settings or get_settings()
    options = options or RecommendationsOptions()
    engine = create_engine(settings, SUBGRAPH)
    redis = build_redis(settings)
    deps = Dependencies(
        sessions=session_factory(engine),
        read_sessions=read_session_factory(engine),
        storage=model_storage(settings),
        cache=build_cache(settings, redis),
        artefact_key=artefact_key(settings),
        cache_ttl_seconds=settings.recommendations_feed_cache_seconds,
        use_bandit=settings.recommendations_bandit,
        clock=clock,
    )
    services = RecommendationsServices.build(deps)
    interval = (
        settings.recommendations_refresh_interval_seconds
        if options.refresh_interval_seconds is None
        else options.refresh_interval_seconds
    )
    bootstrap = (
        settings.recommendations_train_when_empty
        if options.train_when_empty is None
        else options.train_when_empty
    )
    # Of several workers (decision 0038), the one running the event loops trains the first
    # model, once its projection has caught up; the others load it on their next refresh.
    bootstrap = bootstrap and settings.run_event_loops
    metrics = GraphQLMetrics(SUBGRAPH)
    runtime = EventRuntime(settings, subgraph=SUBGRAPH, engine=engine, registry=metrics.registry)

    @asynccontextmanager
    async def lifespan() -> AsyncIterator[None]:
        stop = asyncio.Event()
        loops: list[asyncio.Task[None]] = []
        first_training: asyncio.Task[None] | None = None
        try:
            try:
                await services.model.refresh()
            except Exception:
                log.exception("loading the model failed; starting without one")
            if options.run_events:
                for spec in consumer_specs(services.projection):
                    await runtime.start_consumer(spec)
                await runtime.start_relay()
            loops.append(asyncio.create_task(services.impressions.run(stop)))
            if interval > 0:
                loops.append(asyncio.create_task(run_refresh(services, interval, stop)))
            if bootstrap:
                first_training = asyncio.create_task(
                    train_when_empty(services, runtime if options.run_events else None)
                )
            yield
        finally:
            stop.set()
            if first_training is not None:
                first_training.cancel()
                loops.append(first_training)
            for loop in loops:
                with contextlib.suppress(asyncio.CancelledError):
                    await loop
            await runtime.stop()
            if redis is not None:
                await redis.aclose()
            await engine.dispose()

    app = create_subgraph_app(
        SubgraphApp(
            name=SUBGRAPH,
            schema=build_schema(metrics),
            services=services,
            verifier=verifier or TokenVerifier(settings),
            readiness_checks={"database": partial(is_reachable, engine)},
            degradable_checks=redis_checks(redis),
            lifespan=lifespan,
            metrics=metrics,
            settings=settings,
        )
    )
    # Tests and the bench reach these through the app.
    app.state.engine = engine
    app.state.services = services
    app.state.runtime = runtime
    app.state.trains_when_empty = bootstrap
    return app
