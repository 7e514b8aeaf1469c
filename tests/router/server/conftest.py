"""Fixtures: the users and messages subgraphs on loopback, and routers started on port 0."""

from __future__ import annotations

import asyncio
import contextlib
import socket
from collections.abc import AsyncIterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
import uvicorn

from common.auth.tokens import TokenVerifier
from router.config import RouterSettings
from router.gateway import Gateway
from router.server.app import create_app
from router.server.operation import ConnectHook
from tests.router.harness import SubgraphCluster
from tests.router.server.subgraphs import MessagesFeed, messages_app, users_app
from tests.router.server.tokens import TOKENS

SUPERGRAPH = (Path(__file__).parent / "supergraph.graphql").read_text()


@dataclass
class Graph:
    """The running subgraphs and the messages feed."""

    cluster: SubgraphCluster
    feed: MessagesFeed

    @property
    def urls(self) -> dict[str, str]:
        return self.cluster.urls


@dataclass
class RunningRouter:
    """A router served by uvicorn on loopback."""

    url: str
    settings: RouterSettings
    app: Any = None  # the ASGI app (its ``state.router`` for tests that look inside)

    @property
    def graphql(self) -> str:
        return self.url + "/graphql"

    @property
    def ws(self) -> str:
        return "ws" + self.url[len("http") :] + "/graphql"


@pytest.fixture(scope="package")
async def graph() -> AsyncIterator[Graph]:
    feed = MessagesFeed()
    async with SubgraphCluster({"users": users_app(), "messages": messages_app(feed)}) as cluster:
        yield Graph(cluster, feed)


@pytest.fixture(autouse=True)
def _fresh_graph(graph: Graph) -> None:
    graph.cluster.reset()
    graph.feed.reset()


@contextlib.asynccontextmanager
async def serve_app(app: Any) -> AsyncIterator[str]:
    """Serve an ASGI app on a loopback port chosen by the OS; yields its base URL."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))
    sock.listen(128)
    port = sock.getsockname()[1]
    # proxy_headers off, as `python -m router` runs: the peer is the connection's address.
    config = uvicorn.Config(
        app, lifespan="on", log_level="warning", access_log=False, proxy_headers=False
    )
    server = uvicorn.Server(config)
    task = asyncio.create_task(server.serve(sockets=[sock]))
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        await asyncio.wait_for(task, timeout=10)
        sock.close()


@contextlib.asynccontextmanager
async def running_router(
    graph: Graph,
    *,
    gateway: Gateway | None = None,
    on_connect: ConnectHook | None = None,
    urls: Mapping[str, str | Sequence[str]] | None = None,
    verifier: TokenVerifier | None = TOKENS.verifier,
    **overrides: Any,
) -> AsyncIterator[RunningRouter]:
    """A router in front of ``graph`` with ``overrides`` applied to its settings.

    WebSocket tokens are checked by ``verifier`` (by default, one that accepts ``TOKENS``).
    """
    settings = RouterSettings(subgraph_urls=urls or graph.urls, **overrides)
    app = create_app(
        settings,
        gateway=gateway,
        supergraph_sdl=SUPERGRAPH,
        on_connect=on_connect,
        token_verifier=verifier,
    )
    async with serve_app(app) as url:
        yield RunningRouter(url, settings, app)


@pytest.fixture(scope="package")
async def router(graph: Graph) -> AsyncIterator[RunningRouter]:
    """A router with default settings, shared by the tests that need nothing special."""
    async with running_router(graph, query_plan_header_enabled=True) as running:
        yield running


@pytest.fixture(scope="package")
async def client() -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(timeout=10, trust_env=False) as http:
        yield http
