"""CPU each subgraph spends per typical request, as the router sends it.

``python -m bench.subgraph_cpu_bench [--requests 400] [--rounds 5] [--baseline DIR]
[--profile DIR]``

The properties, search and users subgraphs run as ``make run`` runs them (``python -m uvicorn
subgraphs.<name>.app:create_app --factory``), each in its own process, on throw-away databases
(dropped at the end) holding the demo data: the 1,000 demo listings with their photos, the demo
users, and 10,000 synthetic listings in search's index. Each of six typical requests is sent
``--requests`` times, one at a time, with the headers the router forwards (bearer token,
``x-request-id``, ``x-forwarded-for`` and the signed client address of decision 0012):

- ``property(id)`` with 20 fields (price, photos, cover, map link and the viewer's favourite);
- ``_entities`` for 50 properties, as the router fetches a page of search hits' details;
- ``search`` with two filters (types and a price ceiling), a page of 20 with the total;
- a seller's listings (the first 5 and their count), as the router fetches ``owner { listings }``
  for a property page;
- the signed-in buyer's favourites (the first 10 and their count);
- ``me``.

For each, the serving process's user+system CPU seconds (``/proc/<pid>/stat``) over the
requests, divided by their number, is the figure that matters (the requests go in ``--rounds``
rounds, five by default; the least a round took is printed, then the median; where the
machine's speed drifts, more and shorter rounds find its undisturbed cost more surely):
unlike wall time it hardly moves with other load on a shared machine. Wall p50/p95 (one
request at a time, client included) and the load average are printed beside it.
``--profile DIR`` runs each subgraph under cProfile and writes ``DIR/<subgraph>.prof`` when
it stops.

``--baseline DIR`` serves the same subgraphs from another checkout too (a ``git worktree`` of
an earlier commit, with its own ``.venv`` or this interpreter), on the same databases, and
alternates the rounds between the two: the machine's drift then falls on both alike. Each
request prints a line per checkout and the median of the per-round ratios (this checkout's
CPU over the baseline's), the figure to compare changes by on a machine whose speed moves.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import signal
import subprocess
import sys
import tempfile
import time
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx

from bench.search_bench import bulk_load
from bench.support import cpu_seconds, free_port, load_average, reference_cpu_ms
from common.auth.tokens import TokenSigner, load_or_create_private_key
from common.config import REPO_ROOT, Settings
from common.db import drop_database
from common.demo import DEMO_USERS
from common.launcher import subgraph_command
from common.migrate import migrate_all
from common.network import CLIENT_ADDRESS_HEADER, sign_client_address
from subgraphs.properties.seed import demo_listing_id
from subgraphs.properties.seed import seed as seed_properties
from subgraphs.users.seed import seed as seed_users

SUBGRAPHS = ("users", "properties", "search")
SEARCH_LISTINGS = 10_000

PROPERTY = """query Property($id: ID!) {
  property(id: $id) {
    id title description price { amount currency } type address zipCode bedrooms bathrooms
    toilets latitude longitude status floorArea createdAt updatedAt version
    photos { id url width height } coverPhoto { url } mapUrl isFavorite
  }
}"""
ENTITIES = """query($representations: [_Any!]!) {
  _entities(representations: $representations) {
    ... on Property {
      id title price { amount currency } type address bedrooms bathrooms status
      coverPhoto { url } latitude longitude
    }
  }
}"""
SEARCH = """query Search($filter: SearchFilterInput, $sort: SearchSort!, $first: Int!) {
  search(filter: $filter, sort: $sort, first: $first) {
    totalCount
    edges { cursor distanceKm node { id } }
    pageInfo { hasNextPage endCursor }
  }
}"""
OWN_LISTINGS = """query($representations: [_Any!]!) {
  _entities(representations: $representations) {
    ... on User { listings(first: 5) { totalCount edges { node { id title price { amount } } } } }
  }
}"""
FAVOURITES = """query($representations: [_Any!]!) {
  _entities(representations: $representations) {
    ... on User { favorites(first: 10) { totalCount edges { node { id title price { amount } } } } }
  }
}"""
ME = """query { me { id name email phone role avatarUrl emailVerified createdAt updatedAt } }"""


@dataclass
class Kind:
    name: str
    subgraph: str
    body: dict[str, Any]


def demo_user(email: str) -> Any:
    return next(user for user in DEMO_USERS if user.email == email)


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(fraction * (len(ordered) - 1))))]


def kinds(rng: random.Random) -> list[Kind]:
    listing_ids = [str(demo_listing_id(i)) for i in range(1000)]
    representations = [{"__typename": "Property", "id": id} for id in listing_ids[:50]]
    seller = {"__typename": "User", "id": str(demo_user("seller@realio.demo").id)}
    buyer = {"__typename": "User", "id": str(demo_user("buyer@realio.demo").id)}
    return [
        Kind(
            "property(id), 20 fields",
            "properties",
            {"query": PROPERTY, "variables": {"id": listing_ids[7]}, "operationName": "Property"},
        ),
        Kind(
            "_entities, 50 properties",
            "properties",
            {"query": ENTITIES, "variables": {"representations": representations}},
        ),
        Kind(
            "search, two filters",
            "search",
            {
                "query": SEARCH,
                "variables": {
                    "filter": {"types": ["HOUSE", "APARTMENT"], "priceMax": "800000"},
                    "sort": "NEWEST",
                    "first": 20,
                },
                "operationName": "Search",
            },
        ),
        Kind(
            "a seller's listings and count",
            "properties",
            {"query": OWN_LISTINGS, "variables": {"representations": [seller]}},
        ),
        Kind(
            "favourites and count",
            "properties",
            {"query": FAVOURITES, "variables": {"representations": [buyer]}},
        ),
        Kind("me", "users", {"query": ME}),
    ]


def environment(settings: Settings, ports: dict[str, int]) -> dict[str, str]:
    users = f"http://127.0.0.1:{ports['users']}"
    return {
        **os.environ,
        "PYTHONPATH": str(REPO_ROOT),
        "REALIO_DATABASE_PREFIX": settings.database_prefix,
        "REALIO_DATA_DIR": str(settings.data_dir),
        "REALIO_SUBGRAPH_PORTS": __import__("json").dumps(ports),
        "REALIO_JWKS_URL": f"{users}/.well-known/jwks.json",
        "REALIO_REVOCATIONS_URL": f"{users}/auth/revocations",
        "REALIO_FORWARDING_SECRET": settings.forwarding_secret or "",
        "REALIO_SEARCH_RECONCILE_INTERVAL_SECONDS": "0",
        "REALIO_LOG_LEVEL": "WARNING",
        **({"REALIO_DATABASE_URL": settings.database_url} if settings.database_url else {}),
    }


@dataclass
class Side:
    """One checkout's subgraph processes."""

    label: str
    root: Path
    python: str
    ports: dict[str, int]
    processes: dict[str, subprocess.Popen[bytes]]


