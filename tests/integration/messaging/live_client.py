"""A graphql-transport-ws client for tests (subgraph or router), and an SSE reader.

Every wait is bounded (``WAIT``): a missing event fails the test instead of hanging it.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncGenerator, AsyncIterator, Mapping
from contextlib import asynccontextmanager
from typing import Any

import httpx
import orjson
from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosed

WAIT = 10.0


def ws_url(base_url: str) -> str:
    return base_url.replace("http://", "ws://", 1) + "/graphql"


class LiveSocket:
    """One graphql-transport-ws connection; messages are sorted by operation id."""

    def __init__(self, socket: ClientConnection) -> None:
        self.socket = socket
        self._queues: dict[str, asyncio.Queue[dict[str, Any]]] = {}
        self._reader = asyncio.ensure_future(self._read())
        self.closed = asyncio.Event()

    async def _read(self) -> None:
        try:
            async for raw in self.socket:
                message = orjson.loads(raw)
                if message.get("type") == "ping":
                    await self.send({"type": "pong"})
                    continue
                self._queue(str(message.get("id"))).put_nowait(message)
        except ConnectionClosed:
            pass
        finally:
            self.closed.set()

    def _queue(self, operation_id: str) -> asyncio.Queue[dict[str, Any]]:
        return self._queues.setdefault(operation_id, asyncio.Queue())

    async def send(self, message: Mapping[str, Any]) -> None:
        await self.socket.send(orjson.dumps(message).decode())

    async def subscribe(
        self, operation_id: str, query: str, variables: Mapping[str, Any] | None = None
    ) -> None:
        payload = {"query": query, "variables": dict(variables or {})}
        await self.send({"id": operation_id, "type": "subscribe", "payload": payload})

    async def receive(self, operation_id: str, timeout: float = WAIT) -> dict[str, Any]:
        """The next message (``next``, ``error`` or ``complete``) of an operation."""
        return await asyncio.wait_for(self._queue(operation_id).get(), timeout)

    async def next_data(self, operation_id: str, field: str) -> dict[str, Any]:
        """The data of the next ``next`` message, which must carry no errors."""
        message = await self.receive(operation_id)
        assert message["type"] == "next", message
        assert "errors" not in message["payload"], message["payload"]
        data: dict[str, Any] = message["payload"]["data"][field]
        return data

    async def complete(self, operation_id: str) -> None:
        await self.send({"id": operation_id, "type": "complete"})

    async def wait_closed(self) -> tuple[int | None, str | None]:
        await asyncio.wait_for(self.closed.wait(), WAIT)
        return self.socket.close_code, self.socket.close_reason

    async def close(self) -> None:
        await self.socket.close()
        self._reader.cancel()


@asynccontextmanager
async def live_socket(
    base_url: str, token: str | None, *, expect_ack: bool = True
) -> AsyncIterator[LiveSocket]:
    """A connection to ``{base_url}/graphql``, initialised with the token in connection_init."""
    socket = await connect(ws_url(base_url), subprotocols=["graphql-transport-ws"], proxy=None)  # type: ignore[list-item]
    live = LiveSocket(socket)
    try:
        init: dict[str, Any] = {"type": "connection_init"}
        if token is not None:
            init["payload"] = {"Authorization": f"Bearer {token}"}
        await live.send(init)
        if expect_ack:
            ack = await live.receive("None")
            assert ack == {"type": "connection_ack"}, ack
        yield live
    finally:
        await live.close()


async def sse_events(
    http: httpx.AsyncClient,
    url: str,
    query: str,
    variables: Mapping[str, Any],
    token: str,
) -> AsyncGenerator[dict[str, Any], None]:
    """The ``next`` payloads of a graphql-sse subscription (distinct connections mode)."""
    headers = {"accept": "text/event-stream", "authorization": f"Bearer {token}"}
    body = {"query": query, "variables": dict(variables)}
    async with http.stream("POST", url, json=body, headers=headers) as response:
        assert response.status_code == 200, await response.aread()
        event = ""
        async for line in response.aiter_lines():
            if line.startswith("event:"):
                event = line[len("event:") :].strip()
            elif line.startswith("data:") and event == "next":
                yield orjson.loads(line[len("data:") :].strip())
            elif line.startswith("data:") and event == "complete":
                return
