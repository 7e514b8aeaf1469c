"""Messaging benchmark: live delivery through the router with 500 subscriptions held.

``python -m bench.messaging_bench [--seconds 20] [--rate 100] [--pairs 250] [--redis]
[--per-user 1]``
(``make bench``). The messaging subgraph (uvicorn) and the router (``python -m router``) run
as child processes; this process holds one graphql-transport-ws connection per user to the
router (two participants per conversation, each subscribed to ``conversationEvents``) and sends
``sendMessage`` through the router at a fixed total rate, round robin over the conversations.

Prints: delivery latency from the moment a send is issued to its receipt by each participant
(p50/p95/p99; budget ≤ 50 ms p95), lost and duplicated deliveries, the resident memory of the
router and of the subgraph per open subscription (and the router's per 1,000), and how many
upstream connections the router holds to the subgraph: one per viewer, however many
subscriptions each viewer's connection holds (``--per-user``). Uses throw-away databases and
drops them at the end. The load generator shares the 2 cores with what it measures, so figures
are upper bounds.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import sys
import tempfile
import time
import uuid
from pathlib import Path
from typing import Any

import aiohttp
import orjson
import uvicorn
from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosed

from common.auth.tokens import TokenSigner, load_or_create_private_key
from common.auth.viewer import Role
from common.config import Settings
from common.db import drop_database
from common.sdl_export import subgraph_sdl
from router.composition import SubgraphDefinition, compose

SEND = """mutation($input: SendMessageInput!) {
  sendMessage(input: $input) { conversationId cursor } }"""
EVENTS = """subscription($c: ID!, $after: String) {
  conversationEvents(conversationId: $c, after: $after) { kind message { content } } }"""


# ---------------------------------------------------------------- child: the subgraph


def _serve_messaging(port: int, profile: str | None = None) -> None:
    from subgraphs.messaging.app import create_app, migrate

    settings = Settings()
    asyncio.run(migrate(settings))
    if profile:
        import cProfile
        import signal

        profiler = cProfile.Profile()
        profiler.enable()

        def dump(*_: object) -> None:
            profiler.disable()
            profiler.dump_stats(profile)
            raise SystemExit(0)

        signal.signal(signal.SIGTERM, dump)
    config = uvicorn.Config(
        create_app(settings),
        host="127.0.0.1",
        port=port,
        log_level="warning",
        ws="websockets-sansio",
    )
    uvicorn.Server(config).run()


# ---------------------------------------------------------------- helpers


def _rss_kib(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    return 0


def _cpu_seconds(pid: int) -> float:
    """User plus system CPU time the process has used."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _connections_to(port: int) -> int:
    """Established TCP connections whose remote end is ``port`` (the router's upstreams)."""
    count = 0
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        if not os.path.exists(table):
            continue
        for line in Path(table).read_text().splitlines()[1:]:
            fields = line.split()
            remote_port = int(fields[2].rsplit(":", 1)[1], 16)
            if remote_port == port and fields[3] == "01":
                count += 1
    return count


def _free_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


async def _jwks_server(signer: TokenSigner) -> tuple[uvicorn.Server, asyncio.Task[None], str]:
    from starlette.applications import Starlette
    from starlette.responses import JSONResponse
    from starlette.routing import Route

    async def jwks(_: Any) -> JSONResponse:
        return JSONResponse(signer.jwks)

    async def revocations(_: Any) -> JSONResponse:
        # users' revocation feed (decision 0017), with nothing revoked.
        return JSONResponse({"revocations": [], "cursor": 0})

    port = _free_port()
    server = uvicorn.Server(
        uvicorn.Config(
            Starlette(routes=[Route("/jwks", jwks), Route("/revocations", revocations)]),
            port=port,
            log_level="warning",
        )
    )
    task = asyncio.create_task(server.serve())
    while not server.started:  # noqa: ASYNC110 - polling uvicorn's started flag
        await asyncio.sleep(0.01)
    return server, task, f"http://127.0.0.1:{port}"


async def _wait_http(url: str, timeout: float = 180) -> None:
    async with aiohttp.ClientSession() as http, asyncio.timeout(timeout):
        while True:
            try:
                async with http.get(url) as response:
                    if response.status == 200:
                        return
            except aiohttp.ClientError:
                pass
            await asyncio.sleep(0.1)  # polling readiness of a child process


async def _start_router(supergraph: Path, env: dict[str, str], logs: Any) -> tuple[Any, str]:
    """The router as a child process on a free port, once its /health answers."""
    port = _free_port()
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "router", "--supergraph", str(supergraph), "--port", str(port),
        env=env, stdout=logs, stderr=logs,
    )  # fmt: skip
    url = f"http://127.0.0.1:{port}"
    try:
        await _wait_http(f"{url}/health")
    except BaseException:
        process.terminate()
        await process.wait()
        raise
    return process, url


