"""``make run`` with several workers per subgraph (decision 0038): REALIO_WORKERS /
REALIO_SUBGRAPH_WORKERS start more instances of a subgraph, the router balances across them,
and subscriptions still deliver what another worker wrote (live fan-out through Redis)."""

from __future__ import annotations

import asyncio
import json
import os
import re
import sys
from pathlib import Path
from typing import Any

import httpx
import orjson
import pytest
from prometheus_client.parser import text_string_to_metric_families
from websockets.asyncio.client import connect
from websockets.typing import Subprotocol

from common.config import DEFAULT_SUBGRAPH_PORTS, Settings
from common.launcher import instance_environment, router_subgraph_urls
from tests.ops.processes import drop_stack_databases, eventually, start, supervised
from tests.support.servers import free_port

WORKERS = re.compile(
    r"^\s+(\w+)\s+http://localhost:(\d+)/graphql and \d+ more worker\(s\) on ports ([\d, ]+)$"
)
SEND = """mutation Send($input: SendMessageInput!) {
  sendMessage(input: $input) { id conversationId cursor content } }"""
LOGIN = """mutation($e: String!, $p: String!) {
  login(input: {email: $e, password: $p}) { accessToken } }"""
PAGE = """query Page {
  me { favorites(first: 3) { totalCount } listings(first: 2) { edges { node { title } } } } }"""
EVENTS = """subscription($c: ID!, $after: String) {
  conversationEvents(conversationId: $c, after: $after) { kind message { content } } }"""


def test_workers_need_redis_and_may_differ_per_subgraph() -> None:
    with_redis = Settings(redis_url="redis://127.0.0.1:6379/0", workers=3)
    assert with_redis.workers_for("users") == 3
    per_subgraph = Settings(redis_url="redis://x", workers=1, subgraph_workers={"search": 2})
    assert per_subgraph.workers_for("search") == 2
    assert per_subgraph.workers_for("users") == 1
    # In-process caches, rate limits and live fan-out would differ per worker without Redis.
    assert Settings(redis_url=None, workers=4).workers_for("users") == 1
    # auto: properties (on nearly every request's path) one per core, at most 2; others one.
    auto = Settings(redis_url="redis://x", workers="auto")
    assert auto.workers_for("properties") == min(os.cpu_count() or 1, 2)
    assert auto.workers_for("users") == auto.workers_for("search") == 1


def test_workers_read_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("REALIO_WORKERS", "2")
    monkeypatch.setenv("REALIO_SUBGRAPH_WORKERS", '{"messaging": 3}')
    monkeypatch.setenv("REALIO_REDIS_URL", "redis://127.0.0.1:6379/0")
    settings = Settings()
    assert settings.workers_for("properties") == 2
    assert settings.workers_for("messaging") == 3


def test_the_router_gets_every_instance_and_workers_get_smaller_pools() -> None:
    settings = Settings(database_pool_size=10)
    urls = router_subgraph_urls(settings, ["users"], {"users": [4001, 4101]})
    assert urls["REALIO_ROUTER_REVOCATIONS_URL"] == settings.revocations_url
    assert json.loads(urls["REALIO_ROUTER_SUBGRAPH_URLS"]) == {
        "users": "http://127.0.0.1:4001/graphql,http://127.0.0.1:4101/graphql"
    }
    assert instance_environment(settings, {}, 2) == {"REALIO_DATABASE_POOL_SIZE": "2"}
    assert instance_environment(settings, {}, 1) == {}
    explicit = {"REALIO_DATABASE_POOL_SIZE": "4"}
    assert instance_environment(settings, explicit, 2) == explicit


