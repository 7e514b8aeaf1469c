"""Logs of real processes started with their real commands: JSON lines on stdout, uvicorn's own
included, and expected failures logged at INFO without a traceback.

The users subgraph and the router run with the commands docker-compose.yml ships (the
``uvicorn`` command with ``--factory``; ``python -m router``); failures are provoked through
the router.
"""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path
from typing import Any

import httpx

from common.config import Settings
from common.demo import DEMO_USERS
from subgraphs.users.app import migrate
from subgraphs.users.seed import seed
from tests.ops.test_log_shipping import config as filebeat_config
from tests.ops.test_log_shipping import processor, strptime_format
from tests.support.graphql import GraphQLClient
from tests.support.processes import compose_command, process_env, running_process
from tests.support.servers import free_port

LOGIN = "mutation($input: LoginInput!) { login(input: $input) { accessToken } }"
REGISTER = "mutation($input: RegisterInput!) { register(input: $input) { user { id } } }"
CHECK_EMAIL = "query($email: String!) { checkUserEmail(email: $email) { taken } }"


def json_lines(path: Path) -> list[dict[str, Any]]:
    """Every line of ``path``, each of which must be one JSON object."""
    entries = []
    for line in path.read_text().splitlines():
        entry = json.loads(line)  # fails the test on any line that is not JSON
        assert isinstance(entry, dict), line
        entries.append(entry)
    return entries


async def test_processes_log_json_lines_and_expected_failures_without_tracebacks(
    settings: Settings, tmp_path: Path
) -> None:
    users_settings = settings.model_copy(
        update={"database_prefix": f"{settings.database_prefix}logs_"}
    )
    await migrate(users_settings)
    await seed(users_settings)
    users_port, router_port = free_port(), free_port()
    env = process_env(settings, "logs", users_port)
    users_command = compose_command("users", users_port)
    router_command = compose_command("router-1", router_port)
    demo = DEMO_USERS[0]
    pending = {
        "name": "Pending Person",
        "email": "logs-pending@example.com",
        "password": "correct horse battery",
        "role": "BUYER",
    }
    async with (
        running_process(
            users_command, env, tmp_path / "users", f"http://127.0.0.1:{users_port}/health"
        ),
        running_process(
            router_command, env, tmp_path / "router", f"http://127.0.0.1:{router_port}/health"
        ),
        httpx.AsyncClient(timeout=30, trust_env=False) as http,
    ):
        graph = GraphQLClient(f"http://127.0.0.1:{router_port}", http)
        wrong = {"email": demo.email, "password": "not the password"}
        assert (await graph.error(LOGIN, {"input": wrong}))["extensions"]["code"] == (
            "UNAUTHENTICATED"
        )
        invalid = await graph.error(CHECK_EMAIL, {"email": "not an email"})
        assert invalid["extensions"]["code"] == "BAD_USER_INPUT"
        await graph.data(REGISTER, {"input": pending})
        unverified = {"email": pending["email"], "password": pending["password"]}
        forbidden = await graph.error(LOGIN, {"input": unverified})
        assert forbidden["extensions"]["code"] == "FORBIDDEN"

    users, router = json_lines(tmp_path / "users.out"), json_lines(tmp_path / "router.out")
    for entries in (users, router):
        assert any(e["logger"].startswith("uvicorn") for e in entries), entries
    assert any(e["logger"] == "uvicorn.access" and "POST /graphql" in e["msg"] for e in users)
    refused = {(e["error_code"], e["level"]) for e in users if e["logger"] == "realio.errors"}
    assert {("UNAUTHENTICATED", "INFO"), ("BAD_USER_INPUT", "INFO"), ("FORBIDDEN", "INFO")} <= (
        refused
    )
    assert [e for e in users + router if e["level"] in ("ERROR", "CRITICAL") or "exc" in e] == []
    for name in ("users", "router"):
        for stream in ("out", "err"):
            assert "Traceback" not in (tmp_path / f"{name}.{stream}").read_text()
    assert_shippable(users + router)


def assert_shippable(entries: list[dict[str, Any]]) -> None:
    """Every line carries what deploy/filebeat.yml reads: the message under the ndjson
    parser's ``message_key``, a ``ts`` one of the timestamp processor's layouts parses, a
    level and a logger; lines about a request carry its ``request_id``."""
    (source,) = filebeat_config()["filebeat.inputs"]
    message_key = next(p["ndjson"] for p in source["parsers"] if "ndjson" in p)["message_key"]
    timestamp = processor("timestamp")
    formats = [strptime_format(layout) for layout in timestamp["layouts"]]
    for entry in entries:
        assert isinstance(entry.get(message_key), str), entry
        assert {"level", "logger"} <= entry.keys(), entry
        assert any(_parses(entry[timestamp["field"]], fmt) for fmt in formats), entry
    refusals = [e for e in entries if e["logger"] == "realio.errors"]
    assert refusals and all(e.get("request_id") for e in refusals), refusals


def _parses(value: str, fmt: str) -> bool:
    try:
        parsed = datetime.strptime(value, fmt)
    except ValueError:
        return False
    return parsed.utcoffset() is not None