def side(label: str, root: Path) -> Side:
    venv_python = root / ".venv" / "bin" / "python"
    python = str(venv_python) if venv_python.exists() else sys.executable
    return Side(label, root, python, {name: free_port() for name in SUBGRAPHS}, {})


def start(
    name: str, port: int, env: dict[str, str], profile: Path | None, where: Side
) -> subprocess.Popen[bytes]:
    uvicorn = subgraph_command(name, port)[1:]  # after the interpreter
    prefix = ["-m", "cProfile", "-o", str(profile / f"{where.label}{name}.prof")] if profile else []
    env = {**env, "PYTHONPATH": str(where.root)}
    return subprocess.Popen([where.python, *prefix, *uvicorn], cwd=where.root, env=env)


async def wait_healthy(http: httpx.AsyncClient, url: str, process: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"{url} exited with {process.returncode}")
        try:
            if (await http.get(url)).status_code == 200:
                return
        except httpx.TransportError:
            pass
        await asyncio.sleep(0.1)  # polling a server that is starting, not synchronising work
    raise RuntimeError(f"{url} did not become healthy")


async def wait_idle(pids: list[int], timeout: float = 120) -> None:
    """Until no process spends CPU on its own: search indexes the seeded listings' events
    first, which is no request's cost."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        before = [cpu_seconds(pid) for pid in pids]
        await asyncio.sleep(1)  # sampling background CPU, not synchronising work
        if all(cpu_seconds(pid) - b < 0.03 for pid, b in zip(pids, before, strict=True)):
            return


@dataclass
class Measured:
    least: float
    median: float
    p50: float
    p95: float
    per_round: list[float]


async def measure(
    http: httpx.AsyncClient,
    kind: Kind,
    targets: list[tuple[str, int]],
    headers: dict[str, str],
    requests: int,
    rounds: int = 5,
) -> list[Measured]:
    """Each target (URL, serving pid) sent ``kind`` in ``rounds`` rounds, the targets taking
    turns round by round (and in turn going first)."""

    async def send(url: str) -> float:
        started = time.perf_counter()
        response = await http.post(url, json=kind.body, headers=headers)
        elapsed = time.perf_counter() - started
        body = response.json()
        if response.status_code != 200 or body.get("errors"):
            raise RuntimeError(f"{kind.name}: {response.status_code} {response.text[:500]}")
        return elapsed

    for url, _ in targets:
        for _ in range(max(20, requests // 10)):  # warm-up: connections, caches, lazy imports
            await send(url)
    walls: list[list[float]] = [[] for _ in targets]
    per_request: list[list[float]] = [[] for _ in targets]
    size = max(1, requests // rounds)
    for round_number in range(rounds):
        order = list(range(len(targets)))
        if round_number % 2:
            order.reverse()
        for index in order:
            url, pid = targets[index]
            before = cpu_seconds(pid)
            walls[index] += [await send(url) for _ in range(size)]
            per_request[index].append((cpu_seconds(pid) - before) / size)
    # The least CPU a round took is the least disturbed by others' load on the machine.
    return [
        Measured(min(cpu), percentile(cpu, 0.5), percentile(wall, 0.5), percentile(wall, 0.95), cpu)
        for cpu, wall in zip(per_request, walls, strict=True)
    ]


async def run(requests: int, rounds: int, baseline: Path | None, profile: Path | None) -> None:
    with tempfile.TemporaryDirectory(prefix="realio-subcpu-") as data_dir:
        settings = Settings(
            database_prefix=f"realio_subcpu_{uuid.uuid4().hex[:8]}_",
            data_dir=Path(data_dir),
            redis_url=None,
            smtp_url=None,
            log_json=False,
            forwarding_secret=uuid.uuid4().hex,
        )
        sides = [side("", REPO_ROOT)] + ([side("baseline ", baseline)] if baseline else [])

        def processes() -> list[subprocess.Popen[bytes]]:
            return [process for where in sides for process in where.processes.values()]

        try:
            await migrate_all(settings, list(SUBGRAPHS))
            await seed_users(settings)
            await seed_properties(settings)
            await bulk_load(settings, SEARCH_LISTINGS, random.Random(7))
            signer = TokenSigner(
                load_or_create_private_key(settings.resolved_private_key_file()), settings
            )
            buyer = demo_user("buyer@realio.demo")
            token = signer.issue(buyer.id, buyer.role, uuid.uuid4())
            for where in sides:
                env = environment(settings, where.ports)
                for name in SUBGRAPHS:
                    where.processes[name] = start(name, where.ports[name], env, profile, where)
            headers = {
                "authorization": f"Bearer {token}",
                "x-forwarded-for": "203.0.113.9",
                CLIENT_ADDRESS_HEADER: sign_client_address(
                    settings.forwarding_secret or "", "203.0.113.9", int(time.time())
                ),
            }
            async with httpx.AsyncClient(timeout=60) as http:
                for where in sides:
                    for name in SUBGRAPHS:
                        await wait_healthy(
                            http,
                            f"http://127.0.0.1:{where.ports[name]}/health",
                            where.processes[name],
                        )
                await wait_idle([process.pid for process in processes()])
                print(
                    f"subgraph CPU per request, {requests} requests each in {rounds} rounds, "
                    "one at a time; "
                    f"{os.cpu_count()} CPUs, load average {load_average()}; "
                    f"reference CPU {reference_cpu_ms():.0f} ms (bench.support)"
                )
                print(
                    f"{'request':37} {'subgraph':11} {'CPU ms/req':>10} {'(median)':>9}"
                    f" {'p50 ms':>8} {'p95 ms':>8}"
                )
                for kind in kinds(random.Random(3)):
                    request_headers = {**headers, "x-request-id": uuid.uuid4().hex}
                    targets = [
                        (
                            f"http://127.0.0.1:{where.ports[kind.subgraph]}/graphql",
                            where.processes[kind.subgraph].pid,
                        )
                        for where in sides
                    ]
                    measured = await measure(http, kind, targets, request_headers, requests, rounds)
                    for where, figures in zip(sides, measured, strict=True):
                        print(
                            f"{where.label + kind.name:37} {kind.subgraph:11} "
                            f"{figures.least * 1000:10.2f} {figures.median * 1000:9.2f} "
                            f"{figures.p50 * 1000:8.2f} {figures.p95 * 1000:8.2f}"
                        )
                    if baseline is not None:
                        ours, theirs = measured
                        ratios = [
                            a / b
                            for a, b in zip(ours.per_round, theirs.per_round, strict=True)
                            if b > 0
                        ]
                        print(
                            f"  CPU of this checkout / baseline, median of rounds: "
                            f"{percentile(ratios, 0.5):.2f}"
                        )
                print(
                    f"load average at the end: {load_average()}; "
                    f"reference CPU {reference_cpu_ms():.0f} ms (bench.support)"
                )
        finally:
            for process in processes():
                if process.poll() is None:
                    process.send_signal(signal.SIGINT)  # cProfile writes its file on a clean exit
            for process in processes():
                try:
                    process.wait(20)
                except subprocess.TimeoutExpired:
                    process.kill()
            for name in SUBGRAPHS:
                await drop_database(settings, name)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--requests", type=int, default=400)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--baseline", type=Path, default=None, help="another checkout to compare")
    parser.add_argument("--profile", type=Path, default=None)
    args = parser.parse_args()
    if args.profile is not None:
        args.profile.mkdir(parents=True, exist_ok=True)
    asyncio.run(run(args.requests, args.rounds, args.baseline, args.profile))


if __name__ == "__main__":
    main()
