"""graphql-transport-ws client: how the router opens subscriptions on a subgraph.

Subscriptions are multiplexed: every subscription the router opens on one subgraph with the
same credentials (the ``connection_init`` payload and the ``authorization`` header, i.e. one
viewer's token) shares one WebSocket connection, each under its own operation id. The
subgraph authenticates a connection once, in ``connection_init``, so only subscriptions that
would have sent the same credentials share one: a viewer never runs on another's connection.
The connection opens with the first such subscription and closes when the last one ends.

Closing a stream's iterator (``aclose()``) sends ``complete`` for its id only; the others on
the connection go on. Each stream buffers at most ``queue_size`` events: when a client reads
slower than its events arrive, the connection's reader waits for it (back-pressure on that
viewer's connection) rather than holding an unbounded backlog in the router.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import logging
from collections.abc import AsyncIterator, Mapping
from typing import Any

import orjson
from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosed, InvalidHandshake, InvalidURI

from router import json_codec
from router.forwarding import only_forwarded

logger = logging.getLogger("router.transport.websocket")
PROTOCOL = "graphql-transport-ws"
# Frames larger than this from a subgraph close the connection (websockets' default is 1 MiB).
MAX_FRAME_BYTES = 1 << 20

ConnectionKey = tuple[str, bytes, str | None]


class SubscriptionTransportError(Exception):
    """The subgraph subscription could not be opened or ended abnormally."""


def websocket_url(url: str) -> str:
    """The WebSocket URL of a subgraph's HTTP URL (``http`` → ``ws``, ``https`` → ``wss``)."""
    if url.startswith("https://"):
        return "wss://" + url[len("https://") :]
    if url.startswith("http://"):
        return "ws://" + url[len("http://") :]
    return url


class _End:
    """Queued after a stream's last event: the subgraph completed it or the connection ended."""

    __slots__ = ()


_END = _End()


class _Stream:
    """One subscription on a shared connection: its operation id and its bounded buffer."""

    __slots__ = ("operation_id", "queue", "finished")

    def __init__(self, operation_id: str, queue_size: int) -> None:
        self.operation_id = operation_id
        self.queue: asyncio.Queue[dict[str, Any] | _End] = asyncio.Queue(queue_size)
        # True once the subgraph ended it (complete or error) or the connection closed.
        self.finished = False


