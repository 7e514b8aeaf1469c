"""A lean HTTP/1.1 client for subgraph fetches: pooled keep-alive connections, POST only.

Why not aiohttp or httpx (decision 0007): the router's budget is under 1 ms of overhead per
cached single-subgraph query, and one subgraph POST through aiohttp costs about 110-150 µs of
router CPU (httpx about 1 ms) against about 20-40 µs for the same exchange written directly on
an asyncio protocol with httptools (uvicorn's parser) reading the response. A subgraph fetch
needs little of a general client: one method, JSON bodies, no cookies, redirects, proxies,
compression or multipart. What it does need is here:

- a pool of idle keep-alive connections per origin (host, port, scheme), reused newest first;
  a connection idle for longer than ``keepalive_seconds`` is dropped instead of reused, so a
  request is never sent on a connection the subgraph is about to close (servers close idle
  connections after ~5 s; uvicorn's default), and a POST is never retried, since a mutation
  must not run twice;
- at most ``max_connections`` connections per origin at once (more requests wait for one);
- response bodies framed by Content-Length, chunked transfer coding or the connection's end,
  bounded by ``max_response_bytes``; ``Connection: close`` and HTTP/1.0 honoured;
- TLS for ``https`` subgraphs (the default context, or one given);
- every failure (refused, reset, malformed, too large) as :class:`HttpFetchError`; a request
  interrupted by a timeout or a cancellation closes its connection, whose state is unknown.
"""

from __future__ import annotations

import asyncio
import socket
import ssl
import time
from collections.abc import Mapping
from dataclasses import dataclass
from typing import cast
from urllib.parse import urlsplit

import httptools

DEFAULT_KEEPALIVE_SECONDS = 4.0
DEFAULT_MAX_CONNECTIONS = 100
DEFAULT_MAX_RESPONSE_BYTES = 64 * 1024 * 1024


class HttpFetchError(Exception):
    """The exchange failed: the subgraph could not be reached or did not answer in HTTP."""


class HttpConnectError(HttpFetchError):
    """No connection could be opened: nothing was sent, so another instance may be tried."""


@dataclass(frozen=True)
class Response:
    status: int
    reason: str
    body: bytes


@dataclass(frozen=True)
class Target:
    """A parsed subgraph URL: where to connect and what to put on the request line."""

    scheme: str
    host: str
    port: int
    path: bytes
    host_header: bytes

    @classmethod
    def parse(cls, url: str) -> Target:
        parts = urlsplit(url)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise ValueError(f"not an http(s) URL: {url!r}")
        default_port = 443 if parts.scheme == "https" else 80
        port = parts.port or default_port
        path = parts.path or "/"
        if parts.query:
            path = f"{path}?{parts.query}"
        host = parts.hostname
        shown = f"[{host}]" if ":" in host else host
        host_header = shown if port == default_port else f"{shown}:{port}"
        return cls(parts.scheme, host, port, path.encode("ascii"), host_header.encode("idna"))

    @property
    def origin(self) -> tuple[str, str, int]:
        return (self.scheme, self.host, self.port)


class _Connection(asyncio.Protocol):
    """One keep-alive connection; one request at a time (no pipelining)."""

    def __init__(self, max_response_bytes: int, loop: asyncio.AbstractEventLoop) -> None:
        self.max_response_bytes = max_response_bytes
        # Futures come from this loop: no running-loop lookup (a getpid() call) per request.
        self._loop = loop
        self.transport: asyncio.Transport | None = None
        self.closed = False
        self.lost = asyncio.Event()  # set once the connection has ended, for whatever reason
        self.idle_since = 0.0
        self._callback_error: HttpFetchError | None = None
        self._parser = httptools.HttpResponseParser(self)
        self._waiter: asyncio.Future[Response] | None = None
        self._reset_message()

    def _reset_message(self) -> None:
        self._reason = b""
        self._body: list[bytes] = []
        self._size = 0
        self._headers_done = False
        self._framed = False  # Content-Length or chunked: the end is known without EOF

    # -- asyncio.Protocol ---------------------------------------------------------------------

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        # uvloop's transports are not asyncio.Transport subclasses, though they behave as one.
        self.transport = cast(asyncio.Transport, transport)
        sock = transport.get_extra_info("socket")
        if sock is not None and sock.family in (socket.AF_INET, socket.AF_INET6):
            # Small requests go out at once, not held back waiting for an ACK (Nagle).
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

    def data_received(self, data: bytes) -> None:
        if self._waiter is None:
            # Bytes nobody asked for (a late answer to a timed-out request): unusable.
            self.close()
            return
        try:
            self._parser.feed_data(data)
        except httptools.HttpParserError as exc:
            # A callback's own error (too large) reaches here wrapped by the parser.
            error = self._callback_error or HttpFetchError(f"malformed HTTP response: {exc}")
            self._callback_error = None
            self._fail(error)

    def connection_lost(self, exc: Exception | None) -> None:
        self.closed = True
        self.lost.set()
        if self._waiter is None or self._waiter.done():
            return
        if self._headers_done and not self._framed:
            # The body ran until the connection's end: that end completes it.
            self._finish(keep_alive=False)
            return
        reason = f"{type(exc).__name__}: {exc}" if exc else "the connection closed"
        self._fail(HttpFetchError(f"{reason} before the response was complete"))

    # -- httptools callbacks ------------------------------------------------------------------

    def on_status(self, reason: bytes) -> None:
        self._reason += reason

    def on_header(self, name: bytes, value: bytes) -> None:
        lowered = name.lower()
        if lowered == b"content-length" or lowered == b"transfer-encoding":
            self._framed = True

    def on_headers_complete(self) -> None:
        self._headers_done = True

    def on_body(self, body: bytes) -> None:
        self._size += len(body)
        if self._size > self.max_response_bytes:
            limit = self.max_response_bytes
            self._callback_error = HttpFetchError(f"the response is larger than {limit} bytes")
            raise self._callback_error
        self._body.append(body)

    def on_message_complete(self) -> None:
        status = self._parser.get_status_code()
        if 100 <= status < 200:  # an interim response (100 Continue): the real one follows
            self._reset_message()
            return
        self._finish(keep_alive=self._parser.should_keep_alive())

    # -- the exchange -------------------------------------------------------------------------

    def _finish(self, *, keep_alive: bool) -> None:
        waiter, self._waiter = self._waiter, None
        response = Response(
            self._parser.get_status_code(),
            self._reason.decode("latin-1"),
            b"".join(self._body),
        )
        self._reset_message()
        if not keep_alive:
            self.close()
        if waiter is not None and not waiter.done():
            waiter.set_result(response)

    def _fail(self, error: HttpFetchError) -> None:
        waiter, self._waiter = self._waiter, None
        self.close()
        if waiter is not None and not waiter.done():
            waiter.set_exception(error)

    def send(self, request: bytes) -> asyncio.Future[Response]:
        assert self.transport is not None and self._waiter is None
        waiter = self._loop.create_future()
        self._waiter = waiter
        self.transport.write(request)
        return waiter

    def close(self) -> None:
        self.closed = True
        if self.transport is not None:
            self.transport.close()

    def usable(self, now: float, keepalive_seconds: float) -> bool:
        return (
            not self.closed
            and self.transport is not None
            and not self.transport.is_closing()
            and now - self.idle_since < keepalive_seconds
        )


