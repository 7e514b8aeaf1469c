"""Router benchmark: requests/s and latency through the router against the subgraphs directly.

    python -m bench.router_bench [--requests 1000] [--concurrency 8] [--duration 3] [--budget 60]

How it is measured: three small subgraphs (products, inventory, reviews; graphql-core on
uvicorn) run in one child process, the router (``python -m router``, uvicorn with uvloop and
httptools) in another, and this process is the load generator (aiohttp, keep-alive). Latency
comes from a run with one request in flight, after a warm-up so the query plan is cached,
that alternates a direct and a routed request so both meet the same machine load; it stops
after ``--requests`` pairs or its share of ``--budget`` seconds, whichever comes first.
Throughput comes from a run with ``--concurrency`` requests in flight for ``--duration``
seconds. "Direct" sends the same work straight to the subgraphs: for the single-subgraph
query one request; for the three-subgraph query the root fetch and then the two ``_entities``
fetches in parallel, as the router's plan does. Router overhead p50 = router p50 - direct p50.
All processes share the machine's cores, so the figures are for comparison, not absolutes.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import re
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import aiohttp
import orjson

PRODUCT_COUNT = 50

PRODUCTS_SDL = """
extend schema @link(url: "https://specs.apollo.dev/federation/v2.3", import: ["@key"])
type Query { product(id: ID!): Product, topProducts(first: Int!): [Product!]! }
type Product @key(fields: "id") { id: ID! name: String! price: Int! }
"""
INVENTORY_SDL = """
extend schema @link(url: "https://specs.apollo.dev/federation/v2.3", import: ["@key"])
type Product @key(fields: "id") { id: ID! inStock: Boolean! }
"""
REVIEWS_SDL = """
extend schema @link(url: "https://specs.apollo.dev/federation/v2.3", import: ["@key"])
type Product @key(fields: "id") { id: ID! reviewCount: Int! }
"""

SUPERGRAPH = """
schema
  @link(url: "https://specs.apollo.dev/link/v1.0")
  @link(url: "https://specs.apollo.dev/join/v0.3", for: EXECUTION)
{
  query: Query
}

directive @join__enumValue(graph: join__Graph!) repeatable on ENUM_VALUE
directive @join__field(graph: join__Graph, requires: join__FieldSet, provides: join__FieldSet,
  type: String, external: Boolean, override: String, usedOverridden: Boolean)
  repeatable on FIELD_DEFINITION | INPUT_FIELD_DEFINITION
directive @join__graph(name: String!, url: String!) on ENUM_VALUE
directive @join__implements(graph: join__Graph!, interface: String!)
  repeatable on OBJECT | INTERFACE
directive @join__type(graph: join__Graph!, key: join__FieldSet, extension: Boolean! = false,
  resolvable: Boolean! = true, isInterfaceObject: Boolean! = false)
  repeatable on OBJECT | INTERFACE | UNION | ENUM | INPUT_OBJECT | SCALAR
directive @join__unionMember(graph: join__Graph!, member: String!) repeatable on UNION
directive @link(url: String, as: String, for: link__Purpose, import: [link__Import])
  repeatable on SCHEMA

scalar join__FieldSet
scalar link__Import
enum link__Purpose { SECURITY EXECUTION }

enum join__Graph {
  INVENTORY @join__graph(name: "inventory", url: "http://inventory.bench/graphql")
  PRODUCTS @join__graph(name: "products", url: "http://products.bench/graphql")
  REVIEWS @join__graph(name: "reviews", url: "http://reviews.bench/graphql")
}

type Product
  @join__type(graph: INVENTORY, key: "id")
  @join__type(graph: PRODUCTS, key: "id")
  @join__type(graph: REVIEWS, key: "id")
{
  id: ID!
  name: String! @join__field(graph: PRODUCTS)
  price: Int! @join__field(graph: PRODUCTS)
  inStock: Boolean! @join__field(graph: INVENTORY)
  reviewCount: Int! @join__field(graph: REVIEWS)
}

