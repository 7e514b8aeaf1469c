"""The original service's Socket.IO endpoint (``/socket.io``), on the same services and fan-out.

Connect with ``auth={"token": "<access token>"}`` (or an ``Authorization`` header). Events:

- ``join_room`` ``{"conversation_id", "after"?}``: receive the conversation's messages as
  ``receive_message`` (and its other events as ``conversation_event``) from then on, or from
  the message cursor ``after``. Acknowledged with ``{"ok": true}`` or ``{"error": {...}}``.
- ``leave_room`` ``{"conversation_id"}``.
- ``send_message`` ``{"conversation_id"}`` or ``{"receiver_id", "property_id"?}`` with
  ``"content"``: acknowledged with ``{"message": {...}}`` or ``{"error": {"code", ...}}``.

When the connection's token expires or is revoked, each joined room gets a
``conversation_error`` with code UNAUTHENTICATED, then the server disconnects the client
(common.auth.token_end, decision 0030).

A message sent here reaches GraphQL subscribers and the other way round: both sides go through
``MessageService`` and ``LiveService``. Errors carry the same codes as GraphQL's.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import uuid
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import socketio

from common.auth.token_end import wait_for_token_end
from common.auth.tokens import TokenVerifier
from common.auth.viewer import Viewer
from common.errors import BadUserInput, DomainError, Unauthenticated
from subgraphs.messaging.records import ConversationEvent, EventKind, MessageView
from subgraphs.messaging.service import MessagingServices
from subgraphs.messaging.service.validation import message_cursor, parse_id, parse_message_cursor
from subgraphs.messaging.tokens import expiry_of, token_of

log = logging.getLogger("realio.messaging.socketio")


@dataclass
class _Client:
    viewer: Viewer
    expires_at: datetime | None
    rooms: dict[uuid.UUID, asyncio.Task[None]] = field(default_factory=dict)
    token_watch: asyncio.Task[None] | None = None


def message_json(view: MessageView) -> dict[str, Any]:
    """A message as Socket.IO clients receive it (the original service's field names)."""
    m = view.message
    return {
        "id": str(m.id),
        "conversation_id": str(m.conversation_id),
        "sender_id": str(m.sender_id),
        "receiver_id": str(m.receiver_id),
        "content": None if m.deleted else m.content,
        "deleted": m.deleted,
        "read": view.read,
        "cursor": message_cursor(m.seq),
        "created_at": m.created_at.isoformat(),
        "updated_at": m.updated_at.isoformat(),
    }


def _error(error: DomainError) -> dict[str, Any]:
    return {"error": {"message": error.message, **error.as_extensions()}}


def _optional_id(data: Mapping[str, Any], key: str) -> uuid.UUID | None:
    value = data.get(key)
    return None if value is None else parse_id(value, key)


class ChatSocketServer:
    """Socket.IO handlers over the messaging services; one per app (no global state)."""

    def __init__(self, services: MessagingServices, verifier: TokenVerifier) -> None:
        self.services = services
        self.verifier = verifier
        self.sio = socketio.AsyncServer(async_mode="asgi", cors_allowed_origins=[])
        self.clients: dict[str, _Client] = {}
        handlers: dict[str, Callable[..., Awaitable[Any]]] = {
            "connect": self.connect,
            "disconnect": self.disconnect,
            "join_room": self.join_room,
            "leave_room": self.leave_room,
            "send_message": self.send_message,
        }
        for name, handler in handlers.items():
            self.sio.on(name, handler)

    def asgi_app(self) -> socketio.ASGIApp:
        return socketio.ASGIApp(self.sio, socketio_path="socket.io")

    async def connect(self, sid: str, environ: Mapping[str, Any], auth: Any = None) -> None:
        header = environ.get("HTTP_AUTHORIZATION")
        token = token_of(auth if isinstance(auth, Mapping) else None, header)
        if token is None:
            raise socketio.exceptions.ConnectionRefusedError({"code": "UNAUTHENTICATED"})
        try:
            viewer = await self.verifier.verify(token)
        except Unauthenticated as error:
            raise socketio.exceptions.ConnectionRefusedError(_error(error)["error"]) from None
        client = self.clients[sid] = _Client(viewer, expiry_of(token))
        client.token_watch = asyncio.ensure_future(self._end_with_token(sid, client, token))

    async def disconnect(self, sid: str, *_: Any) -> None:
        client = self.clients.pop(sid, None)
        if client is not None:
            if client.token_watch is not None:
                client.token_watch.cancel()
            for task in client.rooms.values():
                task.cancel()
            await asyncio.gather(*client.rooms.values(), return_exceptions=True)

    async def _end_with_token(self, sid: str, client: _Client, token: str) -> None:
        """When the token expires or is revoked: an error per joined room, then disconnect."""
        error = await wait_for_token_end(self.verifier, token)
        client.token_watch = None  # done: the disconnect below must not cancel this task
        rooms = {room: task for room, task in client.rooms.items() if not task.done()}
        for task in rooms.values():
            task.cancel()
        await asyncio.gather(*rooms.values(), return_exceptions=True)
        for room in rooms:
            payload = {**_error(error), "conversation_id": str(room)}
            await self.sio.emit("conversation_error", payload, to=sid)
        await self.sio.disconnect(sid)

    async def join_room(self, sid: str, data: Any) -> dict[str, Any]:
        client = self.clients.get(sid)
        if client is None:
            return {"error": {"code": "UNAUTHENTICATED", "message": "Not connected."}}
        try:
            if not isinstance(data, Mapping):
                raise BadUserInput("join_room takes an object.", field="data")
            conversation_id = parse_id(data.get("conversation_id"), "conversation_id")
            after = parse_message_cursor(data.get("after"), "after")
            # Checks the viewer takes part (NOT_FOUND otherwise) before the stream starts.
            await self.services.conversations.get(client.viewer, conversation_id)
        except DomainError as error:
            return _error(error)
        room = client.rooms.get(conversation_id)
        if room is None or room.done():
            ready: asyncio.Future[DomainError | None] = asyncio.get_running_loop().create_future()
            client.rooms[conversation_id] = asyncio.ensure_future(
                self._forward(sid, client, conversation_id, after, ready)
            )
            # Acknowledge once the stream listens, so nothing sent after the ack is missed;
            # a stream refused before it listens (FORBIDDEN when blocked) answers the join.
            refused = await ready
            if refused is not None:
                client.rooms.pop(conversation_id, None)
                return _error(refused)
        return {"ok": True}

    async def leave_room(self, sid: str, data: Any) -> dict[str, Any]:
        client = self.clients.get(sid)
        if client is not None and isinstance(data, Mapping):
            with contextlib.suppress(BadUserInput):
                task = client.rooms.pop(parse_id(data.get("conversation_id"), "id"), None)
                if task is not None:
                    task.cancel()
        return {"ok": True}

    async def send_message(self, sid: str, data: Any) -> dict[str, Any]:
        client = self.clients.get(sid)
        if client is None:
            return {"error": {"code": "UNAUTHENTICATED", "message": "Not connected."}}
        try:
            if not isinstance(data, Mapping) or not isinstance(data.get("content"), str):
                raise BadUserInput("content must be a string.", field="content")
            _, view = await self.services.messages.send(
                client.viewer,
                data["content"],
                conversation_id=_optional_id(data, "conversation_id"),
                receiver_id=_optional_id(data, "receiver_id"),
                property_id=_optional_id(data, "property_id"),
            )
        except DomainError as error:
            return _error(error)
        return {"message": message_json(view)}

    async def _forward(
        self,
        sid: str,
        client: _Client,
        conversation_id: uuid.UUID,
        after: int | None,
        ready: asyncio.Future[DomainError | None],
    ) -> None:
        def listening() -> None:
            if not ready.done():
                ready.set_result(None)

        stream = self.services.live.conversation_events(
            client.viewer,
            conversation_id,
            after=after,
            expires_at=client.expires_at,
            on_listening=listening,
        )
        try:
            async for event in stream:
                await self._emit(sid, event)
        except DomainError as error:
            if ready.done():
                payload = {**_error(error), "conversation_id": str(conversation_id)}
                await self.sio.emit("conversation_error", payload, to=sid)
            else:
                ready.set_result(error)
        except asyncio.CancelledError:
            raise
        except Exception:
            log.exception("socket.io room stream failed")
        finally:
            listening()

    async def _emit(self, sid: str, event: ConversationEvent) -> None:
        if event.kind is EventKind.MESSAGE_SENT and event.message is not None:
            await self.sio.emit("receive_message", message_json(event.message), to=sid)
            return
        payload: dict[str, Any] = {
            "kind": event.kind.value,
            "conversation_id": str(event.conversation_id),
        }
        if event.message is not None:
            payload["message"] = message_json(event.message)
        if event.user_id is not None:
            payload["user_id"] = str(event.user_id)
        if event.up_to is not None:
            payload["read_up_to"] = message_cursor(event.up_to)
        await self.sio.emit("conversation_event", payload, to=sid)