class _Pool:
    """Connections to one origin: the idle ones, and a bound on how many exist at once."""

    def __init__(self, max_connections: int) -> None:
        self.idle: list[_Connection] = []
        self.slots = asyncio.Semaphore(max_connections)


class Http1Client:
    """POSTs over pooled keep-alive HTTP/1.1 connections; create and use it inside one loop."""

    def __init__(
        self,
        *,
        max_connections: int = DEFAULT_MAX_CONNECTIONS,
        keepalive_seconds: float = DEFAULT_KEEPALIVE_SECONDS,
        max_response_bytes: int = DEFAULT_MAX_RESPONSE_BYTES,
        ssl_context: ssl.SSLContext | None = None,
    ) -> None:
        self.max_connections = max_connections
        self.keepalive_seconds = keepalive_seconds
        self.max_response_bytes = max_response_bytes
        self._ssl_context = ssl_context
        self._pools: dict[tuple[str, str, int], _Pool] = {}
        self._closed = False

    async def post(self, target: Target, body: bytes, headers: Mapping[str, str]) -> Response:
        """Send one POST and return the whole response.

        Raises :class:`HttpFetchError` on any failure; a ``TimeoutError`` or cancellation from
        around the call interrupts it and closes the connection it was using.
        """
        if self._closed:
            raise HttpFetchError("the client is closed")
        request = _request_bytes(target, body, headers)
        pool = self._pools.get(target.origin)
        if pool is None:
            pool = self._pools[target.origin] = _Pool(self.max_connections)
        async with pool.slots:
            connection = self._idle_connection(pool) or await self._connect(target)
            try:
                response = await connection.send(request)
            except BaseException:
                connection.close()  # interrupted or failed mid-exchange: its state is unknown
                raise
            if self._closed:
                connection.close()
            elif not connection.closed:
                connection.idle_since = time.monotonic()
                pool.idle.append(connection)
            return response

    def _idle_connection(self, pool: _Pool) -> _Connection | None:
        now = time.monotonic()
        while pool.idle:
            connection = pool.idle.pop()
            if connection.usable(now, self.keepalive_seconds):
                return connection
            connection.close()
        return None

    async def _connect(self, target: Target) -> _Connection:
        loop = asyncio.get_running_loop()
        tls: ssl.SSLContext | None = None
        if target.scheme == "https":
            tls = self._ssl_context or ssl.create_default_context()
        try:
            _, protocol = await loop.create_connection(
                lambda: _Connection(self.max_response_bytes, loop),
                target.host,
                target.port,
                ssl=tls,
                server_hostname=target.host if tls is not None else None,
            )
        except (OSError, ssl.SSLError) as exc:
            raise HttpConnectError(f"cannot connect to {target.host}:{target.port}: {exc}") from exc
        return protocol

    async def aclose(self) -> None:
        """Close every idle connection; connections in use close when their request ends."""
        self._closed = True
        for pool in self._pools.values():
            for connection in pool.idle:
                connection.close()
            pool.idle.clear()


def _request_bytes(target: Target, body: bytes, headers: Mapping[str, str]) -> bytes:
    lines = [b"POST ", target.path, b" HTTP/1.1\r\nhost: ", target.host_header, b"\r\n"]
    for name, value in headers.items():
        if "\r" in value or "\n" in value or "\r" in name or "\n" in name or ":" in name:
            raise HttpFetchError(f"invalid header {name!r}: line breaks are not allowed")
        try:
            lines += (name.encode("latin-1"), b": ", value.encode("latin-1"), b"\r\n")
        except UnicodeEncodeError as exc:
            raise HttpFetchError(f"invalid header {name!r}: not Latin-1 text") from exc
    lines += (b"content-length: ", str(len(body)).encode(), b"\r\n\r\n", body)
    return b"".join(lines)