type Query
  @join__type(graph: INVENTORY)
  @join__type(graph: PRODUCTS)
  @join__type(graph: REVIEWS)
{
  product(id: ID!): Product @join__field(graph: PRODUCTS)
  topProducts(first: Int!): [Product!]! @join__field(graph: PRODUCTS)
}
"""

SINGLE_QUERY = '{ product(id: "7") { id name price } }'
SPANNING_QUERY = (
    f"{{ topProducts(first: {PRODUCT_COUNT}) {{ id name price inStock reviewCount }} }}"
)
ENTITY_IDS = [str(i) for i in range(PRODUCT_COUNT)]
INVENTORY_FETCH = (
    "query($representations: [_Any!]!) { _entities(representations: $representations)"
    " { ... on Product { inStock } } }"
)
REVIEWS_FETCH = (
    "query($representations: [_Any!]!) { _entities(representations: $representations)"
    " { ... on Product { reviewCount } } }"
)
ROOT_FETCH = f"{{ topProducts(first: {PRODUCT_COUNT}) {{ id name price __typename }} }}"


# ---------------------------------------------------------------- subgraph process


async def _serve_subgraphs() -> None:
    """Child process: run the three subgraphs and print their URLs as one JSON line."""
    from tests.router.harness import SubgraphCluster
    from tests.router.subgraph_kit import federated_app

    def product(product_id: str) -> dict[str, Any]:
        return {"id": product_id, "name": f"Product {product_id}", "price": int(product_id) * 3}

    apps = {
        "products": federated_app(
            PRODUCTS_SDL,
            root={
                "product": lambda id: product(id),
                "topProducts": lambda first: [product(str(i)) for i in range(first)],
            },
            entities={"Product": lambda rep: product(rep["id"])},
        ),
        "inventory": federated_app(
            INVENTORY_SDL,
            entities={"Product": lambda rep: {"id": rep["id"], "inStock": int(rep["id"]) % 2 == 0}},
        ),
        "reviews": federated_app(
            REVIEWS_SDL,
            entities={"Product": lambda rep: {"id": rep["id"], "reviewCount": int(rep["id"]) % 7}},
        ),
    }
    async with SubgraphCluster(apps) as cluster:
        print(json.dumps(cluster.urls), flush=True)
        await asyncio.get_running_loop().run_in_executor(None, sys.stdin.read)  # until EOF


# ---------------------------------------------------------------- load generator


async def _start_subgraphs() -> tuple[asyncio.subprocess.Process, dict[str, str]]:
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "bench.router_bench",
        "--serve-subgraphs",
        stdin=asyncio.subprocess.PIPE,
        stdout=asyncio.subprocess.PIPE,
    )
    assert process.stdout is not None
    line = await asyncio.wait_for(process.stdout.readline(), 60)
    return process, json.loads(line)


async def _start_router(
    supergraph: Path, urls: dict[str, str]
) -> tuple[asyncio.subprocess.Process, str]:
    env = {
        **os.environ,
        "REALIO_ROUTER_SUBGRAPH_URLS": json.dumps(urls),
        "REALIO_ROUTER_APQ_ENABLED": "false",
    }
    env.pop("REALIO_REDIS_URL", None)
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "router",
        "--supergraph",
        str(supergraph),
        "--port",
        "0",
        env=env,
        # Logs go to stdout (common.logging), uvicorn's own lines may go to stderr: read both.
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.STDOUT,
    )
    output = process.stdout
    assert output is not None
    async with asyncio.timeout(60):
        while True:
            line = (await output.readline()).decode()
            if not line:
                raise RuntimeError("the router exited before it started")
            found = re.search(r"Uvicorn running on (http://[^\s\"]+)", line)
            if found:
                # Keep reading what it logs, so a full pipe never blocks the router.
                _DRAINS.add(asyncio.create_task(_drain(output)))
                return process, found.group(1) + "/graphql"


_DRAINS: set[asyncio.Task[None]] = set()


async def _drain(stream: asyncio.StreamReader) -> None:
    while await stream.readline():
        pass


Call = Callable[[], Awaitable[None]]
WARM_UP = 200  # requests per path before timing: connections, plan cache
SHUTDOWN_RESERVE = 5.0  # seconds of the budget kept for stopping the child processes


async def _warm_up(*calls: Call) -> None:
    for _ in range(WARM_UP):
        for call in calls:
            await call()


async def _paired_latencies(
    direct: Call, through_router: Call, pairs: int, seconds: float
) -> tuple[list[float], list[float]]:
    """Alternate one direct and one routed request, so both see the same machine load
    (other processes come and go); stops after ``pairs`` or ``seconds``."""
    direct_samples: list[float] = []
    router_samples: list[float] = []
    deadline = time.perf_counter() + seconds
    while len(router_samples) < pairs and time.perf_counter() < deadline:
        for call, samples in ((direct, direct_samples), (through_router, router_samples)):
            start = time.perf_counter()
            await call()
            samples.append(time.perf_counter() - start)
    return direct_samples, router_samples


async def _throughput(call: Call, concurrency: int, duration: float) -> float:
    done = 0
    deadline = time.perf_counter() + duration

    async def worker() -> None:
        nonlocal done
        while time.perf_counter() < deadline:
            await call()
            done += 1

    start = time.perf_counter()
    await asyncio.gather(*(worker() for _ in range(concurrency)))
    return done / (time.perf_counter() - start)


def _cpu_seconds(pid: int) -> tuple[float, float] | None:
    """User and system CPU time of process ``pid`` (Linux /proc), or None elsewhere."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return None
    ticks = os.sysconf("SC_CLK_TCK")
    return int(fields[11]) / ticks, int(fields[12]) / ticks


