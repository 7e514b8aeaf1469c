"""Client-facing errors and the public /ready say which subgraph failed, never where it runs
or what the exception said; those details go to the log with the request id."""

from __future__ import annotations

import logging
import socket
from collections.abc import AsyncIterator

import pytest

from router.config import RouterSettings
from router.server.app import create_app
from tests.support.graph import Graph
from tests.support.servers import serve_asgi


def _closed_port() -> int:
    # Bind then close: nothing listens there afterwards, so connections are refused.
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
    return port


@pytest.fixture
async def router_with_users_down(graph: Graph) -> AsyncIterator[tuple[str, int]]:
    """A router in front of the graph whose users subgraph is not listening."""
    port = _closed_port()
    urls = {name: f"{url}/graphql" for name, url in graph.subgraph_urls.items()}
    urls["users"] = f"http://127.0.0.1:{port}/graphql"
    app = create_app(RouterSettings(subgraph_urls=urls), supergraph_sdl=graph.supergraph_sdl)
    async with serve_asgi(app) as url:
        yield url, port


async def test_a_subgraph_that_is_down_is_named_without_its_address(
    graph: Graph, router_with_users_down: tuple[str, int], caplog: pytest.LogCaptureFixture
) -> None:
    url, port = router_with_users_down

    with caplog.at_level(logging.WARNING, logger="router.execution"):
        response = await graph.http.post(
            f"{url}/graphql",
            json={"query": "{ me { id } }"},
            headers={"x-request-id": "leak-check-1"},
        )

    text = response.text
    errors = response.json()["errors"]
    [error] = [e for e in errors if e["extensions"]["code"] == "SUBREQUEST_HTTP_ERROR"]
    assert error["extensions"] == {
        "code": "SUBREQUEST_HTTP_ERROR",
        "service": "users",
        "reason": "could not connect",
    }
    assert error["message"] == "HTTP fetch failed from 'users': could not connect"
    for secret in ("127.0.0.1", str(port), "Errno", "refused"):
        assert secret not in text
    logged = [r.getMessage() for r in caplog.records if "leak-check-1" in r.getMessage()]
    assert logged and f"127.0.0.1:{port}" in logged[0]


async def test_public_ready_names_the_failing_subgraph_without_its_address(
    graph: Graph, router_with_users_down: tuple[str, int], caplog: pytest.LogCaptureFixture
) -> None:
    url, port = router_with_users_down

    with caplog.at_level(logging.WARNING, logger="router.server"):
        response = await graph.http.get(f"{url}/ready", headers={"x-request-id": "leak-check-2"})

    assert response.status_code == 503
    body = response.json()
    assert body["unavailable"] == ["users"]
    assert body["subgraphs"]["users"] == "could not connect"
    assert body["subgraphs"]["properties"] == "ok"
    for secret in ("127.0.0.1", str(port), "Errno", "Connector"):
        assert secret not in response.text
    logged = [r.getMessage() for r in caplog.records if "leak-check-2" in r.getMessage()]
    assert logged and str(port) in logged[0]
