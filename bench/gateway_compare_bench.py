"""Gateway comparison: our router and Hive Gateway on the same four subgraphs, deep query.

    python -m bench.gateway_compare_bench [--duration 10] [--connections 50] [--warmup 3]
        [--gateways realio,hive,realio-shared] [--rounds 1] [--hive-dir DIR] [--no-install]

How it is measured: four subgraphs (accounts, inventory, products, reviews: the shape of the
public federation gateway benchmarks, users with reviews of products with inventory and
shipping, three levels deep) run in one child process pinned to the second core; each gateway
in turn runs alone, pinned to the first core with ``taskset``; this process is the load
generator (aiohttp, keep-alive, ``--connections`` requests in flight), on the second core. The
subgraphs answer from memory: each distinct request body is executed once by graphql-core and
its response bytes are kept, so after the warm-up a subgraph request costs only the HTTP
exchange and the gateways, not the subgraphs, are the bottleneck. Every gateway is sent the
same query, and its first answer is compared with the router's (same data, in any key order).
"realio" runs with in-flight sharing switched off (every request executed on its own, as the
other gateways run by default); "realio-shared" with the default settings, where the 50
identical requests in flight share executions and subgraph fetches (decision 0034).

For each gateway: requests/s over ``--duration`` seconds, latency p50/p95/p99, and the CPU
the gateway process spent per request (from /proc; robust when other processes share the
machine, unlike requests/s). With ``--rounds N`` the gateways alternate N times.

Hive Gateway (npm ``@graphql-hive/gateway`` with ``@graphql-hive/router-runtime``, its Rust
query planner: "hive"; its default JavaScript runtime: "hive-js") is installed with npm into a
cache directory outside the repository (``--hive-dir``, default ``~/.cache/realio-bench/hive``)
the first time; when it cannot be installed or started, its rows are skipped with the reason.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable, MutableMapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import aiohttp
import orjson

HIVE_GATEWAY_VERSION = "2.15.1"
HIVE_ROUTER_RUNTIME_VERSION = "1.4.23"
DEFAULT_HIVE_DIR = Path.home() / ".cache" / "realio-bench" / "hive"

# ---------------------------------------------------------------- the graph

ACCOUNTS_SDL = """
extend schema @link(url: "https://specs.apollo.dev/federation/v2.3", import: ["@key", "@shareable"])
type Query { me: User, user(id: ID!): User, users: [User] }
type User @key(fields: "id") { id: ID! name: String username: String @shareable birthday: Int }
"""
INVENTORY_SDL = """
extend schema @link(url: "https://specs.apollo.dev/federation/v2.3",
  import: ["@key", "@external", "@requires"])
type Product @key(fields: "upc") {
  upc: String!
  weight: Int @external
  price: Int @external
  inStock: Boolean
  shippingEstimate: Int @requires(fields: "price weight")
}
"""
PRODUCTS_SDL = """
extend schema @link(url: "https://specs.apollo.dev/federation/v2.3", import: ["@key"])
type Query { topProducts(first: Int = 5): [Product] }
type Product @key(fields: "upc") { upc: String! name: String price: Int weight: Int }
"""
REVIEWS_SDL = """
extend schema @link(url: "https://specs.apollo.dev/federation/v2.3",
  import: ["@key", "@external", "@provides"])
