"""A local HTTP server that records what it receives, standing in for a third party's API
(Sentry's envelope endpoint, GA4's Measurement Protocol, Google's Geocoding API)."""

from __future__ import annotations

import asyncio
import gzip
import zlib
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from tests.support.servers import serve_asgi


@dataclass(frozen=True)
class Received:
    method: str
    path: str
    query: dict[str, str]
    headers: dict[str, str]
    body: bytes


@dataclass
class Recorder:
    """Every request so far; ``wait_for`` returns once enough of them match."""

    requests: list[Received] = field(default_factory=list)
    changed: asyncio.Condition = field(default_factory=asyncio.Condition)

    async def wait_for(
        self, match: Callable[[Received], bool], count: int = 1, timeout: float = 15
    ) -> list[Received]:
        def matching() -> list[Received]:
            return [r for r in self.requests if match(r)]

        async with self.changed:
            await asyncio.wait_for(self.changed.wait_for(lambda: len(matching()) >= count), timeout)
        return matching()


def _decoded(body: bytes, encoding: str) -> bytes:
    if encoding == "gzip":
        return gzip.decompress(body)
    if encoding == "deflate":
        return zlib.decompress(body)
    if encoding == "br":
        import brotli

        return bytes(brotli.decompress(body))
    return body


Responder = Callable[[Received], Response]


@asynccontextmanager
async def recording_server(
    respond: Responder | None = None,
) -> AsyncIterator[tuple[str, Recorder]]:
    """Serve on loopback; yields the base URL and the recorder. ``respond`` picks the answer
    (``{}`` with 200 by default)."""
    recorder = Recorder()

    async def endpoint(request: Request) -> Response:
        body = _decoded(await request.body(), request.headers.get("content-encoding", ""))
        received = Received(
            request.method,
            request.url.path,
            dict(request.query_params),
            dict(request.headers),
            body,
        )
        async with recorder.changed:
            recorder.requests.append(received)
            recorder.changed.notify_all()
        return respond(received) if respond else JSONResponse({})

    app = Starlette(routes=[Route("/{path:path}", endpoint, methods=["GET", "POST"])])
    async with serve_asgi(app) as url:
        yield url, recorder
