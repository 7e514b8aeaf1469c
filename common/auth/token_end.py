"""Open subscriptions end when their token does: at its ``exp``, or once it is revoked.

A subscription's token is verified once, when its connection opens; without more, a stream
would outlive a logout or an expiry by hours. ``wait_for_token_end`` re-verifies the token
whenever the verifier's revocation feed applies new entries (decision 0017) and when the token
expires, and returns the ``Unauthenticated`` error the verifier then raises
(``TOKEN_REVOKED``, ``TOKEN_EXPIRED``, ``REVOCATION_UNAVAILABLE``).

``EndSubscriptionsWithToken`` applies it to a graphql-transport-ws endpoint (the router's and
every subgraph's): when the connection's token ends, each open operation gets an ``error``
message with ``extensions.code`` UNAUTHENTICATED, then the socket closes with 4403, and the
endpoint behind sees a disconnect, so it cancels its streams (decision 0030).
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import Callable, Mapping
from typing import Any

import jwt
import orjson
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from common.auth.tokens import TokenVerifier, bearer_token
from common.errors import Unauthenticated

# A token is also re-verified this often, so a feed that went stale (fail closed) or a
# verifier without a feed still ends its streams.
RECHECK_SECONDS = 5.0
CLOSE_CODE = 4403

TokenOf = Callable[[Mapping[str, Any] | None, str | None], str | None]


def expires_at(token: str) -> float | None:
    """The ``exp`` (Unix time) of an already verified token; None when it carries none."""
    try:
        claims = jwt.decode(token, options={"verify_signature": False})
        return float(claims["exp"])
    except (jwt.PyJWTError, KeyError, ValueError, TypeError):
        return None


async def wait_for_token_end(verifier: TokenVerifier, token: str) -> Unauthenticated:
    """Wait until ``token`` is no longer valid; returns why (the verifier's error)."""
    expiry = expires_at(token)
    feed = verifier.revocations
    while True:
        # Taken before verifying, so an entry applied during the check still wakes us.
        changed = feed.changed() if feed is not None else None
        try:
            await verifier.verify(token)
        except Unauthenticated as error:
            return error
        timeout = RECHECK_SECONDS
        if expiry is not None:
            # jwt refuses a token once now > exp; wake just after that instant.
            timeout = min(timeout, max(0.0, expiry - time.time()) + 0.05)
        if changed is None:
            await asyncio.sleep(timeout)
            continue
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(asyncio.shield(changed), timeout)


def unauthenticated_error(error: Unauthenticated) -> dict[str, Any]:
    """The GraphQL error a stream ends with when its token ended."""
    return {"message": error.message, "extensions": error.as_extensions()}


def connection_token(payload: Mapping[str, Any] | None, authorization: str | None) -> str | None:
    """The token of a ``connection_init`` payload (``Authorization`` / ``authorization`` /
    ``authToken`` / ``token``, with or without ``Bearer``), else of the upgrade's header."""
    for key in ("Authorization", "authorization", "authToken", "token"):
        value = (payload or {}).get(key)
        if isinstance(value, str) and value.strip():
            return bearer_token(value) or value.strip()
    return bearer_token(authorization)


class EndSubscriptionsWithToken:
    """ASGI wrapper of a graphql-transport-ws endpoint: ends the connection with its token.

    ``verifier_of`` gives the verifier for a connection's scope (None: nothing is watched);
    ``token_of`` reads the token the endpoint itself uses from the ``connection_init`` payload
    and the upgrade's ``Authorization``. Watching starts when the endpoint acknowledges the
    connection, so a token the endpoint refused is not watched.
    """

    def __init__(
        self,
        app: ASGIApp,
        verifier_of: Callable[[Scope], TokenVerifier | None],
        token_of: TokenOf = connection_token,
    ) -> None:
        self.app = app
        self.verifier_of = verifier_of
        self.token_of = token_of

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        verifier = self.verifier_of(scope) if scope["type"] == "websocket" else None
        if verifier is None:
            await self.app(scope, receive, send)
            return
        connection = _WatchedConnection(self, verifier, scope, receive, send)
        try:
            await self.app(scope, connection.receive, connection.send)
        finally:
            await connection.stop()


class _WatchedConnection:
    def __init__(
        self,
        owner: EndSubscriptionsWithToken,
        verifier: TokenVerifier,
        scope: Scope,
        receive: Receive,
        send: Send,
    ) -> None:
        self.owner = owner
        self.verifier = verifier
        self.scope = scope
        self._receive = receive
        self._send = send
        self.token: str | None = None
        self.inspecting = True  # until connection_init shows there is no token to watch
        self.open_ids: set[str] = set()
        self.ended = asyncio.Event()
        self.closed = False
        self.send_lock = asyncio.Lock()
        self.watcher: asyncio.Task[None] | None = None
        self.pending: asyncio.Task[Message] | None = None

    async def receive(self) -> Message:
        if self.ended.is_set():
            return {"type": "websocket.disconnect", "code": CLOSE_CODE}
        if self.pending is None:
            self.pending = asyncio.ensure_future(self._receive())
        ended = asyncio.ensure_future(self.ended.wait())
        try:
            await asyncio.wait({self.pending, ended}, return_when=asyncio.FIRST_COMPLETED)
        finally:
            ended.cancel()
        if not self.pending.done():
            return {"type": "websocket.disconnect", "code": CLOSE_CODE}
        message, self.pending = self.pending.result(), None
        if self.inspecting and message["type"] == "websocket.receive":
            self._client_message(_decode(message))
        return message

    def _client_message(self, message: Mapping[str, Any] | None) -> None:
        if message is None:
            return
        kind = message.get("type")
        if kind == "connection_init" and self.token is None:
            payload = message.get("payload")
            headers = {k.decode("latin-1"): v for k, v in self.scope.get("headers", ())}
            raw = headers.get("authorization")
            authorization = raw.decode("latin-1") if isinstance(raw, bytes) else None
            self.token = self.owner.token_of(
                payload if isinstance(payload, Mapping) else None, authorization
            )
            self.inspecting = self.token is not None
        elif kind == "subscribe" and isinstance(message.get("id"), str):
            self.open_ids.add(message["id"])
        elif kind == "complete" and isinstance(message.get("id"), str):
            self.open_ids.discard(message["id"])

    async def send(self, message: Message) -> None:
        async with self.send_lock:
            if self.closed:
                return  # the connection ended with its token; the endpoint is winding down
            if message["type"] == "websocket.close":
                self.closed = True
            elif self.inspecting and message["type"] == "websocket.send":
                ended = self._server_message(_decode(message))
                if ended is not None:
                    # A stream behind (a subgraph) found the token ended first: end them all.
                    await self._end(ended)
                    return
            await self._send(message)

    def _server_message(self, message: Mapping[str, Any] | None) -> list[Any] | None:
        """Tracks operations; returns the errors of a result saying the token has ended."""
        if message is None:
            return None
        kind = message.get("type")
        operation_id = message.get("id")
        if kind == "connection_ack" and self.token is not None and self.watcher is None:
            self.watcher = asyncio.ensure_future(self._watch(self.token))
        elif kind in ("complete", "error") and isinstance(operation_id, str):
            self.open_ids.discard(operation_id)
            if kind == "error" and token_ended(message.get("payload")):
                self.open_ids.add(operation_id)
                return list(message["payload"])
        elif kind == "next" and isinstance(operation_id, str):
            payload = message.get("payload")
            errors = payload.get("errors") if isinstance(payload, Mapping) else None
            if token_ended(errors):
                assert isinstance(errors, list)
                return errors
        return None

    async def _watch(self, token: str) -> None:
        error = await wait_for_token_end(self.verifier, token)
        async with self.send_lock:
            if not self.closed:
                await self._end([unauthenticated_error(error)])

    async def _end(self, errors: list[Any]) -> None:
        """Each open operation gets ``errors`` (UNAUTHENTICATED), then the socket closes 4403.

        Called with the send lock held.
        """
        self.closed = True
        with contextlib.suppress(Exception):
            for operation_id in sorted(self.open_ids):
                text = orjson.dumps({"id": operation_id, "type": "error", "payload": errors})
                await self._send({"type": "websocket.send", "text": text.decode()})
            extensions = errors[0].get("extensions") if errors else None
            reason = str((extensions or {}).get("reason") or "Unauthenticated")
            await self._send({"type": "websocket.close", "code": CLOSE_CODE, "reason": reason})
        self.open_ids.clear()
        self.ended.set()

    async def stop(self) -> None:
        for task in (self.watcher, self.pending):
            if task is not None and not task.done():
                task.cancel()
                with contextlib.suppress(asyncio.CancelledError, Exception):
                    await task


# Reasons that say the token itself is over (a transient REVOCATION_UNAVAILABLE is not).
ENDED_REASONS = frozenset({"TOKEN_REVOKED", "TOKEN_EXPIRED"})


def token_ended(errors: Any) -> bool:
    """Whether ``errors`` (a result's) say its token is over: UNAUTHENTICATED, revoked or
    expired. A stream behind that ends this way ends the client's stream the same way."""
    if not isinstance(errors, list):
        return False
    for error in errors:
        extensions = error.get("extensions") if isinstance(error, Mapping) else None
        if (
            isinstance(extensions, Mapping)
            and extensions.get("code") == "UNAUTHENTICATED"
            and extensions.get("reason") in ENDED_REASONS
        ):
            return True
    return False


def _decode(message: Message) -> Mapping[str, Any] | None:
    raw = message.get("text")
    if raw is None:
        raw = message.get("bytes")
    if raw is None:
        return None
    try:
        decoded = orjson.loads(raw)
    except orjson.JSONDecodeError:
        return None
    return decoded if isinstance(decoded, dict) else None