type Review @key(fields: "id") {
  id: ID!
  body: String
  author: User @provides(fields: "username")
  product: Product
}
type User @key(fields: "id") { id: ID! username: String @external reviews: [Review] }
type Product @key(fields: "upc") { upc: String! reviews: [Review] }
"""
SDLS = {
    "accounts": ACCOUNTS_SDL,
    "inventory": INVENTORY_SDL,
    "products": PRODUCTS_SDL,
    "reviews": REVIEWS_SDL,
}

DEEP_QUERY = """
fragment User on User { id username name }
fragment Review on Review { id body }
fragment Product on Product { inStock name price shippingEstimate upc weight }
query TestQuery {
  users {
    ...User
    reviews {
      ...Review
      product {
        ...Product
        reviews { ...Review author { ...User reviews { ...Review product { ...Product } } } }
      }
    }
  }
  topProducts(first: 5) {
    ...Product
    reviews { ...Review author { ...User reviews { ...Review product { ...Product } } } }
  }
}
"""

USER_COUNT = 10
PRODUCT_COUNT = 9
REVIEWS_PER_USER = 3  # 30 reviews, spread over the products: 3-4 per product


def _data() -> tuple[dict[str, dict[str, Any]], dict[str, dict[str, Any]], list[dict[str, Any]]]:
    users = {
        str(i): {"id": str(i), "name": f"User Number {i}", "username": f"user{i}", "birthday": i}
        for i in range(1, USER_COUNT + 1)
    }
    products = {
        str(i): {
            "upc": str(i),
            "name": f"Product {i}, a long name",
            "price": 100 + 7 * i,
            "weight": 10 + 3 * i,
        }
        for i in range(1, PRODUCT_COUNT + 1)
    }
    reviews: list[dict[str, Any]] = []
    for user in range(1, USER_COUNT + 1):
        for k in range(REVIEWS_PER_USER):
            number = len(reviews) + 1
            product = (user * REVIEWS_PER_USER + k) % PRODUCT_COUNT + 1
            reviews.append(
                {
                    "id": str(number),
                    "body": f"Review {number}: product {product} was good, says user {user}.",
                    "author": str(user),
                    "product": str(product),
                }
            )
    return users, products, reviews


def _subgraph_apps() -> dict[str, Any]:
    from tests.router.subgraph_kit import federated_app

    users, products, reviews = _data()

    def review_out(review: dict[str, Any]) -> dict[str, Any]:
        author = users[review["author"]]
        return {
            "id": review["id"],
            "body": review["body"],
            "author": {**user_ref(author["id"]), "username": author["username"]},
            "product": product_ref(review["product"]),
        }

    # References carry their reviews lazily (a resolver is called only when selected).
    def user_ref(user_id: str) -> dict[str, Any]:
        return {
            "__typename": "User",
            "id": user_id,
            "reviews": lambda: [review_out(r) for r in reviews if r["author"] == user_id],
        }

    def product_ref(upc: str) -> dict[str, Any]:
        return {
            "__typename": "Product",
            "upc": upc,
            "reviews": lambda: [review_out(r) for r in reviews if r["product"] == upc],
        }

    def reviews_of_user(rep: dict[str, Any]) -> dict[str, Any]:
        return user_ref(rep["id"])

    def reviews_of_product(rep: dict[str, Any]) -> dict[str, Any]:
        return product_ref(rep["upc"])

    def inventory(rep: dict[str, Any]) -> dict[str, Any]:
        upc = rep["upc"]
        shipping = None
        if rep.get("price") is not None and rep.get("weight") is not None:
            # Free shipping over 150; otherwise by weight, as the benchmark's subgraph does.
            shipping = 0 if rep["price"] > 150 else rep["weight"] // 2
        return {"upc": upc, "inStock": int(upc) % 3 != 0, "shippingEstimate": shipping}

    return {
        "accounts": federated_app(
            ACCOUNTS_SDL,
            root={
                "me": lambda: users["1"],
                "user": lambda id: users.get(id),
                "users": lambda: list(users.values()),
            },
            entities={"User": lambda rep: users.get(rep["id"])},
        ),
        "inventory": federated_app(INVENTORY_SDL, entities={"Product": inventory}),
        "products": federated_app(
            PRODUCTS_SDL,
            root={"topProducts": lambda first=5: list(products.values())[:first]},
            entities={"Product": lambda rep: products.get(rep["upc"])},
        ),
        "reviews": federated_app(
            REVIEWS_SDL,
            entities={
                "User": reviews_of_user,
                "Product": reviews_of_product,
                "Review": lambda rep: next(
                    (review_out(r) for r in reviews if r["id"] == rep["id"]), None
                ),
            },
        ),
    }


Scope = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[MutableMapping[str, Any]]]
Send = Callable[[MutableMapping[str, Any]], Awaitable[None]]


def _memoised(app: Any) -> Any:
    """Serve each distinct request body's response bytes from memory after its first answer."""
    answers: dict[bytes, tuple[int, list[tuple[bytes, bytes]], bytes]] = {}

    async def serve(scope: Scope, receive: Receive, send: Send) -> None:
        body = b""
        while True:
            message = await receive()
            body += message.get("body", b"")
            if not message.get("more_body", False):
                break
        known = answers.get(body)
        if known is None:
            sent: list[MutableMapping[str, Any]] = []

            async def replay() -> MutableMapping[str, Any]:
                return {"type": "http.request", "body": body, "more_body": False}

            async def keep(message: MutableMapping[str, Any]) -> None:
                sent.append(message)

            await app(scope, replay, keep)
            start = next(m for m in sent if m["type"] == "http.response.start")
            content = b"".join(
                m.get("body", b"") for m in sent if m["type"] == "http.response.body"
            )
            headers = [(k, v) for k, v in start["headers"] if k.lower() != b"content-length"]
            headers.append((b"content-length", str(len(content)).encode()))
            known = answers[body] = (start["status"], headers, content)
        status, headers, content = known
        await send({"type": "http.response.start", "status": status, "headers": headers})
        await send({"type": "http.response.body", "body": content})

    return serve


