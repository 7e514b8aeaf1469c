"""Notifications benchmark: event → in-app notification on an open subscription through the
router (p50/p95, budget ≤ 100 ms p95), and the fan-out of one price drop to 10,000 users who
favourited the listing (time until all are stored).

``python -m bench.notifications_bench [--events 200] [--fans 10000] [--redis]``
(``make bench``). The notifications subgraph and the router are served under uvicorn on
loopback in this process, on throw-away databases of the configured Postgres (dropped at the
end). Events are written to the bookings and properties outboxes exactly as those subgraphs
write them (``record_event`` in a transaction) and published by their real relays; the
notifications consumers apply them. Latency runs from the producer's commit to the
``notificationReceived`` message arriving on a graphql-transport-ws connection to the router.
The load generator shares the cores with what it measures, so figures are upper bounds.
Prints figures only.
"""

from __future__ import annotations

import argparse
import asyncio
import secrets
import statistics
import tempfile
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncEngine

from bench.notifications_email import email_throughput
from common.auth.tokens import TokenSigner, TokenVerifier, load_or_create_private_key
from common.auth.viewer import Role
from common.config import Settings
from common.db import create_engine, drop_database, session_factory, transaction
from common.events import EventRuntime, new_event, record_event, record_events
from common.sdl_export import subgraph_sdl
from router.composition import SubgraphDefinition, compose
from router.config import RouterSettings
from router.server.app import create_app as create_router_app
from subgraphs.bookings.app import migrate as migrate_bookings
from subgraphs.messaging.app import migrate as migrate_messaging
from subgraphs.notifications.app import NotificationsOptions, create_app, migrate
from subgraphs.notifications.models import notifications
from subgraphs.properties.app import migrate as migrate_properties
from subgraphs.search.app import migrate as migrate_search
from subgraphs.users.app import migrate as migrate_users
from tests.integration.messaging.live_client import LiveSocket, live_socket
from tests.support.servers import serve_asgi

RECEIVED = "subscription { notificationReceived { id kind bookingId } }"
PRODUCERS = ("bookings", "properties")


def _percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


async def _booking_requested(bookings: AsyncEngine, owner: uuid.UUID) -> uuid.UUID:
    """Commit one ``booking.requested`` for ``owner`` in bookings' outbox; its booking id."""
    booking_id = uuid.uuid4()
    payload = {
        "booking_id": str(booking_id),
        "property_id": str(uuid.uuid4()),
        "buyer_id": str(uuid.uuid4()),
        "owner_id": str(owner),
        "agent_id": None,
        "starts_at": (datetime.now(UTC) + timedelta(days=1)).isoformat(),
    }
    async with transaction(session_factory(bookings)) as session:
        await record_event(
            session,
            new_event(
                "booking.requested",
                booking_id,
                payload,
                producer="bookings",
                aggregate_type="bookings",
            ),
        )
    return booking_id


async def _until_live(bookings: AsyncEngine, live: LiveSocket, owner: uuid.UUID) -> None:
    """Send events until the subscription delivers one: it is listening."""
    for _ in range(50):
        await _booking_requested(bookings, owner)
        try:
            await live.receive("n", timeout=1)
            return
        except TimeoutError:
            continue
    raise RuntimeError("the subscription never delivered")


async def latency(
    bookings: AsyncEngine, router_url: str, token: str, owner: uuid.UUID, n: int
) -> None:
    async with live_socket(router_url, token) as live:
        await live.subscribe("n", RECEIVED)
        await _until_live(bookings, live, owner)
        # Drain what the warm-up left in flight.
        while True:
            try:
                await live.receive("n", timeout=0.5)
            except TimeoutError:
                break
        samples: list[float] = []
        for _ in range(n):
            started = time.perf_counter()
            booking_id = await _booking_requested(bookings, owner)
            while True:
                message = await live.receive("n", timeout=30)
                data = message["payload"]["data"]["notificationReceived"]
                if data["bookingId"] == str(booking_id):
                    break
            samples.append((time.perf_counter() - started) * 1000)
    print(
        f"event → notificationReceived through the router ({n} events, one at a time): "
        f"p50 {statistics.median(samples):.1f} ms, p95 {_percentile(samples, 0.95):.1f} ms, "
        f"max {max(samples):.1f} ms (budget ≤ 100 ms p95)"
    )


