"""Composition root of the notifications subgraph: builds every adapter from Settings.

The app's lifespan runs the event consumers (bookings, users, properties, searches, messages:
each writes notifications), the unread-message schedule and the live fan-out (in-process, or
Redis when ``REALIO_REDIS_URL`` is set, so instances share it; Redis also holds the unread
counters and other short-lived state, decision 0027), the delivery dispatcher (email, SMS,
push; decision 0024) and the daily digest schedule (decision 0025).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
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
from common.events import ConsumerSpec, EventRuntime
from common.graphql_app import SubgraphApp, create_subgraph_app
from common.infrastructure import build_redis
from common.metrics import GraphQLMetrics
from common.migrations import upgrade
from common.pubsub import PubSub
from common.redis_fallback import redis_checks
from subgraphs.notifications.channels.build import build_channels
from subgraphs.notifications.channels.directory import ProjectionDirectory, RecipientDirectory
from subgraphs.notifications.consumers import (
    booking_consumer,
    messages_consumer,
    properties_consumer,
    searches_consumer,
    users_consumer,
)
from subgraphs.notifications.records import Channel
from subgraphs.notifications.schema import build_schema
from subgraphs.notifications.service import DeliveryOptions, Dependencies, NotificationsServices
from subgraphs.notifications.service.delivery import RetryPolicy
from subgraphs.notifications.service.dependencies import Clock, utc_now
from subgraphs.notifications.service.message_alerts import MessageAlerts
from subgraphs.notifications.service.push_devices import PushDevices
from subgraphs.notifications.service.unsubscribe import UnsubscribeLinks, load_or_create_secret
from subgraphs.notifications.unsubscribe_routes import unsubscribe_routes

SUBGRAPH = "notifications"
MIGRATIONS_DIR = Path(__file__).with_name("migrations")
log = logging.getLogger("realio.notifications")


@dataclass(frozen=True)
class NotificationsOptions:
    """How this process runs notifications; tests may turn the consumers off, and turn the
    unread-message schedule off (0) to drive ``message_alerts.run_due`` themselves.
    ``None`` takes the interval from settings."""

    run_events: bool = True
    schedule_interval_seconds: float | None = None
    # The delivery dispatcher's and the digest's intervals (0 turns a loop off).
    dispatch_interval_seconds: float | None = None
    digest_interval_seconds: float | None = None

    def intervals(self, settings: Settings) -> tuple[float, float, float]:
        """(unread-message schedule, dispatcher, digest), settings filling what is None."""

        def pick(value: float | None, default: float) -> float:
            return default if value is None else value

        return (
            pick(self.schedule_interval_seconds, settings.notifications_schedule_interval_seconds),
            pick(
                self.dispatch_interval_seconds,
                settings.notifications_dispatch_interval_seconds,
            ),
            pick(self.digest_interval_seconds, settings.notifications_digest_interval_seconds),
        )


def delivery_options(settings: Settings) -> DeliveryOptions:
    return DeliveryOptions(
        policy=RetryPolicy(
            max_attempts=settings.notifications_max_attempts,
            base=timedelta(seconds=settings.notifications_retry_base_seconds),
        ),
        concurrency=settings.notifications_dispatch_concurrency,
        digest_hour=settings.notifications_digest_hour,
        send_limits={
            Channel.EMAIL.value: settings.notifications_email_send_limit,
            Channel.SMS.value: settings.notifications_sms_send_limit,
            Channel.PUSH.value: settings.notifications_push_send_limit,
        },
        send_limit_window_seconds=settings.notifications_send_limit_window_seconds,
    )


def unsubscribe_links(settings: Settings) -> UnsubscribeLinks:
    secret = settings.notifications_link_secret or load_or_create_secret(
        settings.data_dir / "keys" / "notifications-links.secret"
    )
    base = f"{settings.public_links_url.rstrip('/')}/{SUBGRAPH}/unsubscribe"
    return UnsubscribeLinks(secret, base)


async def run_schedule(alerts: MessageAlerts, interval: float, stop: asyncio.Event) -> None:
    """Send the due unread-message alerts every ``interval`` seconds until ``stop`` is set."""
    while not stop.is_set():
        try:
            await alerts.run_due()
        except Exception:
            log.exception("the unread-message schedule failed; retrying at the next interval")
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stop.wait(), interval)


async def migrate(settings: Settings) -> None:
    """Create the notifications database when missing and apply every migration."""
    await upgrade(settings, SUBGRAPH, MIGRATIONS_DIR)


def consumer_specs(services: NotificationsServices) -> list[ConsumerSpec]:
    """Every consumer group notifications runs (tests restart them with this)."""
    inbox = services.inbox
    return [
        booking_consumer(inbox),
        users_consumer(inbox, services.directory),
        properties_consumer(inbox, services.properties),
        searches_consumer(inbox),
        messages_consumer(services.message_alerts),
    ]


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
    ``directory`` delivery finds recipients in (the users projection by default).
    """
    settings = settings or get_settings()
    options = options or NotificationsOptions()
    engine = create_engine(settings, SUBGRAPH)
    pubsub = PubSub(settings.redis_url, prefix=settings.redis_key_prefix)
    redis = build_redis(settings)
    deps = Dependencies(
        sessions=session_factory(engine),
        pubsub=pubsub,
        clock=clock,
        redis=redis,
        redis_key_prefix=settings.redis_key_prefix,
        message_delay=timedelta(seconds=settings.notifications_message_delay_seconds),
        directory=directory or ProjectionDirectory(),
    )
    links = unsubscribe_links(settings)
    channels = build_channels(settings, links.url, PushDevices(deps).forget)
    services = NotificationsServices.build(deps, channels, links, delivery_options(settings))
    interval, dispatch_interval, digest_interval = options.intervals(settings)
    metrics = GraphQLMetrics(SUBGRAPH)
    runtime = EventRuntime(settings, subgraph=SUBGRAPH, engine=engine, registry=metrics.registry)

    @asynccontextmanager
    async def lifespan() -> AsyncIterator[None]:
        await pubsub.start()
        stop = asyncio.Event()
        loops: list[asyncio.Task[None]] = []
        try:
            if options.run_events:
                for spec in consumer_specs(services):
                    await runtime.start_consumer(spec)
            if interval > 0:
                loops.append(
                    asyncio.create_task(run_schedule(services.message_alerts, interval, stop))
                )
            if dispatch_interval > 0:
                loops.append(asyncio.create_task(services.dispatcher.run(dispatch_interval, stop)))
            if digest_interval > 0:
                loops.append(asyncio.create_task(services.digest.run(digest_interval, stop)))
            yield
        finally:
            stop.set()
            for loop in loops:
                with contextlib.suppress(asyncio.CancelledError):
                    await loop
            await runtime.stop()
            await channels.email.aclose()
            await pubsub.stop()
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
            extra_routes=unsubscribe_routes(services.unsubscribe),
            metrics=metrics,
            settings=settings,
        )
    )
    # Tests reach these through the app.
    app.state.engine = engine
    app.state.services = services
    app.state.channels = channels
    app.state.runtime = runtime
    app.state.pubsub = pubsub
    return app