async def _served(http: httpx.AsyncClient, port: int, subgraph: str) -> dict[str, float]:
    """The GraphQL requests one worker counted, by the client's operation name (the router
    names its fetches ``<operation>__<subgraph>__<n>``)."""
    text = (await http.get(f"http://127.0.0.1:{port}/metrics")).text
    counts: dict[str, float] = {}
    for family in text_string_to_metric_families(text):
        if family.name != "realio_graphql_requests":
            continue
        for sample in family.samples:
            if sample.name.endswith("_total") and sample.labels.get("subgraph") == subgraph:
                operation = sample.labels["operation"].split("__")[0]
                counts[operation] = counts.get(operation, 0) + sample.value
    return counts


@pytest.mark.timeout(300)
async def test_make_run_balances_workers_and_subscriptions_deliver_across_them(
    settings: Settings, tmp_path: Path
) -> None:
    ports = {name: free_port() for name in DEFAULT_SUBGRAPH_PORTS}
    router_port = free_port()
    prefix = f"{settings.database_prefix}workers_"
    env = {
        **os.environ,
        "REALIO_ROUTER_PORT": str(router_port),
        "REALIO_SUBGRAPH_PORTS": json.dumps(ports),
        "REALIO_DATABASE_PREFIX": prefix,
        "REALIO_DATA_DIR": str(tmp_path),
        "REALIO_REDIS_URL": settings.redis_url or "redis://127.0.0.1:6379/0",
        "REALIO_REDIS_KEY_PREFIX": f"{settings.redis_key_prefix}workers:",
        # Two workers where this test looks; one elsewhere keeps Postgres connections few.
        "REALIO_WORKERS": "1",
        "REALIO_SUBGRAPH_WORKERS": json.dumps({"properties": 2, "messaging": 2}),
        "REALIO_DATABASE_POOL_SIZE": "2",
    }
    async with supervised() as children:
        stack = await start("make run", [sys.executable, "-m", "common.launcher"], env)
        children.append(stack)
        await stack.wait_for_line("Press Ctrl-C to stop.", timeout=240)
        workers: dict[str, list[int]] = {}
        for line in stack.lines:
            found = WORKERS.match(line)
            if found:
                more = [int(port) for port in found.group(3).split(",")]
                workers[found.group(1)] = [int(found.group(2)), *more]
        assert set(workers) == {"properties", "messaging"}, stack.output()
        assert workers["properties"][0] == ports["properties"]
        assert len(set(workers["properties"])) == 2 and len(set(workers["messaging"])) == 2

        base = f"http://127.0.0.1:{router_port}"
        async with httpx.AsyncClient(timeout=30) as http:
            ready = (await http.get(f"{base}/ready")).json()
            assert ready["status"] == "ready", ready
            assert ready["instances"] == {"messaging": ["ok", "ok"], "properties": ["ok", "ok"]}

            async def login(email: str, password: str) -> str:
                body = {"query": LOGIN, "variables": {"e": email, "p": password}}
                answer = (await http.post(f"{base}/graphql", json=body)).json()
                token: str = answer["data"]["login"]["accessToken"]
                return token

            async def graphql(query: str, variables: dict[str, Any], token: str) -> Any:
                answer = await http.post(
                    f"{base}/graphql",
                    json={"query": query, "variables": variables},
                    headers={"authorization": f"Bearer {token}"},
                )
                return answer.json()

            buyer = await login("buyer@realio.demo", "demo-buyer-pass-2024")
            seller = await login("seller@realio.demo", "demo-seller-pass-2024")

            # Property pages through the router: both properties workers serve them.
            before = [await _served(http, port, "properties") for port in workers["properties"]]
            for _ in range(6):
                answer = await graphql(PAGE, {}, seller)
                assert "errors" not in answer, answer
            after = [await _served(http, port, "properties") for port in workers["properties"]]
            for old, new in zip(before, after, strict=True):
                assert new.get("Page", 0) - old.get("Page", 0) >= 1, (before, after)

            # A conversation: messaging learns the demo accounts from users' events first.
            seller_id = (await graphql("{ me { id } }", {}, seller))["data"]["me"]["id"]
            first: dict[str, Any] = {}

            async def sent() -> bool:
                variables = {"input": {"content": "hello", "receiverId": seller_id}}
                answer = await graphql(SEND, variables, buyer)
                if answer.get("data") and answer["data"]["sendMessage"]:
                    first.update(answer["data"]["sendMessage"])
                    return True
                return False

            await eventually(sent, timeout=60, what="messaging knows the demo accounts")
            conversation = first["conversationId"]

            ws_url = f"ws://127.0.0.1:{router_port}/graphql"
            async with connect(
                ws_url, subprotocols=[Subprotocol("graphql-transport-ws")], proxy=None
            ) as ws:
                init = {"type": "connection_init", "payload": {"Authorization": f"Bearer {seller}"}}
                await ws.send(orjson.dumps(init).decode())
                assert orjson.loads(await asyncio.wait_for(ws.recv(), 10)) == {
                    "type": "connection_ack"
                }
                variables = {"c": conversation, "after": first["cursor"]}
                subscribe = {"query": EVENTS, "variables": variables}
                await ws.send(
                    orjson.dumps({"id": "1", "type": "subscribe", "payload": subscribe}).decode()
                )
                before = [await _served(http, port, "messaging") for port in workers["messaging"]]
                # Sent one after the other, the router hands them to the two workers in turn:
                # whichever worker holds the subscription, one of them was written by the other.
                contents = [f"live {n}" for n in range(4)]
                for content in contents:
                    variables = {"input": {"content": content, "conversationId": conversation}}
                    answer = await graphql(SEND, variables, buyer)
                    assert answer["data"]["sendMessage"]["content"] == content, answer
                after = [await _served(http, port, "messaging") for port in workers["messaging"]]
                for old, new in zip(before, after, strict=True):
                    assert new.get("Send", 0) - old.get("Send", 0) >= 1, (before, after)

                received: list[str] = []
                while len(received) < len(contents):
                    message = orjson.loads(await asyncio.wait_for(ws.recv(), 15))
                    assert message["type"] == "next", message
                    event = message["payload"]["data"]["conversationEvents"]
                    if event["kind"] == "MESSAGE_SENT":
                        received.append(event["message"]["content"])
                assert received == contents
    await drop_stack_databases(settings, prefix)


