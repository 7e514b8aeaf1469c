"""``make run``: the whole graph on one machine, with demo data.

Database: ``REALIO_DATABASE_URL`` when set; otherwise the Postgres on 127.0.0.1:5432 when it
answers; otherwise an embedded Postgres (``pgserver``) with its data under ``.data/``.
Then: migrations and demo data for every subgraph, the supergraph composed, every subgraph and
the router started as child processes, their URLs printed. Ctrl-C stops everything.
"""

from __future__ import annotations

import asyncio
import json
import os
import secrets
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import asyncpg
import httpx

from common.auth.tokens import load_or_create_private_key
from common.config import REPO_ROOT, Settings
from common.db import DEFAULT_SERVER_URL, asyncpg_dsn, server_url
from common.migrate import migrate_all, seed_all, served_subgraphs

# `make run` is local development: browser apps served from any localhost port may call the
# router unless CORS is configured. Production (docker-compose, deploy/) allows none by default.
DEVELOPMENT_CORS_ORIGIN_REGEX = r"https?://(localhost|127\.0\.0\.1|\[::1\])(:\d+)?"
LOCAL_REDIS_URL = "redis://127.0.0.1:6379/0"


def log(message: str) -> None:
    print(f"[realio] {message}", flush=True)


async def _answers(url: str) -> bool:
    dsn = asyncpg_dsn(server_url(Settings(database_url=url)))
    try:
        conn = await asyncpg.connect(dsn, timeout=3)
    except (TimeoutError, OSError, asyncpg.PostgresError):
        return False
    await conn.close()
    return True


def resolve_database(settings: Settings) -> str:
    """The Postgres server URL to use, starting an embedded one when nothing else answers."""
    if settings.database_url:
        if not asyncio.run(_answers(settings.database_url)):
            sys.exit(f"REALIO_DATABASE_URL is set but does not answer: {settings.database_url}")
        log("database: REALIO_DATABASE_URL")
        return settings.database_url
    if asyncio.run(_answers(DEFAULT_SERVER_URL)):
        log("database: local Postgres on 127.0.0.1:5432")
        return DEFAULT_SERVER_URL
    data = settings.data_dir / "pg"
    url = start_embedded_postgres(data)
    log(f"database: embedded Postgres under {data}")
    return url


def start_embedded_postgres(data: Path) -> str:
    """Start (or reuse) an embedded Postgres whose files live in ``data``; returns its URL.

    It listens on a Unix socket only and stops when this process exits.
    """
    import pgserver  # only needed on machines without a Postgres

    data.mkdir(parents=True, exist_ok=True)
    server = pgserver.get_server(data, cleanup_mode="stop")
    return str(server.get_uri()).replace("postgresql://", "postgresql+asyncpg://", 1)


async def prepare(settings: Settings, names: list[str]) -> list[str]:
    """Apply every subgraph's migrations, then seed demo data; returns lines to print."""
    await migrate_all(settings, names)
    return await seed_all(settings, names)


def compose() -> bool:
    if not (REPO_ROOT / "router" / "composition").exists():
        return False
    result = subprocess.run([sys.executable, "-m", "router", "compose"], cwd=REPO_ROOT)
    return result.returncode == 0


def router_environment(env: dict[str, str]) -> dict[str, str]:
    """The router's environment under `make run`: local origins allowed unless CORS is set."""
    if "REALIO_ROUTER_CORS_ORIGINS" in env or "REALIO_ROUTER_CORS_ORIGIN_REGEX" in env:
        return env
    return {**env, "REALIO_ROUTER_CORS_ORIGIN_REGEX": DEVELOPMENT_CORS_ORIGIN_REGEX}


def start(command: list[str], env: dict[str, str]) -> subprocess.Popen[bytes]:
    return subprocess.Popen(command, cwd=REPO_ROOT, env=env, start_new_session=True)


def wait_healthy(url: str, process: subprocess.Popen[bytes], timeout: float = 60) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            return False
        try:
            if httpx.get(url, timeout=1).status_code == 200:
                return True
        except httpx.HTTPError:
            pass
        time.sleep(0.2)  # polling a child process's health endpoint at start-up
    return False