async def _serve_subgraphs() -> None:
    """Child process: serve the four subgraphs; print their URLs as one JSON line."""
    import socket

    import uvicorn

    servers = []
    urls = {}
    for name, app in _subgraph_apps().items():
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind(("127.0.0.1", 0))
        sock.listen(1024)
        urls[name] = f"http://127.0.0.1:{sock.getsockname()[1]}/graphql"
        config = uvicorn.Config(
            _memoised(app),
            lifespan="off",
            log_level="warning",
            access_log=False,
            loop="none",
            http="httptools",
            timeout_keep_alive=60,
        )
        server = uvicorn.Server(config)
        servers.append((server, asyncio.create_task(server.serve(sockets=[sock]))))
    print(json.dumps(urls), flush=True)
    await asyncio.get_running_loop().run_in_executor(None, sys.stdin.read)  # until EOF
    for server, _task in servers:
        server.should_exit = True
    await asyncio.gather(*(task for _server, task in servers))


# ---------------------------------------------------------------- processes


def _supergraph(urls: dict[str, str]) -> str:
    from router.composition.compose import compose
    from router.composition.model import SubgraphDefinition

    result = compose([SubgraphDefinition(name, urls[name], sdl) for name, sdl in SDLS.items()])
    if result.errors or result.supergraph_sdl is None:
        raise RuntimeError("; ".join(error.message for error in result.errors))
    return result.supergraph_sdl


def _pinned(core: int | None, argv: list[str]) -> list[str]:
    if core is None or shutil.which("taskset") is None:
        return argv
    return ["taskset", "-c", str(core), *argv]


async def _start_subgraphs(core: int | None) -> tuple[asyncio.subprocess.Process, dict[str, str]]:
    process = await asyncio.create_subprocess_exec(
        *_pinned(core, [sys.executable, "-m", "bench.gateway_compare_bench", "--serve-subgraphs"]),
        stdin=asyncio.subprocess.PIPE,
        stdout=asyncio.subprocess.PIPE,
    )
    assert process.stdout is not None
    line = await asyncio.wait_for(process.stdout.readline(), 60)
    return process, json.loads(line)


@dataclass
class Gateway:
    name: str
    process: asyncio.subprocess.Process
    url: str
    drain: asyncio.Task[None] | None = None

    async def stop(self) -> None:
        if self.process.returncode is None:
            self.process.terminate()
            try:
                await asyncio.wait_for(self.process.wait(), 20)
            except TimeoutError:
                self.process.kill()
                await self.process.wait()
        if self.drain is not None:
            self.drain.cancel()


async def _drain(stream: asyncio.StreamReader, keep: list[str]) -> None:
    """Read a child's output so it never blocks on a full pipe; keep the last lines."""
    while line := await stream.readline():
        keep.append(line.decode(errors="replace"))
        del keep[:-50]


async def _start_realio(
    supergraph: Path, urls: dict[str, str], core: int | None, share: bool
) -> Gateway:
    sharing = "true" if share else "false"
    env = {
        **os.environ,
        "REALIO_ROUTER_SUBGRAPH_URLS": json.dumps(urls),
        "REALIO_ROUTER_APQ_ENABLED": "false",
        # "realio": every request executed on its own, as the other gateways run by default;
        # "realio-shared": identical requests in flight share (decision 0034).
        "REALIO_ROUTER_DEDUPLICATE_INFLIGHT_REQUESTS": sharing,
        "REALIO_ROUTER_DEDUPLICATE_SUBGRAPH_FETCHES": sharing,
    }
    env.pop("REALIO_REDIS_URL", None)
    port = _free_port()
    process = await asyncio.create_subprocess_exec(
        *_pinned(
            core,
            [
                sys.executable,
                "-m",
                "router",
                "--supergraph",
                str(supergraph),
                "--port",
                str(port),
                "--log-level",
                "warning",
            ],
        ),
        env=env,
        stdout=asyncio.subprocess.DEVNULL,
        stderr=asyncio.subprocess.PIPE,
    )
    assert process.stderr is not None
    keep: list[str] = []
    drain = asyncio.create_task(_drain(process.stderr, keep))
    try:
        await _until_listening(process, port, 60, "realio", keep)
    except BaseException:
        process.kill()
        drain.cancel()
        raise
    name = "realio-shared" if share else "realio"
    return Gateway(name, process, f"http://127.0.0.1:{port}/graphql", drain)


