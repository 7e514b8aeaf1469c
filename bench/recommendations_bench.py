"""Recommendations benchmark, the service: top-10 through the subgraph and through the router.

``python -m bench.recommendations_bench [--listings 100000 --interactions 1000000]``.

1. Simulates a world (``subgraphs.recommendations.simulator``) and bulk-loads its listings and
   interactions into the recommendations database (throw-away databases, dropped at the end).
2. Trains with ``python -m subgraphs.recommendations.train`` in a child process: wall time
   and the child's peak resident memory.
3. Serves users, properties and recommendations as child processes (uvicorn, as ``make run``)
   and the router in front of users + properties + recommendations.
4. Times, p50/p95 over ``--requests`` calls: ``Property.similarProperties(first: 10)``,
   ``Property.recommendations(first: 10)`` and ``User.recommendedProperties(first: 10)``
   through the subgraph (``_entities``, as the router
   calls it; the feed for distinct users, so each is a cache miss, and repeated for one user,
   a cache hit), then through the router (``property(id) { similarProperties }`` for homes
   created through the router, and ``me { recommendedProperties }`` for the demo users given
   simulated histories: cache hits, then cold — the router in front of a second
   recommendations instance with the feed cache off, so every call computes the feed).

Budget (ARCHITECTURE.md): top-10 recommendations at 100,000 listings ≤ 30 ms p95. Prints
figures only; the load average is printed with them.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import re
import resource
import statistics
import sys
import tempfile
import time
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import asyncpg
import httpx

from bench.support import cpu_seconds, free_port
from common.auth.tokens import TokenSigner, load_or_create_private_key
from common.auth.viewer import Role
from common.config import REPO_ROOT, Settings
from common.db import asyncpg_dsn, drop_database, subgraph_database_url
from common.demo import DEMO_USERS
from common.launcher import subgraph_command
from common.sdl_export import subgraph_sdl
from router.composition import SubgraphDefinition, compose
from subgraphs.bookings.app import migrate as migrate_bookings
from subgraphs.messaging.app import migrate as migrate_messaging
from subgraphs.properties.app import migrate as migrate_properties
from subgraphs.recommendations.app import migrate as migrate_recommendations
from subgraphs.recommendations.service.projection import listing_values
from subgraphs.recommendations.simulator import simulate
from subgraphs.search.app import migrate as migrate_search
from subgraphs.users.app import migrate as migrate_users
from subgraphs.users.seed import seed as seed_users
from tests.support.listings import listing_input

NOW = datetime(2026, 12, 1, tzinfo=UTC)
SUBGRAPHS = ("users", "properties", "recommendations")
MIGRATIONS = {
    "users": migrate_users,
    "properties": migrate_properties,
    "search": migrate_search,
    "bookings": migrate_bookings,
    "messaging": migrate_messaging,
    "recommendations": migrate_recommendations,
}
SIMILAR_ENTITY = """query($id: ID!) {
  _entities(representations: [{__typename: "Property", id: $id}]) {
    ... on Property { similarProperties(first: 10) { id recommendationReason } } } }"""
HOME_ENTITY = """query($id: ID!) {
  _entities(representations: [{__typename: "Property", id: $id}]) {
    ... on Property { recommendations(first: 10) { id recommendationReason } } } }"""
FEED_ENTITY = """query($id: ID!) {
  _entities(representations: [{__typename: "User", id: $id}]) {
    ... on User { recommendedProperties(first: 10) { id recommendationReason } } } }"""
# What any request costs here (HTTP, auth, GraphQL), for comparison with the rows above.
BASELINE = "{ recommendationModelVersion }"
SIMILAR_ROUTER = """query($id: ID!) { property(id: $id) {
  similarProperties(first: 10) { id recommendationReason } } }"""
FEED_ROUTER = "{ me { recommendedProperties(first: 10) { id recommendationReason } } }"
CREATE = "mutation($input: CreatePropertyInput!) { createProperty(input: $input) { id } }"


def load() -> str:
    one, five, fifteen = os.getloadavg()
    return f"load average {one:.2f}, {five:.2f}, {fifteen:.2f}"


def report(label: str, timing: Timing) -> None:
    cpu = ", ".join(f"{name} {ms:.1f}" for name, ms in timing.cpu_ms.items())
    print(f"  {label:<42} {percentiles(timing.samples)}; CPU ms/call: {cpu}")


def percentiles(samples: list[float]) -> str:
    ordered = sorted(samples)
    p95 = ordered[min(len(ordered) - 1, int(round(0.95 * (len(ordered) - 1))))]
    return f"p50 {statistics.median(ordered):7.2f} ms   p95 {p95:7.2f} ms   ({len(ordered)} calls)"


# ---- the data ------------------------------------------------------------------------------


async def bulk_load(
    settings: Settings, listings: int, interactions: int, demo_ids: list[uuid.UUID]
) -> tuple[list[str], list[str]]:
    """Load a simulated world; the demo users get the histories of simulated ones. Returns
    the listing ids and the simulated user ids."""
    started = time.perf_counter()
    users = max(10, interactions // 90)  # about 90 interactions per user at 16 sessions
    world = simulate(users, listings, seed=11, now=NOW, sessions=16.0)
    log = world.interactions
    user_ids = sorted({i.user_id for i in log})
    donors = dict(zip(user_ids[: len(demo_ids)], demo_ids, strict=False))
    rows = []
    for listing in world.listings:
        snapshot = {
            "id": listing.id,
            "owner_id": listing.owner_id,
            "title": listing.text.split("\n")[0],
            "description": listing.text,
            "price": listing.price,
            "currency": listing.currency,
            "type": listing.type,
            "no_of_bed_rooms": listing.bedrooms,
            "no_of_bath_rooms": listing.bathrooms,
            "floor_area": listing.area,
            "address": f"1 Main St, {listing.city}, XX",
            "latitude": listing.latitude,
            "longitude": listing.longitude,
            "status": listing.status,
            "created_at": listing.created_at.isoformat(),
        }
        values = listing_values(snapshot, 1)
        rows.append(tuple(values[c] for c in LISTING_COLUMNS))
    interaction_rows = [
        (uuid.UUID(i.user_id), uuid.UUID(i.property_id), i.kind, "bench", i.at) for i in log
    ]
    interaction_rows += [
        (donors[i.user_id], uuid.UUID(i.property_id), i.kind, "bench", i.at)
        for i in log
        if i.user_id in donors
    ]
    conn = await asyncpg.connect(asyncpg_dsn(subgraph_database_url(settings, "recommendations")))
    try:
        await conn.copy_records_to_table("listings", records=rows, columns=LISTING_COLUMNS)
        await conn.copy_records_to_table(
            "interactions",
            records=interaction_rows,
            columns=["user_id", "property_id", "kind", "origin", "at"],
        )
        await conn.execute("ANALYZE")
    finally:
        await conn.close()
    print(
        f"loaded {len(rows):,} listings and {len(interaction_rows):,} interactions of "
        f"{len(user_ids):,} users in {time.perf_counter() - started:.1f} s"
    )
    return [listing.id for listing in world.listings], user_ids


LISTING_COLUMNS = [
    "id",
    "owner_id",
    "type",
    "price",
    "currency",
    "bedrooms",
    "bathrooms",
    "area",
    "city",
    "latitude",
    "longitude",
    "text",
    "status",
    "version",
    "created_at",
]


def train(env: dict[str, str]) -> None:
    """Train in a child process; its wall time and peak resident memory."""
    import subprocess

    before = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    started = time.perf_counter()
    result = subprocess.run(
        [sys.executable, "-m", "subgraphs.recommendations.train"],
        env=env,
        cwd=REPO_ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    seconds = time.perf_counter() - started
    if result.returncode != 0:
        raise RuntimeError(f"training failed: {result.stderr[-2000:]}")
    peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    print(f"train: {result.stdout.strip()}")
    print(
        f"training: {seconds:.1f} s wall (process start and Postgres reads included); "
        f"peak RSS {max(peak, before) / 1024:,.0f} MiB  [{load()}]"
    )


# ---- the processes -------------------------------------------------------------------------


async def start_subgraph(name: str, port: int, env: dict[str, str]) -> asyncio.subprocess.Process:
    return await asyncio.create_subprocess_exec(
        *subgraph_command(name, port),
        env=env,
        cwd=REPO_ROOT,
        stdout=asyncio.subprocess.DEVNULL,
        stderr=asyncio.subprocess.DEVNULL,
    )


async def wait_for(check: Any, what: str, timeout: float = 300) -> None:
    """Poll ``check()`` (a child process's readiness) until true, bounded."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            if await check():
                return
        except httpx.HTTPError:
            pass
        await asyncio.sleep(0.2)  # polling another process's readiness
    raise TimeoutError(what)


async def start_router(
    supergraph: Path, urls: dict[str, str], env: dict[str, str]
) -> tuple[asyncio.subprocess.Process, str]:
    router_env = {
        **env,
        "REALIO_ROUTER_SUBGRAPH_URLS": json.dumps(urls),
        "REALIO_ROUTER_APQ_ENABLED": "false",
    }
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "router",
        "--supergraph",
        str(supergraph),
        "--port",
        "0",
        env=router_env,
        cwd=REPO_ROOT,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.STDOUT,
    )
    assert process.stdout is not None
    async with asyncio.timeout(60):
        while True:
            line = (await process.stdout.readline()).decode()
            if not line:
                raise RuntimeError("the router exited before it started")
            found = re.search(r"Uvicorn running on (http://[^\s\"]+)", line)
            if found:
                DRAINS.add(asyncio.create_task(drain(process.stdout)))
                return process, found.group(1) + "/graphql"


