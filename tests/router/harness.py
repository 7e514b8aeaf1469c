"""Run test subgraphs (any ASGI app) on loopback and count the requests each one receives.

Usage::

    async with SubgraphCluster({"users": users_app, "reviews": reviews_app}) as cluster:
        gateway = Gateway(sdl, subgraph_urls=cluster.urls)
        ...
        assert cluster.counts() == {"users": 1, "reviews": 1}

Servers bind port 0 on 127.0.0.1 (the socket is bound before uvicorn starts, so the URL is
usable immediately and connections queue until the server accepts them).
"""

from __future__ import annotations

import asyncio
import socket
from collections.abc import Awaitable, Callable, Mapping, MutableMapping
from dataclasses import dataclass, field
from types import TracebackType
from typing import Any

import orjson
import uvicorn
from graphql import GraphQLSchema, graphql

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]


@dataclass
class RecordedRequest:
    """One HTTP request or WebSocket connection a subgraph received."""

    method: str
    path: str
    headers: dict[str, str]
    body: bytes = b""

    def json(self) -> Any:
        """The request body parsed as JSON."""
        return orjson.loads(self.body)


@dataclass
class RunningSubgraph:
    """A started subgraph: its URL and what it received."""

    name: str
    url: str
    requests: list[RecordedRequest] = field(default_factory=list)
    websocket_connections: int = 0

    @property
    def count(self) -> int:
        """Number of HTTP requests received since the last reset."""
        return len(self.requests)

    @property
    def queries(self) -> list[str]:
        """The GraphQL query text of every JSON POST received."""
        return [r.json().get("query", "") for r in self.requests if r.method == "POST"]

    def reset(self) -> None:
        """Forget recorded requests."""
        self.requests.clear()
        self.websocket_connections = 0


def recording_app(app: ASGIApp, record: RunningSubgraph) -> ASGIApp:
    """Wrap an ASGI app so every request (with its body) is recorded in ``record``."""

    async def wrapped(scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "websocket":
            record.websocket_connections += 1
            await app(scope, receive, send)
            return
        if scope["type"] != "http":
            await app(scope, receive, send)
            return
        headers = {k.decode("latin-1"): v.decode("latin-1") for k, v in scope["headers"]}
        entry = RecordedRequest(scope["method"], scope["path"], headers)
        record.requests.append(entry)
        chunks: list[bytes] = []

        async def recording_receive() -> Message:
            message = await receive()
            if message["type"] == "http.request":
                chunks.append(message.get("body", b""))
                if not message.get("more_body", False):
                    entry.body = b"".join(chunks)
            return message

        await app(scope, recording_receive, send)

    return wrapped


class SubgraphCluster:
    """Start several ASGI apps on loopback; an async context manager."""

    def __init__(self, apps: Mapping[str, ASGIApp], *, path: str = "/graphql") -> None:
        self._apps = dict(apps)
        self._path = path
        self.subgraphs: dict[str, RunningSubgraph] = {}
        self._servers: list[tuple[uvicorn.Server, asyncio.Task[None], socket.socket]] = []

    async def __aenter__(self) -> SubgraphCluster:
        for name, app in self._apps.items():
            sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            sock.bind(("127.0.0.1", 0))
            sock.listen(128)
            port = sock.getsockname()[1]
            record = RunningSubgraph(name, f"http://127.0.0.1:{port}{self._path}")
            config = uvicorn.Config(
                recording_app(app, record), lifespan="off", log_level="warning", access_log=False
            )
            server = uvicorn.Server(config)
            task = asyncio.create_task(server.serve(sockets=[sock]))
            self._servers.append((server, task, sock))
            self.subgraphs[name] = record
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        for server, _task, _sock in self._servers:
            server.should_exit = True
        for _server, task, sock in self._servers:
            await asyncio.wait_for(task, timeout=10)
            sock.close()
        self._servers.clear()

    def __getitem__(self, name: str) -> RunningSubgraph:
        return self.subgraphs[name]

    @property
    def urls(self) -> dict[str, str]:
        """Subgraph name → URL, suitable for ``Gateway(subgraph_urls=...)``."""
        return {name: sub.url for name, sub in self.subgraphs.items()}

    def counts(self) -> dict[str, int]:
        """Subgraph name → HTTP requests received since the last reset (zeros included)."""
        return {name: sub.count for name, sub in self.subgraphs.items()}

    def reset(self) -> None:
        """Forget every subgraph's recorded requests."""
        for sub in self.subgraphs.values():
            sub.reset()


def graphql_app(
    schema: GraphQLSchema,
    *,
    root_value: Any = None,
    delay: asyncio.Event | None = None,
    status: int = 200,
) -> ASGIApp:
    """A minimal GraphQL-over-HTTP ASGI app serving a graphql-core schema.

    ``delay``: when given, each request waits for the event before answering (for timeout
    tests, set it never). ``status``: a non-200 status makes the app fail every request.
    """

    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        assert scope["type"] == "http"
        body = b""
        while True:
            message = await receive()
            body += message.get("body", b"")
            if not message.get("more_body", False):
                break
        if delay is not None:
            await delay.wait()
        if status != 200:
            payload = b"subgraph unavailable"
            ctype = b"text/plain"
        else:
            request = orjson.loads(body)
            result = await graphql(
                schema,
                request["query"],
                root_value=root_value,
                variable_values=request.get("variables"),
                operation_name=request.get("operationName"),
                context_value={"headers": dict(scope["headers"])},
            )
            payload = orjson.dumps(result.formatted)
            ctype = b"application/json"
        await send(
            {
                "type": "http.response.start",
                "status": status,
                "headers": [(b"content-type", ctype)],
            }
        )
        await send({"type": "http.response.body", "body": payload})

    return app