def _percentile(samples: list[float], fraction: float) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, int(fraction * len(ordered)))]


async def _post(client: aiohttp.ClientSession, url: str, body: dict[str, Any]) -> dict[str, Any]:
    async with client.post(
        url, data=orjson.dumps(body), headers={"content-type": "application/json"}
    ) as response:
        content = await response.read()
        if response.status != 200:
            raise RuntimeError(f"HTTP {response.status} from {url}: {content[:200]!r}")
    result: dict[str, Any] = orjson.loads(content)
    if result.get("errors"):
        raise RuntimeError(f"unexpected errors from {url}: {result['errors']}")
    return result


async def _run(args: argparse.Namespace) -> None:
    started = time.perf_counter()
    load = " ".join(f"{value:.2f}" for value in os.getloadavg())
    print(__doc__.split("How it is measured:")[0].strip().splitlines()[0])
    print(f"load average at start: {load} ({os.cpu_count()} CPUs); budget {args.budget:g}s")
    subgraphs, urls = await _start_subgraphs()
    with tempfile.NamedTemporaryFile("w", suffix=".graphql", delete=False) as file:
        file.write(SUPERGRAPH)
    supergraph = Path(file.name)
    router, router_url = await _start_router(supergraph, urls)
    # aiohttp, as the router's own fetcher: httpx would cost this load generator more CPU per
    # request than the router spends, and its noise would swamp the overhead being measured.
    connector = aiohttp.TCPConnector(limit=64)
    try:
        async with aiohttp.ClientSession(connector=connector, trust_env=False) as client:
            overheads = await _cases(args, client, urls, router_url, router.pid, started)
    finally:
        for process in (router, subgraphs):
            if process is subgraphs and process.stdin is not None:
                process.stdin.close()
            else:
                process.terminate()
        await asyncio.wait_for(asyncio.gather(router.wait(), subgraphs.wait()), 20)
        os.unlink(supergraph)
    print("\nrouter overhead p50 (router p50 - direct p50, plan cached):")
    for name, overhead in overheads:
        print(f"  {name:<28}{overhead:>8.3f} ms")
    single = overheads[0][1] if overheads else None
    if single is not None:
        verdict = "within" if single < 1.0 else "OVER"
        print(f"  budget for the single-subgraph query: < 1 ms p50 ({verdict})")
    print(f"total {time.perf_counter() - started:.1f}s")