DRAINS: set[asyncio.Task[None]] = set()


async def drain(stream: asyncio.StreamReader) -> None:
    while await stream.readline():
        pass


Call = tuple[str, dict[str, Any], str | None]


# Processes whose CPU time per call is reported (name → pid): CPU time does not grow with the
# machine's load the way wall-clock latency does on a shared machine.
WATCHED: dict[str, int] = {}


@dataclass
class Timing:
    samples: list[float]
    cpu_ms: dict[str, float]  # CPU milliseconds per call, per watched process


async def timed(http: httpx.AsyncClient, url: str, calls: Sequence[Call]) -> Timing:
    for query, variables, token in calls[:5]:  # warm-up
        await post(http, url, query, variables, token)
    samples = []
    before = {name: cpu_seconds(pid) for name, pid in WATCHED.items()}
    for query, variables, token in calls:
        started = time.perf_counter()
        await post(http, url, query, variables, token)
        samples.append((time.perf_counter() - started) * 1000.0)
    cpu = {
        name: (cpu_seconds(pid) - before[name]) * 1000.0 / len(calls)
        for name, pid in WATCHED.items()
    }
    return Timing(samples, cpu)


async def post(
    http: httpx.AsyncClient, url: str, query: str, variables: dict[str, Any], token: str | None
) -> dict[str, Any]:
    headers = {"authorization": f"Bearer {token}"} if token else {}
    response = await http.post(url, json={"query": query, "variables": variables}, headers=headers)
    body: dict[str, Any] = response.json()
    if body.get("errors"):
        raise RuntimeError(body["errors"])
    return body