class _Connection:
    """One WebSocket connection to a subgraph and the subscriptions multiplexed on it."""

    def __init__(
        self, transport: WebSocketSubscriptionTransport, key: ConnectionKey, url: str
    ) -> None:
        self.transport = transport
        self.key = key
        self.url = url
        self.socket: ClientConnection | None = None
        self.streams: dict[str, _Stream] = {}
        self.ids = itertools.count(1)
        self.reader: asyncio.Task[None] | None = None
        self.closed = False

    async def open(
        self, headers: Mapping[str, str], connection_params: Mapping[str, Any] | None
    ) -> None:
        transport = self.transport
        self.socket = socket = await connect(
            websocket_url(self.url),
            subprotocols=[PROTOCOL],  # type: ignore[list-item]
            additional_headers=headers,
            open_timeout=transport.open_timeout,
            proxy=None,
            compression=None,
            max_size=MAX_FRAME_BYTES,
        )
        try:
            init: dict[str, Any] = {"type": "connection_init"}
            if connection_params is not None:
                init["payload"] = dict(connection_params)
            await _send(socket, init)
            try:
                async with asyncio.timeout(transport.ack_timeout):
                    while True:
                        message = orjson.loads(await socket.recv())
                        if message.get("type") == "connection_ack":
                            break
                        if message.get("type") == "ping":
                            await _send(socket, {"type": "pong"})
            except TimeoutError as exc:
                raise SubscriptionTransportError(
                    "subgraph did not acknowledge the connection"
                ) from exc
        except BaseException:
            await _close_quietly(socket)
            raise
        self.reader = asyncio.ensure_future(self._read())

    async def start(self, query: str, variables: Mapping[str, Any]) -> _Stream:
        """Subscribe under a new operation id on this connection."""
        stream = _Stream(str(next(self.ids)), self.transport.queue_size)
        if self.closed:
            # Closed since it was taken from the pool: the stream ends as its streams did.
            stream.finished = True
            assert self.socket is not None
            _put_final(stream, _closed_error(self.url, self.socket))
            return stream
        self.streams[stream.operation_id] = stream
        payload = {"query": query, "variables": dict(variables)}
        assert self.socket is not None
        try:
            await _send(
                self.socket,
                {"id": stream.operation_id, "type": "subscribe", "payload": payload},
            )
        except ConnectionClosed:
            pass  # the reader ends every stream of the connection with the close error
        return stream

    async def _read(self) -> None:
        socket = self.socket
        assert socket is not None
        try:
            async for raw in socket:
                message = orjson.loads(raw)
                kind = message.get("type")
                if kind == "ping":
                    await _send(socket, {"type": "pong"})
                    continue
                stream = self.streams.get(message.get("id"))
                if stream is None or stream.finished:
                    continue  # an operation the router already completed
                if kind == "next":
                    await stream.queue.put(message.get("payload") or {})
                elif kind == "error":
                    stream.finished = True
                    await stream.queue.put({"data": None, "errors": message.get("payload") or []})
                    await stream.queue.put(_END)
                elif kind == "complete":
                    stream.finished = True
                    await stream.queue.put(_END)
        except ConnectionClosed:
            pass
        except Exception:
            # A frame that is not graphql-transport-ws JSON: this connection is unusable.
            logger.warning("invalid message from subgraph %s", self.url, exc_info=True)
            await _close_quietly(socket)
        finally:
            self._forget()
            error = _closed_error(self.url, socket)
            for stream in list(self.streams.values()):
                if not stream.finished:
                    stream.finished = True
                    _put_final(stream, error)

    def _forget(self) -> None:
        """Take this connection out of the pool: later subscriptions open a new one."""
        self.closed = True
        if self.transport._connections.get(self.key) is self:
            del self.transport._connections[self.key]

    async def release(self, stream: _Stream) -> None:
        """The router is done with ``stream``: complete it upstream; close when it was the last."""
        self.streams.pop(stream.operation_id, None)
        # Unblocks the reader if it waits to buffer an event for this stream; what it then
        # buffers, and anything later for this id, is dropped with the stream.
        while not stream.queue.empty():
            stream.queue.get_nowait()
        socket = self.socket
        assert socket is not None
        last = not self.streams
        if last:
            self._forget()

        async def finish() -> None:
            try:
                if not stream.finished:
                    await _send(socket, {"id": stream.operation_id, "type": "complete"})
                if last:
                    await socket.close()
            except (ConnectionClosed, OSError):
                pass
            if last and self.reader is not None:
                await asyncio.gather(self.reader, return_exceptions=True)

        # Shielded: this runs when the client's task is being cancelled, and the subgraph
        # must still hear that the subscription is over.
        task = asyncio.ensure_future(finish())
        try:
            await asyncio.shield(task)
        except asyncio.CancelledError:
            await asyncio.wait({task}, timeout=1.0)
            raise