def _process_tree(pid: int) -> list[int]:
    found = [pid]
    index = 0
    while index < len(found):
        try:
            children = Path(f"/proc/{found[index]}/task/{found[index]}/children").read_text()
        except OSError:
            children = ""
        found.extend(int(child) for child in children.split())
        index += 1
    return found


def _hive_binary(hive_dir: Path) -> Path:
    return hive_dir / "node_modules" / ".bin" / "hive-gateway"


def ensure_hive(hive_dir: Path, install: bool) -> str | None:
    """Install Hive Gateway into ``hive_dir`` if needed; the reason it is unavailable, or None."""
    if (
        _hive_binary(hive_dir).exists()
        and (hive_dir / "node_modules" / "@graphql-hive" / "router-runtime").exists()
    ):
        return None
    if not install:
        return f"not installed in {hive_dir} (--no-install)"
    npm = shutil.which("npm")
    if npm is None or shutil.which("node") is None:
        return "node/npm are not on PATH"
    hive_dir.mkdir(parents=True, exist_ok=True)
    package = hive_dir / "package.json"
    if not package.exists():
        package.write_text('{"name": "realio-hive-bench", "private": true}\n')
    print(f"installing Hive Gateway {HIVE_GATEWAY_VERSION} into {hive_dir} ...", flush=True)
    try:
        completed = subprocess.run(
            [
                npm,
                "install",
                "--no-audit",
                "--no-fund",
                f"@graphql-hive/gateway@{HIVE_GATEWAY_VERSION}",
                f"@graphql-hive/router-runtime@{HIVE_ROUTER_RUNTIME_VERSION}",
            ],
            cwd=hive_dir,
            capture_output=True,
            text=True,
            timeout=900,
            check=False,
        )
    except (OSError, subprocess.TimeoutExpired) as exc:
        return f"npm install failed: {exc}"
    if completed.returncode != 0 or not _hive_binary(hive_dir).exists():
        tail = (completed.stderr or completed.stdout).strip().splitlines()[-3:]
        return "npm install failed: " + " | ".join(tail)
    return None


async def _start_hive(
    supergraph: Path, hive_dir: Path, core: int | None, rust_planner: bool
) -> Gateway:
    port = _free_port()
    script = hive_dir / "node_modules" / "@graphql-hive" / "gateway" / "dist" / "bin.js"
    installed = script.exists()
    launcher = ["node", str(script)] if installed else [str(_hive_binary(hive_dir))]
    argv = [
        *launcher,
        "supergraph",
        str(supergraph),
        "--port",
        str(port),
        "--host",
        "127.0.0.1",
        "--fork",
        "1",  # one process (no cluster workers): the gateway itself, on the pinned core
    ]
    if rust_planner:
        argv.append("--hive-router-runtime")
    env = {**os.environ, "NODE_ENV": "production"}
    process = await asyncio.create_subprocess_exec(
        *_pinned(core, argv),
        cwd=hive_dir,
        env=env,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.STDOUT,
    )
    assert process.stdout is not None
    name = "hive" if rust_planner else "hive-js"
    keep: list[str] = []
    drain = asyncio.create_task(_drain(process.stdout, keep))
    try:
        await _until_listening(process, port, 120, name, keep)
    except BaseException:
        process.kill()
        drain.cancel()
        raise
    return Gateway(name, process, f"http://127.0.0.1:{port}/graphql", drain)


