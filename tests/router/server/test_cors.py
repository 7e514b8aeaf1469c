"""CORS: none unless configured, local origins under `make run`, the README's example as written."""

from __future__ import annotations

import re
import shlex

import httpx
import orjson
import pytest

from common.launcher import DEVELOPMENT_CORS_ORIGIN_REGEX, router_environment
from tests.router.server.conftest import Graph, RunningRouter, running_router
from tests.support.readme import readme_block

PREFLIGHT = {
    "access-control-request-method": "POST",
    "access-control-request-headers": "content-type, authorization",
}


def _readme_preflight() -> tuple[str, dict[str, str]]:
    """The method and headers of the README's curl preflight."""
    words = shlex.split(readme_block("sh", "curl -i -X OPTIONS").replace("\\\n", " "))
    method = words[words.index("-X") + 1]
    headers = {}
    for index, word in enumerate(words):
        if word == "-H":
            name, _, value = words[index + 1].partition(":")
            headers[name.strip().lower()] = value.strip()
    return method, headers


async def test_readme_cors_example_allows_the_listed_origin(
    graph: Graph, client: httpx.AsyncClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    command = readme_block("sh", "REALIO_ROUTER_CORS_ORIGINS=")
    assignment = re.search(r"REALIO_ROUTER_CORS_ORIGINS=('[^']*')", command)
    assert assignment is not None
    monkeypatch.setenv("REALIO_ROUTER_CORS_ORIGINS", shlex.split(assignment.group(1))[0])
    method, headers = _readme_preflight()
    async with running_router(graph) as router:
        preflight = await client.request(method, router.graphql, headers=headers)
        query = await client.post(
            router.graphql, json={"query": "{ me { id } }"}, headers={"origin": headers["origin"]}
        )

    assert preflight.status_code == 200
    assert preflight.headers["access-control-allow-origin"] == "https://app.example.com"
    assert preflight.headers["access-control-allow-credentials"] == "true"
    allowed = preflight.headers["access-control-allow-headers"].lower()
    for name in ("content-type", "authorization", "apollo-require-preflight"):
        assert name in allowed
    assert query.headers["access-control-allow-origin"] == "https://app.example.com"
    assert orjson.loads(query.content) == {"data": {"me": {"id": "1"}}}


async def test_without_configuration_no_origin_is_allowed(
    router: RunningRouter, client: httpx.AsyncClient
) -> None:
    preflight = await client.options(
        router.graphql, headers={**PREFLIGHT, "origin": "http://localhost:5173"}
    )
    query = await client.post(
        router.graphql, json={"query": "{ me { id } }"}, headers={"origin": "http://localhost:5173"}
    )

    assert "access-control-allow-origin" not in preflight.headers
    assert preflight.status_code == 405
    assert "access-control-allow-origin" not in query.headers


@pytest.mark.parametrize(
    ("origin", "allowed"),
    [
        ("http://localhost:5173", True),
        ("http://127.0.0.1:3000", True),
        ("http://[::1]:8080", True),
        ("http://localhost", True),
        ("https://localhost:4443", True),
        ("http://localhost.evil.test", False),
        ("https://app.example.com", False),
    ],
)
async def test_make_run_allows_local_development_origins_only(
    graph: Graph, client: httpx.AsyncClient, origin: str, allowed: bool
) -> None:
    env = router_environment({})
    async with running_router(
        graph, cors_origin_regex=env["REALIO_ROUTER_CORS_ORIGIN_REGEX"]
    ) as router:
        preflight = await client.options(router.graphql, headers={**PREFLIGHT, "origin": origin})

    assert (preflight.headers.get("access-control-allow-origin") == origin) is allowed


def test_configured_cors_replaces_the_make_run_default() -> None:
    listed = {"REALIO_ROUTER_CORS_ORIGINS": '["https://app.example.com"]'}

    assert router_environment(listed) == listed
    assert router_environment({})["REALIO_ROUTER_CORS_ORIGIN_REGEX"] == (
        DEVELOPMENT_CORS_ORIGIN_REGEX
    )
