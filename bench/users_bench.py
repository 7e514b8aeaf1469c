"""Login throughput and latency of the users subgraph, and /health latency during the logins.

``python -m bench.users_bench [--clients 8] [--duration 10]``

The users app runs in its own process with the production argon2 parameters (Settings
defaults) on a fresh database. While N clients log in as fast as they can, one probe requests
/health back to back: its p99 shows whether hashing blocks the event loop (it runs in a
thread pool, so it should not).
"""

from __future__ import annotations

import argparse
import asyncio
import multiprocessing
import os
import statistics
import tempfile
import time
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import httpx
import uvicorn

from bench.support import free_port
from common.auth.passwords import PasswordHashing
from common.auth.viewer import Role
from common.config import Settings
from common.db import create_engine, drop_database, session_factory, transaction
from subgraphs.users.app import create_app, migrate
from subgraphs.users.repository import UserRepository

LOGIN = """
mutation Login($input: LoginInput!) { login(input: $input) { accessToken } }"""
EMAIL = "bench@realio.bench"
PASSWORD = "benchmark passphrase 2024"


@dataclass
class Samples:
    latencies: list[float] = field(default_factory=list)
    errors: int = 0

    def percentile(self, p: float) -> float:
        ordered = sorted(self.latencies)
        if not ordered:
            return float("nan")
        return ordered[min(len(ordered) - 1, int(round(p / 100 * (len(ordered) - 1))))] * 1000


def serve(settings: Settings, port: int) -> None:
    """Child process: the users app under uvicorn on loopback."""
    uvicorn.run(create_app(settings), host="127.0.0.1", port=port, log_level="warning")


async def create_user(settings: Settings) -> None:
    hashing = PasswordHashing(settings)
    engine = create_engine(settings, "users")
    try:
        password_hash = await hashing.hash(PASSWORD)
        now = datetime.now(UTC)
        async with transaction(session_factory(engine)) as session:
            await UserRepository(session).insert(
                user_id=uuid.uuid4(),
                name="Bench User",
                email=EMAIL,
                password_hash=password_hash,
                role=Role.BUYER,
                phone=None,
                now=now,
                email_verified_at=now,
            )
    finally:
        hashing.close()
        await engine.dispose()


async def wait_until_healthy(http: httpx.AsyncClient, base: str, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            if (await http.get(f"{base}/health")).status_code == 200:
                return
        except httpx.TransportError:
            pass
        await asyncio.sleep(0.05)  # polling a server that is starting, not synchronising work
    raise RuntimeError("the users app did not become healthy")


async def login_client(http: httpx.AsyncClient, base: str, until: float, out: Samples) -> None:
    body = {"query": LOGIN, "variables": {"input": {"email": EMAIL, "password": PASSWORD}}}
    while time.monotonic() < until:
        started = time.perf_counter()
        response = await http.post(f"{base}/graphql", json=body)
        elapsed = time.perf_counter() - started
        if response.status_code == 200 and "errors" not in response.json():
            out.latencies.append(elapsed)
        else:
            out.errors += 1


async def health_probe(http: httpx.AsyncClient, base: str, until: float, out: Samples) -> None:
    while time.monotonic() < until:
        started = time.perf_counter()
        response = await http.get(f"{base}/health")
        out.latencies.append(time.perf_counter() - started)
        if response.status_code != 200:
            out.errors += 1


async def measure(base: str, clients: int, duration: float) -> tuple[Samples, Samples, Samples]:
    limits = httpx.Limits(max_connections=clients + 2)
    async with httpx.AsyncClient(timeout=60, limits=limits) as http:
        await wait_until_healthy(http, base)
        idle = Samples()
        await health_probe(http, base, time.monotonic() + 2, idle)
        # One warm-up login so connection setup is not measured.
        await login_client(http, base, time.monotonic(), Samples())
        logins, health = Samples(), Samples()
        until = time.monotonic() + duration
        await asyncio.gather(
            *(login_client(http, base, until, logins) for _ in range(clients)),
            health_probe(http, base, until, health),
        )
        return idle, logins, health


async def main_async(clients: int, duration: float) -> None:
    with tempfile.TemporaryDirectory(prefix="realio-bench-") as data_dir:
        settings = Settings(
            database_prefix=f"realio_bench_{uuid.uuid4().hex[:8]}_",
            data_dir=Path(data_dir),
            redis_url=None,
            smtp_url=None,
            log_json=False,
            # Throughput is the subject here, so the per-email login limit is lifted.
            login_rate_limit=10**9,
        )
        hashing = PasswordHashing(settings)
        parameters = hashing.parameters
        stored = await hashing.hash(PASSWORD)
        started = time.perf_counter()
        for _ in range(3):
            await hashing.verify(stored, PASSWORD)
        verify_ms = (time.perf_counter() - started) / 3 * 1000
        hashing.close()
        await migrate(settings)
        await create_user(settings)
        port = free_port()
        process = multiprocessing.get_context("spawn").Process(
            target=serve, args=(settings, port), daemon=True
        )
        process.start()
        try:
            idle, logins, health = await measure(f"http://127.0.0.1:{port}", clients, duration)
        finally:
            process.terminate()
            process.join(10)
            await drop_database(settings, "users")
    print(f"users bench: {parameters}")
    print(
        f"  one argon2 verification alone: {verify_ms:.0f} ms; "
        f"{os.cpu_count()} CPUs, load average {os.getloadavg()[0]:.2f}"
    )
    print(f"  {clients} concurrent clients for {duration:.0f} s")
    print(
        f"  login: {len(logins.latencies) / duration:.1f} logins/s, "
        f"p50 {logins.percentile(50):.1f} ms, p99 {logins.percentile(99):.1f} ms, "
        f"{len(logins.latencies)} ok, {logins.errors} errors"
    )
    print(
        f"  /health idle: p50 {idle.percentile(50):.2f} ms, p99 {idle.percentile(99):.2f} ms "
        f"({len(idle.latencies)} requests)"
    )
    print(
        f"  /health during logins: p50 {health.percentile(50):.2f} ms, "
        f"p99 {health.percentile(99):.2f} ms, max {max(health.latencies) * 1000:.2f} ms "
        f"({len(health.latencies)} requests, {health.errors} errors)"
    )
    if logins.latencies:
        print(f"  login mean {statistics.fmean(logins.latencies) * 1000:.1f} ms")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--duration", type=float, default=10.0)
    args = parser.parse_args()
    asyncio.run(main_async(args.clients, args.duration))


if __name__ == "__main__":
    main()
