"""graphql-transport-ws client: how the router opens a subscription on a subgraph.

One WebSocket connection per subscription. That keeps the client's ``connection_init``
payload (its token) scoped to that client's subscription on the subgraph, and closing the
iterator closes exactly that subgraph connection: ``aclose()`` sends ``complete`` and closes
the socket, so the subgraph's subscription ends when the router's client goes away.
"""

from __future__ import annotations

import asyncio
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
SUBSCRIPTION_ID = "1"


class SubscriptionTransportError(Exception):
    """The subgraph subscription could not be opened or ended abnormally."""


def websocket_url(url: str) -> str:
    """The WebSocket URL of a subgraph's HTTP URL (``http`` → ``ws``, ``https`` → ``wss``)."""
    if url.startswith("https://"):
        return "wss://" + url[len("https://") :]
    if url.startswith("http://"):
        return "ws://" + url[len("http://") :]
    return url


class WebSocketSubscriptionTransport:
    """Implements the gateway's ``SubscriptionTransport`` over graphql-transport-ws."""

    def __init__(self, *, ack_timeout: float = 10.0, open_timeout: float = 10.0) -> None:
        self.ack_timeout = ack_timeout
        self.open_timeout = open_timeout

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
        try:
            socket = await connect(
                websocket_url(url),
                subprotocols=[PROTOCOL],  # type: ignore[list-item]
                additional_headers=handshake_headers,
                open_timeout=self.open_timeout,
                proxy=None,
                compression=None,
            )
        except (OSError, InvalidHandshake, InvalidURI, TimeoutError) as exc:
            # An event rather than an exception: the client gets a GraphQL error and complete.
            yield _failed("could not connect", exc)
            return
        completed = False
        try:
            try:
                await self._initialise(socket, connection_params)
            except SubscriptionTransportError as exc:
                completed = True
                yield _failed(str(exc), exc)
                return
            subscribe = {"query": query, "variables": dict(variables or {})}
            await _send(socket, {"id": SUBSCRIPTION_ID, "type": "subscribe", "payload": subscribe})
            async for raw in socket:
                message = orjson.loads(raw)
                kind = message.get("type")
                if kind == "next" and message.get("id") == SUBSCRIPTION_ID:
                    yield message.get("payload") or {}
                elif kind == "error" and message.get("id") == SUBSCRIPTION_ID:
                    completed = True
                    yield {"data": None, "errors": message.get("payload") or []}
                    return
                elif kind == "complete" and message.get("id") == SUBSCRIPTION_ID:
                    completed = True
                    return
                elif kind == "ping":
                    await _send(socket, {"type": "pong"})
            completed = True
            yield _closed_error(url, socket)
        except ConnectionClosed:
            completed = True
            yield _closed_error(url, socket)
        finally:
            await self._close(socket, send_complete=not completed)

    async def _initialise(
        self, socket: ClientConnection, connection_params: Mapping[str, Any] | None
    ) -> None:
        init: dict[str, Any] = {"type": "connection_init"}
        if connection_params is not None:
            init["payload"] = dict(connection_params)
        await _send(socket, init)
        try:
            async with asyncio.timeout(self.ack_timeout):
                while True:
                    message = orjson.loads(await socket.recv())
                    if message.get("type") == "connection_ack":
                        return
                    if message.get("type") == "ping":
                        await _send(socket, {"type": "pong"})
        except TimeoutError as exc:
            raise SubscriptionTransportError("subgraph did not acknowledge the connection") from exc

    async def _close(self, socket: ClientConnection, *, send_complete: bool) -> None:
        # Shielded: this runs when the client's task is being cancelled, and the subgraph
        # must still hear that the subscription is over.
        async def close() -> None:
            try:
                if send_complete:
                    await _send(socket, {"id": SUBSCRIPTION_ID, "type": "complete"})
                await socket.close()
            except (ConnectionClosed, OSError):
                pass

        task = asyncio.ensure_future(close())
        try:
            await asyncio.shield(task)
        except asyncio.CancelledError:
            await asyncio.wait({task}, timeout=1.0)
            raise


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
    logger.info("subgraph subscription on %s closed: %s %s", url, code, reason)
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


async def _send(socket: ClientConnection, message: Mapping[str, Any]) -> None:
    await socket.send(json_codec.dumps(message).decode())