async def _until_listening(
    process: asyncio.subprocess.Process, port: int, seconds: float, what: str, output: list[str]
) -> None:
    """Wait until ``port`` accepts connections (or the process ends: its last output says why)."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if process.returncode is not None:
            tail = "".join(output[-15:])
            raise RuntimeError(f"{what} exited ({process.returncode}) before it listened:\n{tail}")
        try:
            _reader, writer = await asyncio.open_connection("127.0.0.1", port)
        except OSError:
            await asyncio.sleep(0.2)  # polling a process's startup: nothing to wait on
            continue
        writer.close()
        await writer.wait_closed()
        return
    raise RuntimeError(f"{what} did not listen on port {port} within {seconds:g}s")


def _free_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


# ---------------------------------------------------------------- load


def _cpu_seconds(pids: list[int]) -> float:
    total = 0.0
    ticks = os.sysconf("SC_CLK_TCK")
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        total += (int(fields[11]) + int(fields[12])) / ticks
    return total


def _percentile(samples: list[float], fraction: float) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, int(fraction * len(ordered)))] if ordered else 0.0


def _normalised(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _normalised(value[k]) for k in sorted(value)}
    if isinstance(value, list):
        return [_normalised(v) for v in value]
    return value


@dataclass
class Figures:
    gateway: str
    requests: int
    errors: int
    seconds: float
    latencies: list[float]
    cpu: float
    load: str

    @property
    def rate(self) -> float:
        return self.requests / self.seconds

    def row(self) -> str:
        cpu_ms = self.cpu / self.requests * 1000 if self.requests else 0.0
        return (
            f"{self.gateway:<10}{self.rate:>9.0f}{_percentile(self.latencies, 0.5) * 1000:>9.1f}"
            f"{_percentile(self.latencies, 0.95) * 1000:>9.1f}"
            f"{_percentile(self.latencies, 0.99) * 1000:>9.1f}{cpu_ms:>12.2f}"
            f"{self.errors:>8}   {self.load}"
        )


async def _load(
    client: aiohttp.ClientSession,
    gateway: Gateway,
    body: bytes,
    size: int,
    connections: int,
    warmup: float,
    duration: float,
) -> Figures:
    headers = {"content-type": "application/json"}
    state = {"measuring": False, "requests": 0, "errors": 0}
    latencies: list[float] = []
    stop_at = time.perf_counter() + warmup + duration

    async def worker() -> None:
        while True:
            started = time.perf_counter()
            if started >= stop_at:
                return
            try:
                async with client.post(gateway.url, data=body, headers=headers) as response:
                    content = await response.read()
                    ok = response.status == 200 and abs(len(content) - size) <= size // 20
            except aiohttp.ClientError:
                ok = False
            if state["measuring"]:
                state["requests"] += 1
                latencies.append(time.perf_counter() - started)
                if not ok:
                    state["errors"] += 1

    tasks = [asyncio.create_task(worker()) for _ in range(connections)]
    await asyncio.sleep(warmup)  # the warm-up's length is the point: plans cached, JIT warm
    pids = _process_tree(gateway.process.pid)
    cpu_before = _cpu_seconds(pids)
    state["measuring"] = True
    measured_from = time.perf_counter()
    await asyncio.gather(*tasks)
    seconds = time.perf_counter() - measured_from
    cpu = _cpu_seconds(pids) - cpu_before
    load = " ".join(f"{value:.2f}" for value in os.getloadavg())
    return Figures(gateway.name, state["requests"], state["errors"], seconds, latencies, cpu, load)


async def _answer(client: aiohttp.ClientSession, url: str, body: bytes) -> tuple[bytes, Any]:
    async with client.post(url, data=body, headers={"content-type": "application/json"}) as r:
        content = await r.read()
    return content, orjson.loads(content)


async def _run(args: argparse.Namespace) -> int:
    cores = os.sched_getaffinity(0)
    gateway_core: int | None = min(cores) if len(cores) > 1 else None
    other_cores = sorted(cores - {gateway_core}) if gateway_core is not None else sorted(cores)
    load = " ".join(f"{value:.2f}" for value in os.getloadavg())
    print(__doc__.split("How it is measured:")[0].strip().splitlines()[0])
    print(
        f"load average at start: {load} ({os.cpu_count()} CPUs); gateway on core "
        f"{gateway_core}, subgraphs and load generator on {other_cores}"
    )
    wanted = [name.strip() for name in args.gateways.split(",") if name.strip()]
    skipped: dict[str, str] = {}
    if any(name.startswith("hive") for name in wanted):
        reason = ensure_hive(Path(args.hive_dir), not args.no_install)
        if reason is not None:
            for name in wanted:
                if name.startswith("hive"):
                    skipped[name] = reason
    if gateway_core is not None:
        os.sched_setaffinity(0, set(other_cores))
    subgraphs, urls = await _start_subgraphs(other_cores[0] if gateway_core is not None else None)
    with tempfile.NamedTemporaryFile("w", suffix=".graphql", delete=False) as file:
        file.write(_supergraph(urls))
    supergraph = Path(file.name)
    body = orjson.dumps({"query": DEEP_QUERY, "operationName": "TestQuery"})
    results: list[Figures] = []
    expected: Any = None
    size = 0
    connector = aiohttp.TCPConnector(limit=args.connections, force_close=False)
    try:
        async with aiohttp.ClientSession(connector=connector, trust_env=False) as client:
            for _round in range(args.rounds):
                for name in wanted:
                    if name in skipped:
                        continue
                    gateway = await _start(name, supergraph, urls, gateway_core, args, skipped)
                    if gateway is None:
                        continue
                    try:
                        content, answer = await _answer(client, gateway.url, body)
                        if answer.get("errors") or not answer.get("data"):
                            skipped[name] = f"answered with errors: {str(answer)[:300]}"
                            continue
                        if expected is None:
                            expected, size = _normalised(answer), len(content)
                            print(f"deep query answer: {size:,} bytes\n")
                            print(
                                f"{'gateway':<10}{'req/s':>9}{'p50 ms':>9}{'p95 ms':>9}"
                                f"{'p99 ms':>9}{'CPU ms/req':>12}{'errors':>8}   load average"
                            )
                        elif _normalised(answer) != expected:
                            skipped[name] = "its answer differs from the first gateway's"
                            continue
                        figures = await _load(
                            client,
                            gateway,
                            body,
                            len(content),
                            args.connections,
                            args.warmup,
                            args.duration,
                        )
                        results.append(figures)
                        print(figures.row(), flush=True)
                    finally:
                        await gateway.stop()
    finally:
        if subgraphs.stdin is not None:
            subgraphs.stdin.close()
        try:
            await asyncio.wait_for(subgraphs.wait(), 20)
        except TimeoutError:
            subgraphs.kill()
        os.unlink(supergraph)
    for name, reason in skipped.items():
        print(f"{name}: skipped: {reason}")
    _summary(results)
    return 0


async def _start(
    name: str,
    supergraph: Path,
    urls: dict[str, str],
    core: int | None,
    args: argparse.Namespace,
    skipped: dict[str, str],
) -> Gateway | None:
    try:
        if name in ("realio", "realio-shared"):
            return await _start_realio(supergraph, urls, core, name == "realio-shared")
        if name in ("hive", "hive-js"):
            return await _start_hive(supergraph, Path(args.hive_dir), core, name == "hive")
        skipped[name] = "unknown gateway (realio, realio-shared, hive, hive-js)"
    except (RuntimeError, OSError, TimeoutError) as exc:
        skipped[name] = f"did not start: {str(exc)[-400:]}"
    return None


def _summary(results: list[Figures]) -> None:
    best: dict[str, Figures] = {}
    for figures in results:
        if figures.gateway not in best or figures.rate > best[figures.gateway].rate:
            best[figures.gateway] = figures
    for ours_name in ("realio", "realio-shared"):
        ours = best.get(ours_name)
        if ours is None or not ours.requests:
            continue
        for name, figures in best.items():
            if name.startswith("realio") or not figures.requests:
                continue
            ratio = ours.rate / figures.rate
            cpu_ratio = (figures.cpu / figures.requests) / (ours.cpu / ours.requests)
            print(
                f"{ours_name} / {name}: {ratio:.2f}x requests/s (best rounds),"
                f" {cpu_ratio:.2f}x less CPU per request"
            )


def main(argv: list[str]) -> int:
    """Run the comparison (or, with ``--serve-subgraphs``, be its subgraph process)."""
    parser = argparse.ArgumentParser(prog="python -m bench.gateway_compare_bench")
    parser.add_argument("--duration", type=float, default=10.0, help="measured seconds")
    parser.add_argument("--warmup", type=float, default=3.0, help="seconds before measuring")
    parser.add_argument("--connections", type=int, default=50, help="requests in flight")
    parser.add_argument(
        "--gateways",
        default="realio,hive,realio-shared",
        help="realio (no in-flight sharing), realio-shared, hive (Rust planner), hive-js",
    )
    parser.add_argument("--rounds", type=int, default=1, help="alternate the gateways N times")
    parser.add_argument("--hive-dir", default=str(DEFAULT_HIVE_DIR), help="npm install dir")
    parser.add_argument("--no-install", action="store_true", help="never run npm install")
    parser.add_argument("--serve-subgraphs", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    import uvloop

    if args.serve_subgraphs:
        uvloop.run(_serve_subgraphs())
        return 0
    return int(uvloop.run(_run(args)))


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