class Subscriber:
    """One user's connection to the router, with ``operations`` subscriptions to their
    conversation (a client with several views of it open)."""

    def __init__(
        self, socket: ClientConnection, sent_at: dict[str, float], operations: int
    ) -> None:
        self.socket = socket
        self.sent_at = sent_at
        self.operations = operations
        self.latencies: list[float] = []
        self.seen: set[tuple[str, str]] = set()
        self.duplicates = 0
        self.warmed: set[str] = set()
        self.live = asyncio.Event()
        self.errors: list[Any] = []

    async def run(self) -> None:
        try:
            await self._receive()
        except ConnectionClosed as exc:
            self.errors.append(f"connection closed: {exc}")
            self.live.set()

    async def _receive(self) -> None:
        async for raw in self.socket:
            message = orjson.loads(raw)
            if message.get("type") != "next" or message["payload"].get("errors"):
                self.errors.append(message)
                self.live.set()
                continue
            event = message["payload"]["data"]["conversationEvents"]
            content = event["message"]["content"]
            operation = message["id"]
            if content == "warm-up":
                self.warmed.add(operation)
                if len(self.warmed) == self.operations:
                    self.live.set()
                continue
            received = time.perf_counter()
            if (operation, content) in self.seen:
                self.duplicates += 1
                continue
            self.seen.add((operation, content))
            sent = self.sent_at.get(content)
            if sent is not None:
                self.latencies.append((received - sent) * 1000)


async def _subscribe(
    ws_url: str,
    token: str,
    conversation: str,
    after: str,
    sent_at: dict[str, float],
    operations: int,
) -> tuple[Subscriber, asyncio.Task[None]]:
    # A long opening bound: 500 connections open in batches on 2 busy cores.
    socket = await connect(
        ws_url,
        subprotocols=["graphql-transport-ws"],  # type: ignore[list-item]
        proxy=None,
        open_timeout=120,
    )
    init = {"type": "connection_init", "payload": {"Authorization": f"Bearer {token}"}}
    await socket.send(orjson.dumps(init).decode())
    assert orjson.loads(await socket.recv())["type"] == "connection_ack"
    payload = {"query": EVENTS, "variables": {"c": conversation, "after": after}}
    for operation in range(1, operations + 1):
        subscribe = {"id": str(operation), "type": "subscribe", "payload": payload}
        await socket.send(orjson.dumps(subscribe).decode())
    subscriber = Subscriber(socket, sent_at, operations)
    return subscriber, asyncio.ensure_future(subscriber.run())


def _percentile(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(q * (len(ordered) - 1))))]


async def _announce_users(settings: Settings, ids: list[uuid.UUID]) -> None:
    """Play users' part: ``user.registered`` for every bench user on ``realio.users``, then
    wait until the messaging subgraph's consumer knows them all (it refuses unknown
    receivers, decision 0022)."""
    from sqlalchemy import func, select

    from common.db import create_engine, session_factory, transaction
    from common.events import EventRuntime, new_event, record_events
    from subgraphs.messaging.models import known_users

    users_engine = create_engine(settings, "users")
    messaging_engine = create_engine(settings, "messaging")
    relay = EventRuntime(settings, subgraph="users", engine=users_engine)
    events = [
        new_event(
            "user.registered",
            str(user_id),
            {"user_id": str(user_id), "role": "buyer"},
            producer="users",
            aggregate_type="users",
        )
        for user_id in ids
    ]
    try:
        async with transaction(session_factory(users_engine)) as session:
            await record_events(session, events)
        await relay.start_relay()
        await relay.wait_until_idle(timeout=60)
        async with asyncio.timeout(60), messaging_engine.connect() as conn:
            while (await conn.scalar(select(func.count()).select_from(known_users)) or 0) < len(
                ids
            ):
                await conn.rollback()
                await asyncio.sleep(0.1)  # polling another process's consumer, bounded
    finally:
        await relay.stop()
        await users_engine.dispose()
        await messaging_engine.dispose()


# ---------------------------------------------------------------- driver


