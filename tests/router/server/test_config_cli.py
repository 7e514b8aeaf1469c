"""Settings from environment and config file; the serve command's argument handling."""

from __future__ import annotations

import asyncio
import json
import os
import re
import sys
from pathlib import Path

import httpx
import pytest

from router.config import load_settings
from router.server.cli import main
from tests.router.server.conftest import Graph

SUPERGRAPH_FILE = Path(__file__).parent / "supergraph.graphql"


def test_config_file_then_environment_then_arguments(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    config = tmp_path / "router.toml"
    config.write_text(
        """
port = 5000
host = "0.0.0.0"
subgraph_timeouts = { users = 2.5 }
[subgraph_urls]
users = "http://users:4001/graphql"
[limits]
max_depth = 4
max_aliases = 9
[limits.cost_map."Query.users"]
complexity = 2
multipliers = ["first"]
"""
    )
    monkeypatch.setenv("REALIO_ROUTER_LIMITS__MAX_ALIASES", "3")
    monkeypatch.setenv("REALIO_ROUTER_PORT", "6000")

    settings = load_settings(config, port=7000)

    assert settings.port == 7000  # argument beats environment beats file
    assert settings.host == "0.0.0.0"
    assert settings.subgraph_urls == {"users": "http://users:4001/graphql"}
    assert settings.subgraph_timeouts == {"users": 2.5}
    assert settings.limits.max_depth == 4
    assert settings.limits.max_aliases == 3
    assert settings.limits.cost_map["Query.users"].multipliers == ["first"]


def test_json_config_and_shared_redis_url(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    config = tmp_path / "router.json"
    config.write_text(
        '{"cors_origins": ["https://app.example"], "limits": {"introspection": false}}'
    )
    monkeypatch.setenv("REALIO_REDIS_URL", "redis://cache:6379/1")

    settings = load_settings(config)

    assert settings.cors_origins == ["https://app.example"]
    assert settings.redis_url == "redis://cache:6379/1"
    assert settings.limits.introspection is False


def test_defaults(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("REALIO_REDIS_URL", raising=False)
    settings = load_settings()

    assert settings.port == 4000
    assert settings.supergraph == Path("schema/supergraph.graphql")
    assert settings.query_plan_header_enabled is False
    assert settings.redis_url is None


def test_serve_refuses_a_missing_supergraph(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    status = main(["--supergraph", str(tmp_path / "missing.graphql"), "--port", "0"])

    assert status == 2
    assert "missing.graphql does not exist" in capsys.readouterr().err


def test_serve_refuses_an_unknown_config_format(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    config = tmp_path / "router.ini"
    config.write_text("[x]")

    assert main(["--config", str(config)]) == 2
    assert "unsupported format" in capsys.readouterr().err


def test_serve_refuses_a_supergraph_that_does_not_load(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    supergraph = tmp_path / "broken.graphql"
    supergraph.write_text("type Query {")

    assert main(["--supergraph", str(supergraph)]) == 1
    assert "cannot serve" in capsys.readouterr().err


async def test_python_m_router_serves_the_supergraph_with_url_overrides(
    graph: Graph, client: httpx.AsyncClient
) -> None:
    env = {**os.environ, "REALIO_ROUTER_SUBGRAPH_URLS": json.dumps(graph.urls)}
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "router",
        "--supergraph",
        str(SUPERGRAPH_FILE),
        "--port",
        "0",
        env=env,
        stdout=asyncio.subprocess.PIPE,
    )
    try:
        assert process.stdout is not None
        url = None
        async with asyncio.timeout(30):
            while url is None:
                line = (await process.stdout.readline()).decode()
                assert line, "router exited before it started"
                # Logs are JSON lines on stdout, uvicorn's included.
                found = re.search(r"Uvicorn running on (http://\S+)", json.loads(line)["msg"])
                url = found.group(1) if found else None
        health = await client.get(url + "/health")
        query = await client.post(url + "/graphql", json={"query": "{ me { name } }"})
    finally:
        process.terminate()
        await asyncio.wait_for(process.wait(), 10)

    assert health.json() == {"status": "ok"}
    assert query.json() == {"data": {"me": {"name": "Ada"}}}
    assert graph.cluster.counts()["users"] == 1