async def test_a_worker_without_event_loops_starts_no_relay_or_consumer(
    settings: Settings,
) -> None:
    from common.db import create_engine
    from common.events.consumer import ConsumerSpec
    from common.events.runtime import EventRuntime

    extra = settings.model_copy(update={"run_event_loops": False})
    engine = create_engine(extra, "search")  # never connected: nothing is started
    runtime = EventRuntime(extra, subgraph="search", engine=engine)
    try:
        await runtime.start_relay()
        await runtime.start_consumer(ConsumerSpec("search-properties", ["realio.properties"], {}))
        assert runtime._tasks == []
        assert runtime._relay is None and runtime._consumers == []
    finally:
        await engine.dispose()


def test_a_subgraph_started_on_its_own_runs_several_workers_only_when_asked(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from common.serve import worker_ports

    monkeypatch.setenv("REALIO_REDIS_URL", "redis://127.0.0.1:6379/0")
    monkeypatch.delenv("REALIO_WORKERS", raising=False)
    monkeypatch.delenv("REALIO_SUBGRAPH_WORKERS", raising=False)
    assert worker_ports(Settings(_env_file=None), "users") == [4001]  # type: ignore[call-arg]
    monkeypatch.setenv("REALIO_WORKERS", "2")
    assert worker_ports(Settings(_env_file=None), "users") == [4001, 4101]  # type: ignore[call-arg]
    monkeypatch.setenv("REALIO_WORKERS", "auto")
    monkeypatch.setenv("REALIO_SUBGRAPH_WORKERS", '{"search": 3}')
    assert worker_ports(Settings(_env_file=None), "search") == [4003, 4103, 4203]  # type: ignore[call-arg]