class WebSocketSubscriptionTransport:
    """Implements the gateway's ``SubscriptionTransport`` over graphql-transport-ws, one
    connection per subgraph and credentials (see the module docstring)."""

    def __init__(
        self, *, ack_timeout: float = 10.0, open_timeout: float = 10.0, queue_size: int = 16
    ) -> None:
        self.ack_timeout = ack_timeout
        self.open_timeout = open_timeout
        self.queue_size = queue_size
        self._connections: dict[ConnectionKey, _Connection] = {}
        # Connections being opened: a second subscription with the same key waits for it.
        self._opening: dict[ConnectionKey, asyncio.Future[None]] = {}

    @property
    def connection_count(self) -> int:
        """Open upstream connections (for tests and metrics)."""
        return len(self._connections)

    async def subscribe(
        self,
        url: str,
        query: str,
        variables: Mapping[str, Any] | None,
        *,
        connection_params: Mapping[str, Any] | None = None,
        headers: Mapping[str, str] | None = None,
    ) -> AsyncIterator[dict[str, Any]]:
        """Yield each ``next`` payload of the subscription ``query`` on the subgraph at ``url``.

        A subgraph ``error`` message is yielded once as ``{"errors": [...]}`` and ends the
        stream; so does a connection that closes before ``complete``.
        """
        handshake_headers = only_forwarded(headers or {})
        key: ConnectionKey = (
            url,
            json_codec.dumps(connection_params) if connection_params is not None else b"",
            handshake_headers.get("authorization"),
        )
        try:
            connection = await self._connection(key, url, handshake_headers, connection_params)
        except SubscriptionTransportError as exc:
            yield _failed(str(exc), exc)
            return
        except (OSError, InvalidHandshake, InvalidURI, TimeoutError, ConnectionClosed) as exc:
            # An event rather than an exception: the client gets a GraphQL error and complete.
            yield _failed("could not connect", exc)
            return
        stream = await connection.start(query, variables or {})
        try:
            while True:
                item = await stream.queue.get()
                if isinstance(item, _End):
                    return
                yield item
        finally:
            await connection.release(stream)

    async def _connection(
        self,
        key: ConnectionKey,
        url: str,
        headers: Mapping[str, str],
        connection_params: Mapping[str, Any] | None,
    ) -> _Connection:
        while True:
            existing = self._connections.get(key)
            if existing is not None and not existing.closed:
                return existing
            pending = self._opening.get(key)
            if pending is None:
                break
            # Another subscription is opening this connection: use it once open, or (if that
            # failed) try for ourselves. wait() neither raises its outcome nor cancels it.
            await asyncio.wait({pending})
        opened: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._opening[key] = opened
        connection = _Connection(self, key, url)
        try:
            await connection.open(headers, connection_params)
            self._connections[key] = connection
        finally:
            del self._opening[key]
            opened.set_result(None)
        return connection


def _put_final(stream: _Stream, error: dict[str, Any]) -> None:
    """Queue ``error`` then the end, dropping buffered events if the buffer is full: the
    stream is over, and its reader must learn it without waiting."""
    while True:
        try:
            stream.queue.put_nowait(error)
            break
        except asyncio.QueueFull:
            with contextlib.suppress(asyncio.QueueEmpty):
                stream.queue.get_nowait()
    while True:
        try:
            stream.queue.put_nowait(_END)
            return
        except asyncio.QueueFull:
            with contextlib.suppress(asyncio.QueueEmpty):
                stream.queue.get_nowait()


def _failed(reason: str, exc: BaseException) -> dict[str, Any]:
    logger.warning("subgraph subscription failed: %s", exc)
    return {
        "data": None,
        "errors": [
            {
                "message": f"The subscription could not be opened on the subgraph ({reason}).",
                "extensions": {"code": "SUBSCRIPTION_CONNECTION_FAILED"},
            }
        ],
    }


# Close codes a subgraph uses to refuse the client's credentials, as GraphQL error codes.
_CLOSE_CODES = {4401: "UNAUTHENTICATED", 4403: "FORBIDDEN"}


def _closed_error(url: str, socket: ClientConnection) -> dict[str, Any]:
    code = socket.close_code
    reason = socket.close_reason or ""
    logger.info("subgraph subscription connection to %s closed: %s %s", url, code, reason)
    # The close code only: the subgraph's reason text stays in the log.
    return {
        "data": None,
        "errors": [
            {
                "message": f"The subgraph closed the subscription connection ({code}).",
                "extensions": {
                    "code": _CLOSE_CODES.get(code or 0, "SUBSCRIPTION_CONNECTION_CLOSED"),
                    "closeCode": code,
                },
            }
        ],
    }


async def _close_quietly(socket: ClientConnection) -> None:
    with contextlib.suppress(ConnectionClosed, OSError):
        await socket.close()


async def _send(socket: ClientConnection, message: Mapping[str, Any]) -> None:
    await socket.send(json_codec.dumps(message).decode())
