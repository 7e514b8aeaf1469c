"""graphql-transport-ws server on ``/graphql``: subscriptions, queries and mutations.

Close codes follow the protocol: 4400 invalid message, 4401 subscribe before ack, 4403
connection refused (an invalid token, or the ``on_connect`` hook said no), 4406 wrong
subprotocol, 4408 no ``connection_init`` in time, 4409 duplicate operation id, 4429 a second
``connection_init``.
The connection's token (``connection_init`` payload or upgrade header, router.server.auth)
travels with every operation: as ``authorization`` on subgraph fetches and in the
``connection_params`` a subgraph subscription is opened with.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import Mapping
from typing import Any

from graphql import OperationType
from starlette.websockets import WebSocket, WebSocketDisconnect

from router import json_codec
from router.server.auth import ConnectionRefused, authenticate_connection
from router.server.errors import RequestError, internal_error
from router.server.metrics import (
    INTERNAL_ERROR,
    OK,
    REQUEST_ERROR,
    open_subscription,
    operation_name_of,
    outcome_of,
)
from router.server.operation import (
    RouterState,
    forwarded_headers,
    prepare_operation,
    request_id_of,
)

PROTOCOL = "graphql-transport-ws"


class _Close(Exception):
    def __init__(self, code: int, reason: str) -> None:
        super().__init__(reason)
        self.code = code
        self.reason = reason


async def graphql_websocket(websocket: WebSocket) -> None:
    """The WebSocket endpoint; one :class:`Session` per connection."""
    state: RouterState = websocket.app.state.router
    if PROTOCOL not in websocket.scope.get("subprotocols", ()):
        await websocket.accept()
        await websocket.close(4406, "Subprotocol not acceptable")
        return
    await websocket.accept(subprotocol=PROTOCOL)
    await Session(state, websocket).run()


class Session:
    """One client connection: the handshake, then one task per operation id."""

    def __init__(self, state: RouterState, websocket: WebSocket) -> None:
        self.state = state
        self.websocket = websocket
        self.request_id = request_id_of(websocket.headers)
        # The token connection_init carried, sent to subgraphs instead of the handshake's.
        self.authorization: str | None = None
        self.init_received = False
        self.acknowledged = False
        self.connection_params: Mapping[str, Any] | None = None
        self.operations: dict[str, asyncio.Task[None]] = {}

    async def run(self) -> None:
        loop = asyncio.get_running_loop()
        init_deadline = loop.time() + self.state.settings.ws_connection_init_timeout
        try:
            while True:
                if self.init_received:
                    message = await self.websocket.receive()
                else:
                    try:
                        async with asyncio.timeout_at(init_deadline):
                            message = await self.websocket.receive()
                    except TimeoutError:
                        raise _Close(4408, "Connection initialisation timeout") from None
                if message["type"] == "websocket.disconnect":
                    return
                raw = message.get("text")
                if raw is None:
                    raw = message.get("bytes")
                await self._handle(raw)
        except _Close as close:
            with contextlib.suppress(Exception):
                await self.websocket.close(close.code, close.reason)
        except WebSocketDisconnect:
            pass
        finally:
            await self._cancel_all()

    async def _handle(self, raw: str | bytes | None) -> None:
        try:
            message = json_codec.loads(raw) if raw is not None else None
        except json_codec.JSONDecodeError:
            message = None
        if not isinstance(message, dict) or not isinstance(message.get("type"), str):
            raise _Close(4400, "Invalid message received")
        kind = message["type"]
        if kind == "connection_init":
            await self._connection_init(message.get("payload"))
        elif kind == "ping":
            pong: dict[str, Any] = {"type": "pong"}
            if "payload" in message:
                pong["payload"] = message["payload"]
            await self._send(pong)
        elif kind == "pong":
            pass
        elif kind == "subscribe":
            self._subscribe(message)
        elif kind == "complete":
            operation_id = message.get("id")
            task = (
                self.operations.pop(operation_id, None) if isinstance(operation_id, str) else None
            )
            if task is not None:
                task.cancel()
        else:
            raise _Close(4400, f"Invalid message type {kind!r}")

    async def _connection_init(self, payload: Any) -> None:
        if self.init_received:
            raise _Close(4429, "Too many initialisation requests")
        self.init_received = True
        if payload is not None and not isinstance(payload, dict):
            raise _Close(4400, "Invalid connection_init payload")
        try:
            auth = await authenticate_connection(
                self.state.verifier, payload, self.websocket.headers.get("authorization")
            )
        except ConnectionRefused:
            raise _Close(4403, "Forbidden") from None
        hook = self.state.on_connect
        if hook is not None and not await hook(payload):
            raise _Close(4403, "Forbidden")
        if auth.authorization is not None:
            self.authorization = auth.authorization
        self.connection_params = auth.connection_params
        self.acknowledged = True
        await self._send({"type": "connection_ack"})

    def _subscribe(self, message: dict[str, Any]) -> None:
        if not self.acknowledged:
            raise _Close(4401, "Unauthorized")
        operation_id = message.get("id")
        payload = message.get("payload")
        if not isinstance(operation_id, str) or not operation_id or not isinstance(payload, dict):
            raise _Close(4400, "Invalid subscribe message")
        if operation_id in self.operations:
            raise _Close(4409, f"Subscriber for {operation_id} already exists")
        task = asyncio.ensure_future(self._operation(operation_id, payload))
        self.operations[operation_id] = task

    async def _operation(self, operation_id: str, payload: dict[str, Any]) -> None:
        gateway = self.state.gateway
        metrics = self.state.metrics
        name = payload.get("operationName")
        kind = "unknown"
        started = time.perf_counter()
        try:
            try:
                # Built per operation: the signed client address must not age with the socket.
                headers = forwarded_headers(self.websocket, self.request_id, self.state.addressing)
                if self.authorization is not None:
                    headers["authorization"] = self.authorization
                request, prepared = await prepare_operation(
                    self.state, payload, headers, self.connection_params
                )
            except RequestError as exc:
                self.operations.pop(operation_id, None)
                self._observe(name, kind, REQUEST_ERROR, None)
                await self._send({"id": operation_id, "type": "error", "payload": exc.errors})
                return
            name = request.operation_name or operation_name_of(prepared)
            kind = prepared.operation_type.value
            if prepared.operation_type is OperationType.SUBSCRIPTION:
                self._observe(name, kind, OK, None)
                stream = gateway.subscribe(prepared, request)
                with open_subscription(metrics, "ws"):
                    try:
                        async for result in stream:
                            await self._send(
                                {"id": operation_id, "type": "next", "payload": result}
                            )
                    finally:
                        await stream.aclose()  # type: ignore[attr-defined]
            else:
                result = await gateway.execute(prepared, request)
                self._observe(name, kind, outcome_of(result), time.perf_counter() - started)
                await self._send({"id": operation_id, "type": "next", "payload": result})
        except asyncio.CancelledError:
            raise  # the client completed the operation or went away: say nothing more
        except Exception as exc:
            self.operations.pop(operation_id, None)
            if kind != "subscription":
                self._observe(name, kind, INTERNAL_ERROR, time.perf_counter() - started)
            error = internal_error(self.request_id, exc)
            with contextlib.suppress(Exception):
                await self._send({"id": operation_id, "type": "error", "payload": [error]})
            return
        if self.operations.pop(operation_id, None) is not None:
            with contextlib.suppress(Exception):
                await self._send({"id": operation_id, "type": "complete"})

    def _observe(self, name: Any, kind: str, outcome: str, seconds: float | None) -> None:
        if self.state.metrics is not None:
            label = name if isinstance(name, str) else None
            self.state.metrics.observe_request("ws", label, kind, outcome, seconds)

    async def _send(self, message: Mapping[str, Any]) -> None:
        await self.websocket.send_text(json_codec.dumps(message).decode())

    async def _cancel_all(self) -> None:
        tasks = list(self.operations.values())
        self.operations.clear()
        for task in tasks:
            task.cancel()
        if tasks:
            await asyncio.gather(*tasks, return_exceptions=True)