async def run(
    seconds: float,
    rate: float,
    pairs: int,
    use_redis: bool,
    profile: str | None = None,
    per_user: int = 1,
) -> None:
    run_id = uuid.uuid4().hex[:8]
    prefix = f"realio_bench{run_id}_"
    workdir = Path(tempfile.mkdtemp(prefix="realio-messaging-bench-"))
    settings = Settings(database_prefix=prefix, data_dir=workdir)
    signer = TokenSigner(
        load_or_create_private_key(workdir / "key.pem"),
        settings.model_copy(update={"access_token_ttl_seconds": 3600}),
    )
    jwks_server, jwks_task, users_url = await _jwks_server(signer)
    jwks_url = f"{users_url}/jwks"
    env = {
        **os.environ,
        "REALIO_DATABASE_PREFIX": prefix,
        "REALIO_JWKS_URL": jwks_url,
        "REALIO_ROUTER_JWKS_URL": jwks_url,
        "REALIO_REVOCATIONS_URL": f"{users_url}/revocations",
        "REALIO_ROUTER_REVOCATIONS_URL": f"{users_url}/revocations",
        "REALIO_MESSAGING_SEND_RATE_LIMIT": "1000000",
        "REALIO_LOG_LEVEL": "WARNING",
        "REALIO_ROUTER_APQ_ENABLED": "false",
        # Opening 500 sockets on 2 busy cores can take the router longer than the default 3 s
        # to read a connection_init; the bench measures delivery, not the opening.
        "REALIO_ROUTER_WS_CONNECTION_INIT_TIMEOUT": "60",
        "REALIO_DATA_DIR": str(workdir),
    }
    if not use_redis:
        env.pop("REALIO_REDIS_URL", None)
    from subgraphs.users.app import migrate as migrate_users

    # users' database holds the log of realio.users, which messaging consumes from the start.
    await migrate_users(settings)
    messaging_port = _free_port()
    logs = (workdir / "children.log").open("wb")
    messaging = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "bench.messaging_bench", "--serve-messaging", str(messaging_port),
        *(["--profile-subgraph", profile] if profile else []), env=env,
        stdout=logs, stderr=logs,
    )  # fmt: skip
    router = None
    sockets: list[Subscriber] = []
    tasks: list[asyncio.Task[None]] = []
    try:
        messaging_url = f"http://127.0.0.1:{messaging_port}"
        await _wait_http(f"{messaging_url}/health")
        result = compose(
            [SubgraphDefinition("messaging", f"{messaging_url}/graphql", subgraph_sdl("messaging"))]
        )
        assert result.supergraph_sdl is not None, result.errors
        supergraph = workdir / "supergraph.graphql"
        supergraph.write_text(result.supergraph_sdl)
        router, router_url = await _start_router(supergraph, env, logs)
        graphql = f"{router_url}/graphql"
        ws_url = graphql.replace("http://", "ws://", 1)

        users = [(uuid.uuid4(), uuid.uuid4()) for _ in range(pairs)]
        tokens = {u: signer.issue(u, Role.BUYER, uuid.uuid4()) for pair in users for u in pair}
        await _announce_users(settings, [u for pair in users for u in pair])
        sent_at: dict[str, float] = {}
        async with aiohttp.ClientSession() as http:

            async def send(token: str, content: str, **target: str) -> dict[str, Any]:
                body = {"query": SEND, "variables": {"input": {"content": content, **target}}}
                headers = {"authorization": f"Bearer {token}"}
                async with http.post(graphql, json=body, headers=headers) as response:
                    data = await response.json()
                assert "errors" not in data, data
                message: dict[str, Any] = data["data"]["sendMessage"]
                return message

            async def begin(a: uuid.UUID, b: uuid.UUID) -> tuple[str, str, uuid.UUID]:
                first = await send(tokens[a], "hello", receiverId=str(b))
                await send(tokens[b], "warm-up", conversationId=first["conversationId"])
                return first["conversationId"], first["cursor"], a

            conversations: list[tuple[str, str, uuid.UUID]] = []
            for batch in range(0, len(users), 25):
                conversations += await asyncio.gather(
                    *(begin(a, b) for a, b in users[batch : batch + 25])
                )

            router_before, messaging_before = _rss_kib(router.pid), _rss_kib(messaging.pid)
            wanted = [
                (tokens[user], conversation, cursor)
                for (conversation, cursor, _), pair in zip(conversations, users, strict=True)
                for user in pair
            ]
            for batch in range(0, len(wanted), 25):
                opened = await asyncio.gather(
                    *(
                        _subscribe(ws_url, t, c, k, sent_at, per_user)
                        for t, c, k in wanted[batch : batch + 25]
                    )
                )
                for subscriber, task in opened:
                    sockets.append(subscriber)
                    tasks.append(task)
                await asyncio.wait_for(asyncio.gather(*(s.live.wait() for s in sockets)), 120)
            failed = [s.errors[0] for s in sockets if s.errors]
            if failed:
                raise RuntimeError(f"{len(failed)} subscriptions failed, first: {failed[0]}")
            router_after, messaging_after = _rss_kib(router.pid), _rss_kib(messaging.pid)
            upstreams = _connections_to(messaging_port)

            cpu_before = _cpu_seconds(router.pid), _cpu_seconds(messaging.pid)
            total = int(seconds * rate)
            interval = 1.0 / rate
            start = time.perf_counter()
            pending: list[asyncio.Task[dict[str, Any]]] = []
            for n in range(total):
                conversation, _, sender = conversations[n % len(conversations)]
                due = start + n * interval
                delay = due - time.perf_counter()
                if delay > 0:
                    await asyncio.sleep(delay)  # the send schedule, not synchronisation
                content = f"m{n}"
                sent_at[content] = time.perf_counter()
                pending.append(
                    asyncio.ensure_future(
                        send(tokens[sender], content, conversationId=conversation)
                    )
                )
            outcomes = await asyncio.gather(*pending, return_exceptions=True)
            failures = [o for o in outcomes if isinstance(o, BaseException)]
            elapsed = time.perf_counter() - start
            expected = 2 * per_user * (total - len(failures))
            deadline = time.perf_counter() + 30
            while sum(len(s.latencies) for s in sockets) < expected:
                if time.perf_counter() > deadline:
                    break
                await asyncio.sleep(0.05)  # waiting for stragglers, bounded

            router_cpu = _cpu_seconds(router.pid) - cpu_before[0]
            messaging_cpu = _cpu_seconds(messaging.pid) - cpu_before[1]

        latencies = [v for s in sockets for v in s.latencies]
        load = " ".join(f"{n:.2f}" for n in os.getloadavg())
        fan_out = "Redis" if use_redis else "in-process"
        subscriptions = len(sockets) * per_user
        print(
            f"\nmessaging through the router: {subscriptions} subscriptions ({pairs} conversations"
            f" x 2 participants x {per_user} per participant's connection), {total} messages"
            f" in {elapsed:.1f}s ({total / elapsed:.0f}/s),"
            f" fan-out {fan_out}, load average {load}"
        )
        print(
            f"delivery latency send -> receipt: p50 {_percentile(latencies, 0.5):.1f} ms, "
            f"p95 {_percentile(latencies, 0.95):.1f} ms, p99 {_percentile(latencies, 0.99):.1f} ms,"
            f" max {max(latencies, default=float('nan')):.1f} ms (budget <= 50 ms p95)"
        )
        print(
            f"sends failed: {len(failures)} of {total}"
            + (f" (first: {failures[0]!r:.200})" if failures else "")
        )
        print(
            f"deliveries: {len(latencies)} of {expected} expected,"
            f" {sum(s.duplicates for s in sockets)} duplicates,"
            f" mean {statistics.fmean(latencies) if latencies else float('nan'):.1f} ms"
        )
        count = subscriptions
        router_per = (router_after - router_before) / count
        print(
            f"memory per open subscription: router {router_per:.1f}"
            f" KiB ({router_per * 1000 / 1024:.1f} MiB per 1,000 open subscriptions, client"
            f" sockets included), messaging subgraph"
            f" {(messaging_after - messaging_before) / count:.1f} KiB"
            f" (RSS router {router_after / 1024:.0f} MiB,"
            f" subgraph {messaging_after / 1024:.0f} MiB)"
        )
        print(f"router upstream connections to the subgraph: {upstreams}")
        # CPU time does not depend on how busy the machine is, unlike the latencies above.
        sent = max(1, total - len(failures))
        print(
            f"CPU per message sent and delivered twice (send phase, idle work included):"
            f" router {router_cpu * 1000 / sent:.1f} ms, messaging subgraph"
            f" {messaging_cpu * 1000 / sent:.1f} ms"
        )
    finally:
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        for subscriber in sockets:
            await subscriber.socket.close()
        for process in (router, messaging):
            if process is not None and process.returncode is None:
                process.terminate()
                await process.wait()
        jwks_server.should_exit = True
        await jwks_task
        await drop_database(settings, "messaging")
        await drop_database(settings, "users")
        logs.close()
        print(f"subgraph and router logs: {workdir / 'children.log'}")


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--seconds", type=float, default=20.0)
    parser.add_argument("--rate", type=float, default=100.0, help="messages per second in total")
    parser.add_argument("--pairs", type=int, default=250, help="conversations (2 subscribers each)")
    parser.add_argument("--redis", action="store_true", help="fan out through REALIO_REDIS_URL")
    parser.add_argument(
        "--per-user",
        type=int,
        default=1,
        help="subscriptions each participant's connection holds (the router multiplexes them)",
    )
    parser.add_argument("--serve-messaging", type=int, help=argparse.SUPPRESS)
    parser.add_argument(
        "--profile-subgraph", metavar="FILE", help="write the subgraph's cProfile stats to FILE"
    )
    args = parser.parse_args(argv)
    if args.serve_messaging:
        _serve_messaging(args.serve_messaging, args.profile_subgraph)
        return 0
    asyncio.run(
        run(
            args.seconds,
            args.rate,
            args.pairs,
            args.redis,
            args.profile_subgraph,
            args.per_user,
        )
    )
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