async def _cases(
    args: argparse.Namespace,
    client: aiohttp.ClientSession,
    urls: dict[str, str],
    router_url: str,
    router_pid: int,
    started: float,
) -> list[tuple[str, float]]:
    """Run both cases; returns each case's router overhead p50 in ms."""
    representations = [{"__typename": "Product", "id": i} for i in ENTITY_IDS]

    async def single_router() -> None:
        await _post(client, router_url, {"query": SINGLE_QUERY})

    async def single_direct() -> None:
        await _post(client, urls["products"], {"query": SINGLE_QUERY})

    async def spanning_router() -> None:
        result = await _post(client, router_url, {"query": SPANNING_QUERY})
        assert len(result["data"]["topProducts"]) == PRODUCT_COUNT

    async def spanning_direct() -> None:
        await _post(client, urls["products"], {"query": ROOT_FETCH})
        variables = {"representations": representations}
        await asyncio.gather(
            _post(client, urls["inventory"], {"query": INVENTORY_FETCH, "variables": variables}),
            _post(client, urls["reviews"], {"query": REVIEWS_FETCH, "variables": variables}),
        )

    cases = [
        ("single-subgraph query", single_direct, single_router, args.requests),
        (
            f"3 subgraphs, {PRODUCT_COUNT} entities",
            spanning_direct,
            spanning_router,
            max(100, args.requests // 4),
        ),
    ]
    print(
        f"latency: direct and routed requests alternated, one in flight, up to N pairs;"
        f" throughput: {args.concurrency} in flight for {args.duration:g}s\n"
    )
    header = (
        f"{'case':<28}{'path':<8}{'N':>6}{'p50 ms':>9}{'p99 ms':>9}{'req/s':>9}"
        f"{'router CPU ms/req':>26}"
    )
    print(header)
    print("-" * len(header))
    overheads = []
    throughput_runs_left = 2 * len(cases)
    for index, (name, direct, through_router, pairs) in enumerate(cases):
        await _warm_up(direct, through_router)
        # What is left of the budget, less the throughput runs to come, shared by the cases.
        left = args.budget - SHUTDOWN_RESERVE - (time.perf_counter() - started)
        seconds = max(1.0, (left - throughput_runs_left * args.duration) / (len(cases) - index))
        cpu_before = _cpu_seconds(router_pid)
        direct_samples, router_samples = await _paired_latencies(
            direct, through_router, pairs, seconds
        )
        cpu_after = _cpu_seconds(router_pid)
        cpu = "n/a"
        if cpu_before is not None and cpu_after is not None:
            # System time is mostly loopback TCP: the kernel delivers what the router sends.
            user, system = (
                (after - before) / len(router_samples) * 1000
                for before, after in zip(cpu_before, cpu_after, strict=True)
            )
            cpu = f"{user + system:.3f} ({user:.2f}u+{system:.2f}s)"
        p50s = {}
        for path, call, samples, cpu_text in (
            ("direct", direct, direct_samples, "-"),
            ("router", through_router, router_samples, cpu),
        ):
            rate = await _throughput(call, args.concurrency, args.duration)
            throughput_runs_left -= 1
            p50s[path] = _percentile(samples, 0.50) * 1000
            p99 = _percentile(samples, 0.99) * 1000
            print(
                f"{name:<28}{path:<8}{len(samples):>6}{p50s[path]:>9.3f}{p99:>9.3f}{rate:>9.0f}"
                f"{cpu_text:>26}"
            )
        overheads.append((name, p50s["router"] - p50s["direct"]))
    return overheads


def main(argv: list[str]) -> int:
    """Run the benchmark (or, with ``--serve-subgraphs``, be its subgraph process)."""
    parser = argparse.ArgumentParser(prog="python -m bench.router_bench")
    parser.add_argument("--requests", type=int, default=1000, help="latency pairs per case")
    parser.add_argument("--concurrency", type=int, default=8, help="requests in flight")
    parser.add_argument("--duration", type=float, default=3.0, help="seconds of throughput run")
    parser.add_argument(
        "--budget", type=float, default=60.0, help="seconds the whole run may take (about)"
    )
    parser.add_argument("--serve-subgraphs", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    try:
        import uvloop

        run: Any = uvloop.run
    except ImportError:
        run = asyncio.run
    run(_serve_subgraphs() if args.serve_subgraphs else _run(args))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
