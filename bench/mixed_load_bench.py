"""A mixed read/write load through the router against ``make run``'s stack with its demo data.

    python -m bench.mixed_load_bench [--workers auto,1,2] [--clients 50] [--seconds 60]

For each worker count (``REALIO_WORKERS``, decisions 0038 and 0041; ``auto``, the default, is
what ``make run`` runs: properties ×2 on two cores, the others ×1) it starts ``python -m
common.launcher`` (what ``make run`` runs) on free ports with databases of its own
(``REALIO_DATABASE_PREFIX``, dropped at the end) and the local Redis, waits until search has
indexed the demo listings, signs the demo accounts in, then runs ``--clients`` clients for
``--seconds`` seconds, each sending one operation after another:

- reads (80%): the README's home query (``me`` with favourites, and a filtered search with
  facets), property pages (a listing with its owner and the owner's listings), searches with
  filters, a buyer's favourites;
- writes (20%): createProperty, updateProperty (a listing the client created), and
  favouriteProperty.

Prints requests per second, p50/p95/p99 latency and errors per operation and overall, each
process's CPU seconds during the run (router, every subgraph worker, the load generator) and
the load average before and after, and a reference figure of the machine's speed before and
after (``bench.support.reference_cpu_ms``: on a virtual machine whose speed drifts, only runs
made at a like speed compare). Target (issue 13): ≥ 300 req/s with p95 ≤ 250 ms on two
cores. Figures only; nothing is asserted.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import re
import resource
import shutil
import sys
import tempfile
import time
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import aiohttp
import asyncpg

from bench.support import cpu_seconds, free_port, load_average, reference_cpu_ms

ROOT = Path(__file__).resolve().parent.parent
NAMES = [
    "users",
    "properties",
    "search",
    "bookings",
    "messaging",
    "notifications",
    "recommendations",
]
PASSWORDS = {
    "buyer@realio.demo": "demo-buyer-pass-2024",
    "buyer2@realio.demo": "demo-buyer-pass-2024",
    "seller@realio.demo": "demo-seller-pass-2024",
    "seller2@realio.demo": "demo-seller-pass-2024",
    "agent@realio.demo": "demo-agent-pass-2024",
    "agent2@realio.demo": "demo-agent-pass-2024",
}
BUYERS = ["buyer@realio.demo", "buyer2@realio.demo"]
SELLERS = ["seller@realio.demo", "seller2@realio.demo", "agent@realio.demo", "agent2@realio.demo"]

HOME = """query Home {
  me { name email favorites(first: 5) { totalCount edges { node { title } } } }
  search(filter: { text: "backyard", priceMax: "900000", minBedrooms: 3 }, sort: PRICE_ASC,
         first: 5) {
    totalCount
    facets { types { type count } bedrooms { bedrooms count } }
    edges { node { id title price { amount currency } coverPhoto { url } owner { name } } }
  }
}"""
PROPERTY_PAGE = """query PropertyPage($id: ID!) {
  property(id: $id) {
    id title description price { amount currency } type address zipCode bedrooms bathrooms
    status floorArea version coverPhoto { url }
    owner { id name listings(first: 5) { totalCount edges { node { id title price { amount } } } } }
  }
}"""
SEARCH = """query Search($filter: SearchFilterInput!) {
  search(filter: $filter, sort: PRICE_ASC, first: 10) {
    totalCount
    edges { node { id title price { amount currency } bedrooms owner { name } } }
  }
}"""
FAVOURITES = """query Favourites {
  me { favorites(first: 10) { totalCount edges { node { id title price { amount } } } } }
}"""
CREATE = """mutation Create($input: CreatePropertyInput!) {
  createProperty(input: $input) { id version }
}"""
UPDATE = """mutation Update($id: ID!, $input: UpdatePropertyInput!) {
  updateProperty(id: $id, input: $input) { id version price { amount } }
}"""
FAVOURITE = """mutation Favourite($id: ID!) { favoriteProperty(id: $id) { id isFavorite } }"""

# Operation → share of requests (reads 80%, writes 20%).
MIX = {
    "home": 20,
    "property_page": 25,
    "search": 20,
    "favourites": 15,
    "create": 6,
    "update": 7,
    "favourite": 7,
}
SEARCH_FILTERS = [
    {"text": "backyard", "minBedrooms": 3},
    {"priceMin": "300000", "priceMax": "700000", "minBedrooms": 2},
    {"types": ["HOUSE"], "priceMax": "900000"},
    {"text": "downtown", "minBathrooms": 2},
    {"types": ["APARTMENT", "CONDO"], "minBedrooms": 1},
]
WORKER_LINE = re.compile(
    r"^\s+(\w+)\s+http://localhost:(\d+)/graphql(?: and \d+ more worker\(s\) on ports ([\d, ]+))?$"
)


def machine_ticks() -> tuple[int, int]:
    """(busy, all) clock ticks of every CPU since boot (/proc/stat); idle and iowait are idle."""
    values = [int(v) for v in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:9]]
    return sum(values) - values[3] - values[4], sum(values)


SERVERS = {"Postgres": "postgres", "Redis": "redis-server"}


def server_processes(command: str) -> list[int]:
    """The processes of a server on this machine by command name (Postgres' backends too)."""
    found = []
    for entry in Path("/proc").iterdir():
        try:
            if entry.name.isdigit() and (entry / "comm").read_text().strip() == command:
                found.append(int(entry.name))
        except OSError:
            continue
    return found


def stack_processes(root: int) -> dict[int, str]:
    """Every process under the launcher (its children start sessions of their own), by pid
    → a short name from its command line."""
    parents: dict[int, int] = {}
    commands: dict[int, list[str]] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            command = (entry / "cmdline").read_bytes().split(b"\0")
        except OSError:
            continue
        parents[int(entry.name)] = int(stat[1])
        commands[int(entry.name)] = [part.decode(errors="replace") for part in command if part]
    found: dict[int, str] = {}
    for pid in parents:
        ancestor = pid
        while ancestor > 1 and ancestor != root:
            ancestor = parents.get(ancestor, 0)
        if ancestor == root:
            found[pid] = describe(commands[pid])
    return found


def describe(args: list[str]) -> str:
    text = " ".join(args)
    match = re.search(r"subgraphs\.(\w+)\.app:create_app.*--port (\d+)", text)
    if match:
        return f"{match.group(1)}:{match.group(2)}"
    if "-m router" in text:
        return "router"
    if "common.launcher" in text:
        return "launcher"
    return text[:40]


@dataclass
class Stats:
    latencies: dict[str, list[float]] = field(default_factory=lambda: defaultdict(list))
    errors: dict[str, int] = field(default_factory=lambda: defaultdict(int))
    samples: dict[str, str] = field(default_factory=dict)


@dataclass
class Stack:
    process: asyncio.subprocess.Process
    router: str
    workers: dict[str, list[int]]
    lines: list[str]


async def start_stack(workers: str, prefix: str, data_dir: Path) -> Stack:
    ports = {name: free_port() for name in NAMES}
    router_port = free_port()
    env = {
        **os.environ,
        "REALIO_ROUTER_PORT": str(router_port),
        "REALIO_SUBGRAPH_PORTS": json.dumps(ports),
        "REALIO_DATABASE_PREFIX": prefix,
        "REALIO_DATA_DIR": str(data_dir),
        "REALIO_REDIS_URL": os.environ.get("REALIO_REDIS_URL", "redis://127.0.0.1:6379/0"),
        "REALIO_REDIS_KEY_PREFIX": f"realio:{prefix}:",
        "REALIO_WORKERS": workers,
        # Postgres' 100 connections are shared by every process of the stack (each pool keeps
        # up to twice this size) and by whatever else runs on this machine.
        "REALIO_DATABASE_POOL_SIZE": str(max(2, 4 // (1 if workers == "auto" else int(workers)))),
        "REALIO_LOG_LEVEL": "WARNING",
    }
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "common.launcher",
        cwd=ROOT,
        env=env,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.STDOUT,
        start_new_session=True,
    )
    lines: list[str] = []
    assert process.stdout is not None
    async with asyncio.timeout(300):
        while True:
            raw = await process.stdout.readline()
            if not raw:
                raise RuntimeError("the stack exited:\n" + "\n".join(lines[-40:]))
            line = raw.decode(errors="replace").rstrip()
            lines.append(line)
            if "Press Ctrl-C to stop." in line:
                break

    async def drain() -> None:  # keep reading so the children never block on a full pipe
        assert process.stdout is not None
        while await process.stdout.readline():
            pass

    asyncio.get_running_loop().create_task(drain())
    found: dict[str, list[int]] = {}
    for line in lines:
        match = WORKER_LINE.match(line)
        if match and match.group(1) in NAMES:
            more = [int(p) for p in match.group(3).split(",")] if match.group(3) else []
            found[match.group(1)] = [int(match.group(2)), *more]
    return Stack(process, f"http://127.0.0.1:{router_port}/graphql", found, lines)


async def stop_stack(stack: Stack) -> None:
    if stack.process.returncode is None:
        os.killpg(stack.process.pid, 15)
        try:
            await asyncio.wait_for(stack.process.wait(), 30)
        except TimeoutError:
            os.killpg(stack.process.pid, 9)
            await stack.process.wait()


async def drop_databases(prefix: str) -> None:
    dsn = os.environ.get("REALIO_BENCH_ADMIN_DSN", "postgresql://postgres@127.0.0.1:5432/postgres")
    conn = await asyncpg.connect(dsn)
    try:
        rows = await conn.fetch(
            "SELECT datname FROM pg_database WHERE datname LIKE $1", f"{prefix}%"
        )
        for row in rows:
            await conn.execute(f'DROP DATABASE IF EXISTS "{row["datname"]}" WITH (FORCE)')
    finally:
        await conn.close()


async def post(
    http: aiohttp.ClientSession, url: str, query: str, variables: dict[str, Any], token: str | None
) -> dict[str, Any]:
    headers = {"content-type": "application/json"}
    if token:
        headers["authorization"] = f"Bearer {token}"
    body = json.dumps({"query": query, "variables": variables})
    async with http.post(url, data=body, headers=headers) as response:
        answer: dict[str, Any] = await response.json(content_type=None)
        if response.status != 200:
            answer.setdefault("errors", [{"message": f"HTTP {response.status}"}])
        return answer


async def prepare(http: aiohttp.ClientSession, url: str) -> tuple[dict[str, str], list[str]]:
    """Tokens of the demo accounts and the ids of listings to read (once search has them)."""
    deadline = time.monotonic() + 180
    while True:
        answer = await post(http, url, "{ search(first: 50) { edges { node { id } } } }", {}, None)
        edges = ((answer.get("data") or {}).get("search") or {}).get("edges") or []
        if edges:
            break
        if time.monotonic() > deadline:
            raise RuntimeError(f"search never found the demo listings: {answer}")
        await asyncio.sleep(1)  # polling until search has indexed the demo listings
    ids = [edge["node"]["id"] for edge in edges]
    tokens = {}
    login = """mutation($e: String!, $p: String!) {
      login(input: {email: $e, password: $p}) { accessToken } }"""
    for email, password in PASSWORDS.items():
        answer = await post(http, url, login, {"e": email, "p": password}, None)
        tokens[email] = answer["data"]["login"]["accessToken"]
    return tokens, ids


async def client(
    number: int,
    http: aiohttp.ClientSession,
    url: str,
    tokens: dict[str, str],
    ids: list[str],
    deadline: float,
    stats: Stats,
) -> None:
    rng = random.Random(number)
    buyer = tokens[BUYERS[number % len(BUYERS)]]
    seller = tokens[SELLERS[number % len(SELLERS)]]
    mine: list[str] = []  # listings this client created (updated later)
    operations = list(MIX)
    weights = [MIX[name] for name in operations]
    counter = 0
    while time.monotonic() < deadline:
        operation = rng.choices(operations, weights)[0]
        counter += 1
        if operation == "update" and not mine:
            operation = "create"
        if operation == "home":
            request: tuple[str, dict[str, Any], str] = (HOME, {}, buyer)
        elif operation == "property_page":
            request = (PROPERTY_PAGE, {"id": rng.choice(ids)}, buyer)
        elif operation == "search":
            request = (SEARCH, {"filter": rng.choice(SEARCH_FILTERS)}, buyer)
        elif operation == "favourites":
            request = (FAVOURITES, {}, buyer)
        elif operation == "create":
            listing = {
                "title": f"Bench loft {number}-{counter}",
                "price": str(250_000 + rng.randrange(0, 500_000, 1000)),
                "type": "APARTMENT",
                "address": "500 Congress Ave, Austin, TX",
                "zipCode": "78701",
                "latitude": 30.2672,
                "longitude": -97.7431,
                "bedrooms": rng.randint(1, 4),
                "bathrooms": rng.randint(1, 3),
            }
            request = (CREATE, {"input": listing}, seller)
        elif operation == "update":
            price = str(250_000 + rng.randrange(0, 500_000, 1000))
            request = (UPDATE, {"id": rng.choice(mine), "input": {"price": price}}, seller)
        else:
            request = (FAVOURITE, {"id": rng.choice(ids)}, buyer)
        started = time.perf_counter()
        try:
            answer = await post(http, url, *request)
        except (aiohttp.ClientError, TimeoutError, ValueError) as error:
            answer = {"errors": [{"message": f"{type(error).__name__}: {error}"}]}
        stats.latencies[operation].append(time.perf_counter() - started)
        if answer.get("errors"):
            stats.errors[operation] += 1
            stats.samples.setdefault(operation, json.dumps(answer["errors"][0])[:300])
        elif operation == "create":
            mine.append(answer["data"]["createProperty"]["id"])


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


def report(stats: Stats, seconds: float) -> None:
    print(
        f"{'operation':<15}{'requests':>9}{'req/s':>9}{'p50 ms':>9}{'p95 ms':>9}"
        f"{'p99 ms':>9}{'errors':>8}"
    )
    everything: list[float] = []
    errors = 0
    for operation in MIX:
        values = stats.latencies.get(operation, [])
        everything += values
        errors += stats.errors.get(operation, 0)
        if not values:
            continue
        print(
            f"{operation:<15}{len(values):>9}{len(values) / seconds:>9.1f}"
            f"{percentile(values, 0.5) * 1000:>9.1f}{percentile(values, 0.95) * 1000:>9.1f}"
            f"{percentile(values, 0.99) * 1000:>9.1f}{stats.errors.get(operation, 0):>8}"
        )
    if everything:
        print(
            f"{'all':<15}{len(everything):>9}{len(everything) / seconds:>9.1f}"
            f"{percentile(everything, 0.5) * 1000:>9.1f}{percentile(everything, 0.95) * 1000:>9.1f}"
            f"{percentile(everything, 0.99) * 1000:>9.1f}{errors:>8}"
        )
    for operation, sample in stats.samples.items():
        print(f"  first error of {operation}: {sample}")


async def run(workers: str, clients: int, seconds: float) -> None:
    # Two people benching at once must not drop each other's databases: REALIO_BENCH_TAG
    # (letters, digits, underscores) names this run's.
    tag = re.sub(r"[^a-z0-9_]", "", os.environ.get("REALIO_BENCH_TAG", "").lower())[:16]
    prefix = f"realio_bench_{tag + '_' if tag else ''}mixed{workers}_"
    data_dir = Path(tempfile.mkdtemp(prefix="realio-mixed-"))
    await drop_databases(prefix)
    stack = await start_stack(workers, prefix, data_dir)
    try:
        connector = aiohttp.TCPConnector(limit=clients + 10)
        timeout = aiohttp.ClientTimeout(total=30)
        async with aiohttp.ClientSession(connector=connector, timeout=timeout) as http:
            tokens, ids = await prepare(http, stack.router)
            layout = ", ".join(
                f"{name} ×{len(ports)}" for name, ports in sorted(stack.workers.items())
            )
            print(f"\n== REALIO_WORKERS={workers}: {layout}; {clients} clients for {seconds:g} s")
            print(f"load average before: {load_average()}")
            # The machine's speed now, to compare runs made at different times (bench.support).
            print(f"reference CPU before: {reference_cpu_ms():.0f} ms")
            processes = stack_processes(stack.process.pid)
            before = {pid: cpu_seconds(pid) for pid in processes}
            servers = {name: server_processes(command) for name, command in SERVERS.items()}
            servers_before = {pid: cpu_seconds(pid) for pids in servers.values() for pid in pids}
            machine_before = machine_ticks()
            own_before = resource.getrusage(resource.RUSAGE_SELF)
            stats = Stats()
            started = time.monotonic()
            deadline = started + seconds
            await asyncio.gather(
                *(
                    client(n, http, stack.router, tokens, ids, deadline, stats)
                    for n in range(clients)
                )
            )
            elapsed = time.monotonic() - started
            own_after = resource.getrusage(resource.RUSAGE_SELF)
            after = {pid: cpu_seconds(pid) for pid in processes}
            machine_after = machine_ticks()
            servers_after = {pid: cpu_seconds(pid) for pid in servers_before}
            print(f"load average after:  {load_average()}")
            print(f"reference CPU after:  {reference_cpu_ms():.0f} ms")
        report(stats, elapsed)
        print("CPU seconds during the run (user + system):")
        total = 0.0
        for pid, name in sorted(processes.items(), key=lambda item: item[1]):
            used = after[pid] - before[pid]
            total += used
            if used >= 0.05:
                print(f"  {name:<28}{used:>8.2f}")
        own = (own_after.ru_utime - own_before.ru_utime) + (
            own_after.ru_stime - own_before.ru_stime
        )
        print(f"  {'load generator':<28}{own:>8.2f}")
        print(f"  {'stack total':<28}{total:>8.2f}  ({total / elapsed:.2f} cores)")
        # Postgres backends that ended during the run are not counted (the pools keep theirs).
        for name, pids in servers.items():
            used = sum(servers_after[pid] - servers_before[pid] for pid in pids)
            print(f"  {name + ' (server)':<28}{used:>8.2f}")
        busy = machine_after[0] - machine_before[0]
        share = busy / max(1, machine_after[1] - machine_before[1])
        print(f"machine: {share:.0%} busy over {os.cpu_count()} cores")
        served = sum(len(values) for values in stats.latencies.values())
        if served:
            per_request = total / served * 1000
            print(
                f"stack CPU per request: {per_request:.2f} ms, so at most "
                f"{(os.cpu_count() or 1) * 1000 / per_request:.0f} req/s on "
                f"{os.cpu_count()} idle cores (load generator excluded)"
            )
    finally:
        await stop_stack(stack)
        await drop_databases(prefix)
        shutil.rmtree(data_dir, ignore_errors=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--workers", default="auto", help="REALIO_WORKERS values, comma-separated")
    parser.add_argument("--clients", type=int, default=50)
    parser.add_argument("--seconds", type=float, default=60)
    args = parser.parse_args()
    print(f"cores: {os.cpu_count()}, load average: {load_average()}")
    # The load generator shares the machine with the stack: on uvloop, as the router and the
    # subgraphs run, its clients take less of the CPU they measure.
    import uvloop

    for workers in dict.fromkeys(value.strip() for value in args.workers.split(",")):
        if workers != "auto" and not workers.isdigit():
            parser.error(f"--workers takes auto or numbers, not {workers!r}")
        uvloop.run(run(workers, args.clients, args.seconds))


if __name__ == "__main__":
    main()