async def fan_out(
    properties: AsyncEngine,
    relay: EventRuntime,
    runtime: EventRuntime,
    engine: AsyncEngine,
    fans: int,
) -> None:
    property_id = uuid.uuid4()
    owner = uuid.uuid4()
    started = time.perf_counter()
    async with transaction(session_factory(properties)) as session:
        await record_events(
            session,
            [
                new_event(
                    "property.favorited",
                    property_id,
                    {
                        "version": 1,
                        "property_id": str(property_id),
                        "user_id": str(uuid.uuid4()),
                        "at": datetime.now(UTC).isoformat(),
                    },
                    producer="properties",
                    aggregate_type="properties",
                )
                for _ in range(fans)
            ],
        )
    written = time.perf_counter() - started
    await relay.wait_until_idle(timeout=600)
    published = time.perf_counter() - started
    await runtime.wait_until_idle(timeout=600)
    took = time.perf_counter() - started
    print(
        f"{fans:,} property.favorited applied to the projection in {took:.2f} s "
        f"({fans / took:,.0f} events/s) from the start of the producer's transaction; "
        f"committed after {written:.2f} s, published by the relay after {published:.2f} s"
    )

    snapshot = {
        "id": str(property_id),
        "owner_id": str(owner),
        "title": "Bench house",
        "price": "450000.00",
        "currency": "USD",
        "status": "available",
    }
    drop = new_event(
        "property.updated",
        property_id,
        {
            "version": 2,
            "property": snapshot,
            "changes": {"price": {"old": "500000.00", "new": "450000.00"}},
        },
        producer="properties",
        aggregate_type="properties",
    )
    started = time.perf_counter()
    async with transaction(session_factory(properties)) as session:
        await record_event(session, drop)
    await runtime.wait_until_idle(timeout=600)
    elapsed = time.perf_counter() - started
    async with engine.connect() as conn:
        stored = (
            await conn.execute(
                select(func.count()).where(notifications.c.source_event_id == drop.id)
            )
        ).scalar_one()
    print(
        f"one price drop → {stored:,} of {fans:,} favouriting users' notifications stored in "
        f"{elapsed:.2f} s ({stored / elapsed:,.0f} notifications/s)"
    )


async def run(events: int, fans: int, use_redis: bool) -> None:
    base = Settings()
    settings = base.model_copy(
        update={
            "database_prefix": f"realio_bench_nt_{secrets.token_hex(4)}_",
            "redis_url": base.redis_url if use_redis else None,
            "redis_key_prefix": f"realio:bench-nt-{secrets.token_hex(4)}:",
        }
    )
    key_dir = Path(tempfile.mkdtemp(prefix="realio-bench-nt-"))
    signer = TokenSigner(load_or_create_private_key(key_dir / "k.pem"), settings)
    verifier = TokenVerifier(settings, jwks=signer.jwks)
    engines: dict[str, AsyncEngine] = {}
    try:
        # Every log notifications reads must exist; bookings and properties write here.
        for migrate_producer in (
            migrate_bookings,
            migrate_properties,
            migrate_users,
            migrate_search,
            migrate_messaging,
        ):
            await migrate_producer(settings)
        await migrate(settings)
        relays = []
        for producer in PRODUCERS:
            engine = engines[producer] = create_engine(settings, producer)
            relay = EventRuntime(settings, subgraph=producer, engine=engine)
            await relay.start_relay()
            relays.append(relay)
        options = NotificationsOptions(schedule_interval_seconds=0)
        app = create_app(settings, options, verifier=verifier)
        async with serve_asgi(app) as notifications_url:
            composed = compose(
                [
                    SubgraphDefinition(
                        "notifications",
                        f"{notifications_url}/graphql",
                        subgraph_sdl("notifications"),
                    )
                ]
            )
            assert composed.supergraph_sdl is not None, composed.errors
            router = create_router_app(
                RouterSettings(jwks_url="", revocations_url=""),
                supergraph_sdl=composed.supergraph_sdl,
            )
            async with serve_asgi(router) as router_url:
                owner = uuid.uuid4()
                token = signer.issue(owner, Role.SELLER, uuid.uuid4())
                print(f"redis: {'on' if use_redis else 'off (in-process fan-out)'}")
                if events:
                    await latency(engines["bookings"], router_url, token, owner, events)
                if fans:
                    await fan_out(
                        engines["properties"],
                        relays[PRODUCERS.index("properties")],
                        app.state.runtime,
                        app.state.engine,
                        fans,
                    )
        for relay in relays:
            await relay.stop()
    finally:
        for engine in engines.values():
            await engine.dispose()
        for subgraph in (*PRODUCERS, "users", "search", "messaging", "notifications"):
            await drop_database(settings, subgraph)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--events", type=int, default=200)
    parser.add_argument("--fans", type=int, default=10_000)
    parser.add_argument("--redis", action="store_true", help="fan out and count through Redis")
    parser.add_argument("--email-users", type=int, default=10_000, help="0 skips the email part")
    parser.add_argument("--email-concurrency", type=int, nargs="*", default=[10, 50])
    parser.add_argument(
        "--email-connections",
        choices=("pooled", "0"),
        default="pooled",
        help="0: one SMTP connection per message (as before pooling)",
    )
    args = parser.parse_args()
    if args.events or args.fans:
        asyncio.run(run(args.events, args.fans, args.redis))
    if args.email_users:
        pooled = args.email_connections == "pooled"
        asyncio.run(email_throughput(args.email_users, tuple(args.email_concurrency), pooled))


if __name__ == "__main__":
    main()