def stop_all(processes: list[subprocess.Popen[bytes]]) -> None:
    for process in processes:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGTERM)
    deadline = time.monotonic() + 10
    for process in processes:
        try:
            process.wait(max(0.1, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)


def port_in_use(port: int) -> bool:
    with socket.socket() as sock:
        return sock.connect_ex(("127.0.0.1", port)) == 0


def local_redis_answers(url: str = LOCAL_REDIS_URL) -> bool:
    import redis

    client = redis.Redis.from_url(url, socket_connect_timeout=1, socket_timeout=1)
    try:
        return bool(client.ping())
    except (redis.RedisError, OSError):
        return False
    finally:
        client.close()


def resolve_redis(settings: Settings) -> dict[str, str]:
    """The Redis settings for every process: ``REALIO_REDIS_URL`` when set, otherwise the
    local Redis on 127.0.0.1:6379 when it answers (with a key prefix of this stack's own when
    its databases have theirs), otherwise none: each subgraph then runs one worker."""
    if settings.redis_url:
        log("redis: REALIO_REDIS_URL")
        return {}
    if not local_redis_answers():
        log("redis: none (one worker per subgraph: caches, limits and live fan-out in-process)")
        return {}
    log("redis: local Redis on 127.0.0.1:6379")
    found = {"REALIO_REDIS_URL": LOCAL_REDIS_URL}
    default_prefix = Settings.model_fields["database_prefix"].default
    if "REALIO_REDIS_KEY_PREFIX" not in os.environ and settings.database_prefix != default_prefix:
        found["REALIO_REDIS_KEY_PREFIX"] = f"realio:{settings.database_prefix}:"
    return found


def free_loopback_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def instance_ports(settings: Settings, names: list[str]) -> dict[str, list[int]]:
    """Each subgraph's ports: its own (``subgraph_ports``) for the first instance, free ones
    for the others (``workers_for``; decision 0038)."""
    return {
        name: [
            settings.subgraph_ports[name],
            *(free_loopback_port() for _ in range(settings.workers_for(name) - 1)),
        ]
        for name in names
    }


def instance_environment(settings: Settings, env: dict[str, str], workers: int) -> dict[str, str]:
    """A subgraph instance's environment: with several workers, smaller database pools each,
    unless the pool size is set. Postgres' connections are shared by every process (100 by
    default): a pool opens up to twice its size and keeps them (decision 0039), and a worker
    on a small machine has little use for more than a couple of queries at once."""
    if workers == 1 or "REALIO_DATABASE_POOL_SIZE" in env:
        return env
    size = max(2, settings.database_pool_size // (2 * workers))
    return {**env, "REALIO_DATABASE_POOL_SIZE": str(size)}


def subgraph_command(name: str, port: int) -> list[str]:
    return [
        sys.executable,
        "-m",
        "uvicorn",
        f"subgraphs.{name}.app:create_app",
        "--factory",
        "--host",
        "127.0.0.1",
        "--port",
        str(port),
        "--log-level",
        "warning",
        # The peer stays the connection's address; see decision 0012.
        "--no-proxy-headers",
    ]


def router_subgraph_urls(
    settings: Settings, names: list[str], ports: dict[str, list[int]] | None = None
) -> dict[str, str]:
    """The router's URLs for each subgraph, at the ports its instances run on here (the first
    at ``subgraph_ports``), so moving the subgraphs moves what the router calls, whatever the
    supergraph says; and the JWKS it verifies WebSocket tokens with, at the users subgraph's
    port."""
    ports = ports or {name: [settings.subgraph_ports[name]] for name in names}
    urls = {
        name: ",".join(f"http://127.0.0.1:{port}/graphql" for port in ports[name]) for name in names
    }
    return {
        "REALIO_ROUTER_SUBGRAPH_URLS": json.dumps(urls),
        "REALIO_ROUTER_JWKS_URL": settings.jwks_url,
        # The revocation feed the router follows, at the users subgraph's port too.
        "REALIO_ROUTER_REVOCATIONS_URL": settings.revocations_url,
    }


def _stop_on_sigterm(signum: int, frame: object) -> None:
    # `kill` and process managers send SIGTERM: shut the children down as Ctrl-C would.
    raise KeyboardInterrupt


def main() -> int:
    signal.signal(signal.SIGTERM, _stop_on_sigterm)
    settings = Settings()
    busy = [
        port
        for port in (settings.router_port, *settings.subgraph_ports.values())
        if port_in_use(port)
    ]
    if busy:
        log(f"ports already in use: {busy} (is another `make run` still up?)")
        return 1
    database_url = resolve_database(settings)
    settings = settings.model_copy(update={"database_url": database_url})
    names = served_subgraphs()
    demo_lines = asyncio.run(prepare(settings, names))
    # The platform signing key exists before any subgraph starts: users signs access tokens
    # with it, and search signs its reconciliation token with it (decision 0005), so search's
    # first reconciliation does not depend on users having started first.
    load_or_create_private_key(settings.resolved_private_key_file())

    env = {
        **os.environ,
        "REALIO_DATABASE_URL": database_url,
        "PYTHONPATH": str(REPO_ROOT),
        # The router signs client addresses for the subgraphs with it (decision 0012).
        "REALIO_FORWARDING_SECRET": settings.forwarding_secret or secrets.token_hex(32),
    }
    env.update(resolve_redis(settings))
    settings = settings.model_copy(update={"redis_url": env.get("REALIO_REDIS_URL")})
    ports = instance_ports(settings, names)
    processes: list[subprocess.Popen[bytes]] = []
    urls: list[str] = []
    try:
        # First instances first: what a subgraph makes once at its first start (secrets in
        # the data directory, a first model) is made by one process before the others start.
        for round_ in (0, 1):
            started: list[tuple[str, int, subprocess.Popen[bytes]]] = []
            for name in names:
                workers = len(ports[name])
                for port in ports[name][:1] if round_ == 0 else ports[name][1:]:
                    command = subgraph_command(name, port)
                    instance_env = instance_environment(settings, env, workers)
                    if round_ == 1:
                        # The first worker runs the event relay and consumers (decision 0038).
                        instance_env = {**instance_env, "REALIO_RUN_EVENT_LOOPS": "false"}
                    process = start(command, instance_env)
                    processes.append(process)
                    started.append((name, port, process))
            for name, port, process in started:
                if not wait_healthy(f"http://127.0.0.1:{port}/health", process):
                    log(f"subgraph {name} did not start; see its output above")
                    return 1
        for name in names:
            more = ports[name][1:]
            extra = f" and {len(more)} more worker(s) on ports {', '.join(map(str, more))}"
            urls.append(
                f"  {name:<16} http://localhost:{ports[name][0]}/graphql{extra if more else ''}"
            )
        if compose() and Path(REPO_ROOT / "router" / "server").exists():
            router_env = {**env, **router_subgraph_urls(settings, names, ports)}
            router = start(
                [
                    sys.executable,
                    "-m",
                    "router",
                    "--supergraph",
                    "schema/supergraph.graphql",
                    "--port",
                    str(settings.router_port),
                ],
                router_environment(router_env),
            )
            processes.append(router)
            if not wait_healthy(f"http://127.0.0.1:{settings.router_port}/health", router):
                log("the router did not start; see its output above")
                return 1
            urls.insert(0, f"  router (the graph) http://localhost:{settings.router_port}/graphql")
        print("\nRealio is running:\n" + "\n".join(urls))
        if demo_lines:
            print("\nDemo data:\n" + "\n".join(f"  {line}" for line in demo_lines))
        print("\nPress Ctrl-C to stop.", flush=True)
        while all(p.poll() is None for p in processes):
            time.sleep(0.5)  # idle supervision loop; exits when a child dies
        log("a process exited; stopping the rest")
        return 1
    except KeyboardInterrupt:
        log("stopping")
        return 0
    finally:
        stop_all(processes)


if __name__ == "__main__":
    sys.exit(main())
