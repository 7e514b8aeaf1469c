"""Search benchmark: five filter shapes on 100,000 listings, and write → visible in search.

``python -m bench.search_bench`` (``make bench``). Uses throw-away databases on the configured
Postgres (``REALIO_DATABASE_URL`` or the local default) and drops them at the end. Prints
figures only; budgets (ARCHITECTURE.md): ≤ 25 ms p95 per search shape; ≤ 250 ms p95 from a
property write (``updateProperty`` over HTTP) to the change being visible in search.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import statistics
import time
import uuid
from collections.abc import Callable
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import asyncpg
import httpx

from common.config import Settings
from common.db import create_engine, drop_database, subgraph_database_url
from subgraphs.search.app import migrate
from subgraphs.search.index.postgres import PostgresSearchIndex
from subgraphs.search.service.query import (
    BoundingBox,
    FacetRequest,
    GeoRadius,
    SearchFilter,
    SearchQuery,
    SearchSort,
)

CITIES = {
    "Lisbon": (38.7223, -9.1393),
    "Porto": (41.1579, -8.6291),
    "Austin": (30.2672, -97.7431),
    "Denver": (39.7392, -104.9903),
    "Seattle": (47.6062, -122.3321),
    "Boston": (42.3601, -71.0589),
    "Madrid": (40.4168, -3.7038),
    "Berlin": (52.5200, 13.4050),
    "Toronto": (43.6532, -79.3832),
    "Sydney": (-33.8688, 151.2093),
}
ADJECTIVES = "sunny bright quiet modern cosy spacious renovated charming elegant rustic".split()
NOUNS = "house apartment loft villa cottage studio penthouse townhouse bungalow duplex".split()
FEATURES = (
    "garden pool garage terrace balcony fireplace basement view parking gym "
    "rooftop courtyard orchard patio sauna workshop library cellar veranda porch"
).split()
TYPES = ["house", "apartment", "condo", "townhouse", "multi_family", "land", "commercial"]
TYPE_WEIGHTS = [35, 30, 12, 10, 5, 4, 4]
STATUSES = ["available", "pending", "sold", "rented", "off_market"]
STATUS_WEIGHTS = [70, 10, 10, 5, 5]
COLUMNS = [
    "id", "version", "title", "description", "address", "zip_code", "type", "status", "price",
    "currency", "bedrooms", "bathrooms", "toilets", "latitude", "longitude", "owner_id",
    "created_at", "updated_at", "indexed_at",
]  # fmt: skip


def synthetic_rows(count: int, rng: random.Random) -> list[tuple[object, ...]]:
    now = datetime.now(UTC)
    owners = [uuid.uuid4() for _ in range(500)]
    rows: list[tuple[object, ...]] = []
    for n in range(count):
        city, (lat, lon) = rng.choice(list(CITIES.items()))
        kind = rng.choices(TYPES, TYPE_WEIGHTS)[0]
        beds = 0 if kind in ("land", "commercial") else rng.randint(0, 6)
        features = rng.sample(FEATURES, 3)
        created = now - timedelta(minutes=rng.randint(0, 3 * 365 * 24 * 60))
        rows.append(
            (
                uuid.uuid4(),
                1,
                f"{rng.choice(ADJECTIVES).title()} {rng.choice(NOUNS)} with {features[0]}",
                f"Listing {n}: {features[1]} and {features[2]}, close to {city} centre.",
                f"{rng.randint(1, 999)} {rng.choice(ADJECTIVES).title()} Street, {city}",
                f"{rng.randint(10000, 99999)}",
                kind,
                rng.choices(STATUSES, STATUS_WEIGHTS)[0],
                Decimal(rng.randint(50, 2000) * 1000),
                "USD",
                beds,
                max(0, beds - rng.randint(0, 2)),
                max(0, beds - rng.randint(0, 1)),
                lat + rng.uniform(-0.25, 0.25),
                lon + rng.uniform(-0.3, 0.3),
                rng.choice(owners),
                created,
                created,
                now,
            )
        )
    return rows


async def bulk_load(settings: Settings, count: int, rng: random.Random) -> float:
    dsn = subgraph_database_url(settings, "search").set(drivername="postgresql")
    conn = await asyncpg.connect(dsn.render_as_string(hide_password=False))
    try:
        rows = synthetic_rows(count, rng)
        started = time.perf_counter()
        await conn.copy_records_to_table("search_listings", records=rows, columns=COLUMNS)
        # What autovacuum does after a load this size: statistics, the visibility map (for
        # index-only scans) and GIN's pending list merged, so searches see the steady state.
        await conn.execute("VACUUM (ANALYZE) search_listings")
        return time.perf_counter() - started
    finally:
        await conn.close()


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(fraction * (len(ordered) - 1))))]


def shapes(rng: random.Random) -> dict[str, Callable[[], SearchQuery]]:
    def city() -> tuple[float, float]:
        return rng.choice(list(CITIES.values()))

    def text() -> SearchQuery:
        return SearchQuery(SearchFilter(text=rng.choice(FEATURES)), SearchSort.RELEVANCE)

    def geo_price() -> SearchQuery:
        lat, lon = city()
        low = rng.randint(100, 800) * 1000
        return SearchQuery(
            SearchFilter(
                near=GeoRadius(lat, lon, rng.choice([2.0, 5.0, 10.0])),
                price_min=Decimal(low),
                price_max=Decimal(low + 400000),
            ),
            SearchSort.DISTANCE,
        )

    def box_types() -> SearchQuery:
        lat, lon = city()
        return SearchQuery(
            SearchFilter(
                within=BoundingBox(lat - 0.1, lon - 0.1, lat + 0.1, lon + 0.1),
                types=tuple(rng.sample(TYPES[:4], 2)),
            ),
            SearchSort.NEWEST,
        )

    def facets_heavy() -> SearchQuery:
        lat, lon = city()
        return SearchQuery(
            SearchFilter(
                statuses=("available",),
                min_bedrooms=rng.randint(1, 3),
                near=GeoRadius(lat, lon, 25.0),
            ),
            SearchSort.PRICE_ASC,
        )

    def text_price() -> SearchQuery:
        words = " ".join(rng.sample(FEATURES, 2))
        return SearchQuery(SearchFilter(text=words), SearchSort.PRICE_ASC)

    return {
        "text (relevance)": text,
        "geo radius + price (distance)": geo_price,
        "bbox + types (newest)": box_types,
        "facets-heavy (page+count+facets)": facets_heavy,
        "text + sort by price": text_price,
    }


async def measure_searches(index: PostgresSearchIndex, rounds: int, rng: random.Random) -> None:
    load = " ".join(f"{n:.2f}" for n in os.getloadavg())
    print(
        f"\nsearch on the Postgres index, {rounds} requests per shape (page of 20 with totalCount)"
        f", load average {load}"
    )
    print(f"{'shape':36} {'p50 ms':>8} {'p95 ms':>8} {'max ms':>8} {'hits/total':>12}")
    for name, make in shapes(rng).items():
        timings: list[float] = []
        totals: list[int] = []
        for attempt in range(rounds + 10):
            query = replace(make(), with_total=True)
            if name.startswith("facets"):  # as the schema asks: facets selected with the page
                query = replace(query, facets=FacetRequest(Decimal(100000)))
            started = time.perf_counter()
            page = await index.search(query)
            total = page.total or 0
            if query.facets is not None and page.facets is None:
                await index.facets(query, Decimal(100000))
            elapsed = (time.perf_counter() - started) * 1000
            if attempt >= 10:  # the first requests warm the pool and caches
                timings.append(elapsed)
                totals.append(total)
        print(
            f"{name:36} {statistics.median(timings):8.2f} {percentile(timings, 0.95):8.2f} "
            f"{max(timings):8.2f} {int(statistics.median(totals)):>12}"
        )


async def measure_write_to_visible(settings: Settings, writes: int) -> None:
    """updateProperty over HTTP on the real properties subgraph → visible in search's index."""
    from common.auth.tokens import TokenSigner, TokenVerifier, load_or_create_private_key
    from common.auth.viewer import Role
    from subgraphs.properties.app import create_app as create_properties_app
    from subgraphs.properties.app import migrate as migrate_properties
    from subgraphs.search.app import SearchOptions, create_app
    from tests.support.servers import serve_asgi

    key = load_or_create_private_key(settings.data_dir / "bench-key.pem")
    signer = TokenSigner(key, settings)
    verifier = TokenVerifier(settings, jwks=signer.jwks)
    seller = signer.issue(uuid.uuid4(), Role.SELLER, uuid.uuid4())
    await migrate_properties(settings)
    properties_app = create_properties_app(settings, verifier=verifier)
    search_app = create_app(
        settings, SearchOptions(reconcile_interval_seconds=0), verifier=verifier
    )
    index: PostgresSearchIndex = search_app.state.services.search.index
    headers = {"authorization": f"Bearer {seller}"}
    latencies: list[float] = []
    async with (
        serve_asgi(properties_app) as properties_url,
        serve_asgi(search_app),
        httpx.AsyncClient(base_url=properties_url, headers=headers, timeout=30) as http,
    ):
        created = await http.post("/graphql", json={"query": CREATE, "variables": {}})
        listing = uuid.UUID(created.json()["data"]["createProperty"]["id"])
        await wait_visible(index, listing, Decimal("500000"))
        for n in range(writes):
            price = Decimal(499000 - n * 100)
            started = time.perf_counter()
            response = await http.post(
                "/graphql",
                json={"query": UPDATE, "variables": {"id": str(listing), "price": str(price)}},
            )
            assert "errors" not in response.json(), response.text
            await wait_visible(index, listing, price)
            latencies.append((time.perf_counter() - started) * 1000)
    print(f"\nproperty write → visible in search, {writes} updateProperty calls over HTTP")
    print(
        f"p50 {statistics.median(latencies):.1f} ms   p95 {percentile(latencies, 0.95):.1f} ms"
        f"   max {max(latencies):.1f} ms"
    )