# ---- the run -------------------------------------------------------------------------------


async def run(listings: int, interactions: int, requests: int) -> None:
    data_dir = Path(tempfile.mkdtemp(prefix="realio-recs-bench-"))
    prefix = f"realio_bench_recs{uuid.uuid4().hex[:6]}_"
    settings = Settings(database_prefix=prefix, data_dir=data_dir)
    processes: list[asyncio.subprocess.Process] = []
    try:
        for migrate in MIGRATIONS.values():
            await migrate(settings)
        await seed_users(settings)
        key = load_or_create_private_key(settings.resolved_private_key_file())
        signer = TokenSigner(key, settings)
        demo = [u for u in DEMO_USERS if u.role is Role.BUYER]
        listing_ids, user_ids = await bulk_load(
            settings, listings, interactions, [u.id for u in demo]
        )
        ports = {name: free_port() for name in SUBGRAPHS}
        env = {
            **os.environ,
            "PYTHONPATH": str(REPO_ROOT),
            "REALIO_DATABASE_PREFIX": prefix,
            "REALIO_DATA_DIR": str(data_dir),
            "REALIO_SUBGRAPH_PORTS": json.dumps(ports),
            "REALIO_JWKS_URL": f"http://127.0.0.1:{ports['users']}/.well-known/jwks.json",
            "REALIO_REVOCATIONS_URL": f"http://127.0.0.1:{ports['users']}/auth/revocations",
            "REALIO_RECOMMENDATIONS_ARTEFACT_KEY": "bench-artefact-key-0123456789abcdef",
            "REALIO_RECOMMENDATIONS_TRAIN_WHEN_EMPTY": "false",
            "REALIO_RECOMMENDATIONS_REFRESH_INTERVAL_SECONDS": "1",
            "REALIO_LOG_LEVEL": "WARNING",
            "OPENBLAS_NUM_THREADS": "1",
            "OMP_NUM_THREADS": "1",
        }
        train(env)
        for name in SUBGRAPHS:
            processes.append(await start_subgraph(name, ports[name], env))
            WATCHED[name] = processes[-1].pid
        urls = {name: f"http://127.0.0.1:{port}/graphql" for name, port in ports.items()}
        recs_url = urls["recommendations"]
        async with httpx.AsyncClient(timeout=60, trust_env=False) as http:

            async def model_loaded() -> bool:
                response = await http.post(
                    recs_url, json={"query": "{ recommendationModelVersion }"}
                )
                return bool(response.json()["data"]["recommendationModelVersion"])

            async def users_ready() -> bool:
                health = await http.get(urls["users"].replace("/graphql", "/health"))
                properties = await http.get(urls["properties"].replace("/graphql", "/health"))
                return health.status_code == 200 and properties.status_code == 200

            await wait_for(users_ready, "users and properties")
            started = time.perf_counter()
            await wait_for(model_loaded, "the model to load")
            print(f"subgraph up with the model in {time.perf_counter() - started:.1f} s")

            rng = random.Random(7)
            buyer = rng.choice(user_ids)
            token_of = {
                u: signer.issue(uuid.UUID(u), Role.BUYER, uuid.uuid4())
                for u in rng.sample(user_ids, min(requests, len(user_ids)))
            }
            print(f"through the subgraph ({listings:,} listings), top 10:")
            report(
                "baseline: { recommendationModelVersion }",
                await timed(http, recs_url, [(BASELINE, {}, None)] * requests),
            )
            similar_calls: list[Call] = [
                (SIMILAR_ENTITY, {"id": rng.choice(listing_ids)}, None) for _ in range(requests)
            ]
            report("similarProperties, anonymous", await timed(http, recs_url, similar_calls))
            signed: list[Call] = [
                (q, v, next(iter(token_of.values()))) for q, v, _ in similar_calls
            ]
            report("similarProperties, signed in", await timed(http, recs_url, signed))
            home_calls: list[Call] = [
                (HOME_ENTITY, {"id": rng.choice(listing_ids)}, None) for _ in range(requests)
            ]
            report(
                "recommendations (a home's page), anonymous",
                await timed(http, recs_url, home_calls),
            )
            cold: list[Call] = [(FEED_ENTITY, {"id": u}, t) for u, t in token_of.items()]
            report("recommendedProperties, cache misses", await timed(http, recs_url, cold))
            token = signer.issue(uuid.UUID(buyer), Role.BUYER, uuid.uuid4())
            warm: list[Call] = [(FEED_ENTITY, {"id": buyer}, token)] * requests
            report("recommendedProperties, cache hits", await timed(http, recs_url, warm))
            print(f"  [{load()}]")

            # Through the router: users + properties + recommendations.
            sdl = [SubgraphDefinition(n, urls[n], subgraph_sdl(n)) for n in SUBGRAPHS]
            result = compose(sdl)
            assert result.supergraph_sdl is not None, result.errors
            supergraph = data_dir / "supergraph.graphql"
            supergraph.write_text(result.supergraph_sdl)
            router, router_url = await start_router(supergraph, urls, env)
            processes.append(router)
            WATCHED["router"] = router.pid
            # A second recommendations instance with the feed cache off, behind a second
            # router: every feed through it is computed (the cold path).
            cold_port = free_port()
            cold_env = {
                **env,
                "REALIO_RECOMMENDATIONS_FEED_CACHE_SECONDS": "0",
                "REALIO_RUN_EVENT_LOOPS": "false",  # the first instance runs them
            }
            processes.append(await start_subgraph("recommendations", cold_port, cold_env))
            cold_instance = processes[-1].pid
            cold_urls = {**urls, "recommendations": f"http://127.0.0.1:{cold_port}/graphql"}
            cold_router, cold_router_url = await start_router(supergraph, cold_urls, env)
            processes.append(cold_router)
            seller = signer.issue(
                next(u.id for u in DEMO_USERS if u.role is Role.SELLER), Role.SELLER, uuid.uuid4()
            )
            homes = []
            for n in range(20):
                created = await post(
                    http,
                    router_url,
                    CREATE,
                    {"input": listing_input(title=f"Bench home {n}", price=str(400_000 + n))},
                    seller,
                )
                homes.append(created["data"]["createProperty"]["id"])

            async def projected() -> bool:
                body = await post(http, router_url, SIMILAR_ROUTER, {"id": homes[-1]}, None)
                return bool(body["data"]["property"]["similarProperties"])

            await wait_for(projected, "the homes to reach recommendations", 60)
            print(f"through the router ({listings:,} listings), top 10:")
            report(
                "baseline: { recommendationModelVersion }",
                await timed(http, router_url, [(BASELINE, {}, None)] * requests),
            )
            calls: list[Call] = [
                (SIMILAR_ROUTER, {"id": rng.choice(homes)}, None) for _ in range(requests)
            ]
            report("property { similarProperties }", await timed(http, router_url, calls))
            demo_tokens = [signer.issue(u.id, Role.BUYER, uuid.uuid4()) for u in demo]
            feed_calls: list[Call] = [
                (FEED_ROUTER, {}, demo_tokens[i % len(demo_tokens)]) for i in range(requests)
            ]
            report(
                "me { recommendedProperties }, cache hits",
                await timed(http, router_url, feed_calls),
            )

            async def cold_loaded() -> bool:
                query = {"query": BASELINE}
                response = await http.post(cold_urls["recommendations"], json=query)
                return bool(response.json()["data"]["recommendationModelVersion"])

            await wait_for(cold_loaded, "the cache-less instance to load the model")
            WATCHED["recommendations"] = cold_instance
            WATCHED["router"] = cold_router.pid
            report(
                "me { recommendedProperties }, no feed cache",
                await timed(http, cold_router_url, feed_calls),
            )
            print(f"  [{load()}]")
    finally:
        for process in processes:
            if process.returncode is None:
                process.terminate()
                await process.wait()
        for name in MIGRATIONS:
            await drop_database(settings, name)


def main() -> None:
    parser = argparse.ArgumentParser(description="recommendations benchmark, the service")
    parser.add_argument("--listings", type=int, default=100_000)
    parser.add_argument("--interactions", type=int, default=1_000_000)
    parser.add_argument("--requests", type=int, default=300)
    args = parser.parse_args()
    asyncio.run(run(args.listings, args.interactions, args.requests))


if __name__ == "__main__":
    main()
