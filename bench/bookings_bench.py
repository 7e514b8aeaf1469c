"""Bookings benchmark: ``Property.availableSlots`` for 60 days of a property holding 500
bookings (p50/p95), and ``createBooking`` with 50 clients contending for 10 slots
(throughput, latency, and the count of successes, which must be exactly 10).

``python -m bench.bookings_bench`` (``make bench``). The bookings subgraph is served under
uvicorn on loopback, on throw-away databases of the configured Postgres (dropped at the end),
and called over HTTP as the router would. Prints figures only.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import secrets
import statistics
import time
import uuid
from datetime import UTC, datetime, timedelta

import httpx

from common.auth.tokens import TokenSigner, TokenVerifier, load_or_create_private_key
from common.auth.viewer import Role
from common.config import Settings
from common.db import create_engine, drop_database, session_factory, transaction
from subgraphs.bookings.app import BookingsOptions, create_app, migrate
from subgraphs.bookings.records import BookingStatus, Listing, Weekday
from subgraphs.bookings.repository import BookingRepository
from subgraphs.bookings.repository_listings import ListingRepository
from subgraphs.bookings.service.validation import (
    SettingsInput,
    WeeklyHoursInput,
    check_settings,
)
from subgraphs.bookings.slots import free_slots
from tests.support.servers import serve_asgi

SLOTS = """query($id: ID!, $from: DateTime!, $to: DateTime!) {
  _entities(representations: [{__typename: "Property", id: $id}]) {
    ... on Property { availableSlots(from: $from, to: $to) { startsAt } } } }"""
CREATE = (
    """mutation($p: ID!, $s: DateTime!) { createBooking(propertyId: $p, startsAt: $s) { id } }"""
)
HOURS = SettingsInput(
    weekly_hours=[WeeklyHoursInput(day, "08:00", "20:00") for day in Weekday],
    minimum_notice_minutes=0,
    horizon_days=90,
)


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


async def open_listing(settings: Settings, bookings_held: int) -> uuid.UUID:
    """A listing open 08:00–20:00 daily, with ``bookings_held`` bookings over 60 days."""
    engine = create_engine(settings, "bookings")
    property_id = uuid.uuid4()
    listing = Listing(property_id, uuid.uuid4(), "available", "America/Chicago", 1)
    checked = check_settings(HOURS)
    try:
        async with transaction(session_factory(engine)) as session:
            listings, repo = ListingRepository(), BookingRepository()
            await listings.upsert(session, listing)
            await listings.put_settings(session, property_id, checked, None)
            stored = (await listings.get_settings(session, [property_id]))[property_id][1]
            assert stored is not None
            now = datetime.now(UTC)
            slots = free_slots(stored, now, now + timedelta(days=60), now=now, held=[])
            for slot in random.Random(7).sample(slots, bookings_held):
                booking = await repo.insert(
                    session,
                    {
                        "id": uuid.uuid4(),
                        "property_id": property_id,
                        "user_id": uuid.uuid4(),
                        "starts_at": slot.starts_at,
                        "duration_minutes": 30,
                        "time_zone": stored.time_zone,
                        "status": BookingStatus.CONFIRMED.value,
                        "calendar_token": secrets.token_urlsafe(24),
                    },
                )
                await repo.occupy(session, booking)
    finally:
        await engine.dispose()
    return property_id


async def run(iterations: int) -> None:
    settings = Settings(database_prefix=f"realio_bench_{uuid.uuid4().hex[:8]}_")
    key = load_or_create_private_key(settings.data_dir / "bench" / f"{os.getpid()}.pem")
    signer = TokenSigner(key, settings)
    await migrate(settings)
    app = create_app(
        settings,
        BookingsOptions(run_events=False, schedule_interval_seconds=0),
        verifier=TokenVerifier(settings, jwks=signer.jwks),
    )
    try:
        busy = await open_listing(settings, 500)
        contended = await open_listing(settings, 0)
        async with serve_asgi(app) as url, httpx.AsyncClient(timeout=60) as http:
            graphql = f"{url}/graphql"
            now = datetime.now(UTC)
            window = {"from": now.isoformat(), "to": (now + timedelta(days=60)).isoformat()}
            latencies, count = [], 0
            for _ in range(iterations):
                started = time.perf_counter()
                response = await http.post(
                    graphql, json={"query": SLOTS, "variables": {"id": str(busy), **window}}
                )
                latencies.append((time.perf_counter() - started) * 1000)
                count = len(response.json()["data"]["_entities"][0]["availableSlots"])
            print(
                f"availableSlots, 60 days, 500 bookings held ({count} free slots): "
                f"p50 {statistics.median(latencies):.1f} ms, p95 {pct(latencies, 0.95):.1f} ms "
                f"({iterations} requests)"
            )

            body = await http.post(
                graphql, json={"query": SLOTS, "variables": {"id": str(contended), **window}}
            )
            targets = [s["startsAt"] for s in body.json()["data"]["_entities"][0]["availableSlots"]]
            targets = targets[:10]
            tokens = [signer.issue(uuid.uuid4(), Role.BUYER, uuid.uuid4()) for _ in range(50)]
            outcomes: list[tuple[float, bool]] = []

            async def client(token: str, order: list[str]) -> None:
                for start in order:
                    began = time.perf_counter()
                    response = await http.post(
                        graphql,
                        json={"query": CREATE, "variables": {"p": str(contended), "s": start}},
                        headers={"authorization": f"Bearer {token}"},
                    )
                    ok = "errors" not in response.json()
                    outcomes.append(((time.perf_counter() - began) * 1000, ok))

            orders = [random.Random(i).sample(targets, len(targets)) for i in range(50)]
            started = time.perf_counter()
            await asyncio.gather(*(client(t, o) for t, o in zip(tokens, orders, strict=True)))
            elapsed = time.perf_counter() - started
            times = [t for t, _ in outcomes]
            successes = sum(ok for _, ok in outcomes)
            print(
                f"createBooking, 50 clients contending for 10 slots: {len(outcomes)} requests in "
                f"{elapsed:.2f} s = {len(outcomes) / elapsed:.0f} req/s, p50 "
                f"{statistics.median(times):.1f} ms, p95 {pct(times, 0.95):.1f} ms; "
                f"successes {successes} (must be 10)"
            )
    finally:
        await app.state.engine.dispose()
        await drop_database(settings, "bookings")
    print(f"load average: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--iterations", type=int, default=200)
    args = parser.parse_args()
    asyncio.run(run(args.iterations))


if __name__ == "__main__":
    main()