CREATE = """mutation { createProperty(input: {title: "Bench loft", description: "d",
  price: "500000", type: APARTMENT, address: "1 Bench St, Austin", zipCode: "78701",
  bedrooms: 2, bathrooms: 1, toilets: 1, latitude: 30.27, longitude: -97.74}) { id } }"""
UPDATE = """mutation($id: ID!, $price: Decimal!) {
  updateProperty(id: $id, input: {price: $price}) { version } }"""


async def wait_visible(index: PostgresSearchIndex, listing: uuid.UUID, price: Decimal) -> None:
    """Poll search until the listing is found at ``price`` (a benchmark, not a test)."""
    query = SearchQuery(SearchFilter(price_min=price, price_max=price), ids=(listing,))
    deadline = time.perf_counter() + 10
    while not (await index.search(query)).hits:
        if time.perf_counter() > deadline:
            raise TimeoutError("the change never became visible in search")
        await asyncio.sleep(0.001)


async def run(count: int, rounds: int, writes: int) -> None:
    run_id = uuid.uuid4().hex[:8]
    settings = Settings(
        database_prefix=f"realio_bench{run_id}_",
        log_level="WARNING",
        data_dir=Settings().data_dir / f"bench-{run_id}",
    )
    rng = random.Random(7)
    try:
        await migrate(settings)
        seconds = await bulk_load(settings, count, rng)
        print(f"bulk load: {count:,} listings via COPY (indexes maintained) in {seconds:.1f} s")
        engine = create_engine(settings, "search")
        try:
            await measure_searches(PostgresSearchIndex(engine), rounds, rng)
        finally:
            await engine.dispose()
        if writes:
            await measure_write_to_visible(settings, writes)
    finally:
        for subgraph in ("search", "properties"):
            await drop_database(settings, subgraph)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--listings", type=int, default=100_000)
    parser.add_argument("--rounds", type=int, default=200)
    parser.add_argument("--writes", type=int, default=100)
    args = parser.parse_args()
    os.environ.setdefault("REALIO_LOG_LEVEL", "WARNING")
    asyncio.run(run(args.listings, args.rounds, args.writes))


if __name__ == "__main__":
    main()
