"""graphql-sse, distinct connections mode: one HTTP response stream per operation.

Each result is ``event: next``; the end is ``event: complete``. A subscription whose token
ends (expiry or revocation, common.auth.token_end) gets a last ``next`` carrying an
UNAUTHENTICATED error, then ``complete`` (decision 0030), once: whether the router's verifier
or the subgraph's (whose last result then carries that error) saw the end first. The response
is a small ASGI app rather than Starlette's StreamingResponse so that a client disconnect
deterministically closes the gateway stream, and with it the subgraph subscription.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Mapping
from typing import Any

from graphql import OperationType
from starlette.types import Receive, Scope, Send

from common.auth.token_end import token_ended, unauthenticated_error, wait_for_token_end
from common.auth.tokens import bearer_token
from common.errors import Unauthenticated
from router import json_codec
from router.gateway import GatewayRequest, PreparedOperation
from router.server.errors import internal_error
from router.server.metrics import open_subscription
from router.server.operation import REQUEST_ID_HEADER, RouterState

COMPLETE_EVENT = b"event: complete\ndata: \n\n"


def next_event(result: Mapping[str, Any]) -> bytes:
    """One ``next`` event carrying an execution result."""
    return b"event: next\ndata: " + json_codec.dumps(result) + b"\n\n"


class EventStreamResponse:
    """Streams the results of one operation as server-sent events until done or disconnect."""

    def __init__(
        self,
        state: RouterState,
        prepared: PreparedOperation,
        request: GatewayRequest,
        headers: Mapping[str, str],
    ) -> None:
        self.state = state
        self.prepared = prepared
        self.request = request
        self.headers = headers
        # Set once ``complete`` has been sent: nothing may follow it.
        self.completed = False

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        raw_headers = [
            (b"content-type", b"text/event-stream; charset=utf-8"),
            (b"cache-control", b"no-cache"),
            (b"x-accel-buffering", b"no"),  # NGINX must not buffer the stream
        ]
        raw_headers += [(k.encode(), v.encode()) for k, v in self.headers.items()]
        await send({"type": "http.response.start", "status": 200, "headers": raw_headers})
        pump = asyncio.ensure_future(self._pump(send))
        watcher = asyncio.ensure_future(_wait_for_disconnect(receive))
        tasks: set[asyncio.Future[Any]] = {pump, watcher}
        token_end = self._token_end()
        if token_end is not None:
            tasks.add(token_end)
        done: set[asyncio.Future[Any]] = set()
        try:
            done, _ = await asyncio.wait(tasks, return_when=asyncio.FIRST_COMPLETED)
        finally:
            for task in tasks:
                task.cancel()
            await asyncio.gather(*tasks, return_exceptions=True)
        ended = _result(token_end) if pump not in done and watcher not in done else None
        if self.completed or (pump.done() and not pump.cancelled() and pump.exception() is None):
            # The stream said all it had (a subgraph's token end included, sent as it came).
            await send({"type": "http.response.body", "body": b"", "more_body": False})
        elif ended is not None:
            body = next_event({"errors": [unauthenticated_error(ended)]}) + COMPLETE_EVENT
            await send({"type": "http.response.body", "body": body, "more_body": False})

    def _token_end(self) -> asyncio.Future[Unauthenticated] | None:
        """For a subscription carrying a token the router can verify: its end."""
        verifier = self.state.verifier
        token = bearer_token(self.request.headers.get("authorization"))
        subscription = self.prepared.operation_type is OperationType.SUBSCRIPTION
        if verifier is None or token is None or not subscription:
            return None
        return asyncio.ensure_future(wait_for_token_end(verifier, token))

    async def _pump(self, send: Send) -> None:
        events = self._events()
        try:
            async for chunk in events:
                await send({"type": "http.response.body", "body": chunk, "more_body": True})
                self.completed = chunk.endswith(COMPLETE_EVENT)
        finally:
            # Closes the gateway stream even when cancelled while sending.
            await events.aclose()  # type: ignore[attr-defined]

    async def _events(self) -> AsyncIterator[bytes]:
        gateway = self.state.gateway
        try:
            if self.prepared.operation_type is OperationType.SUBSCRIPTION:
                stream = gateway.subscribe(self.prepared, self.request)
                with open_subscription(self.state.metrics, "sse"):
                    try:
                        async for result in stream:
                            if token_ended(result.get("errors")):
                                # A subgraph saw the token end before the router did: that is
                                # the end, sent with ``complete`` before the upstream closes.
                                yield next_event(result) + COMPLETE_EVENT
                                return
                            yield next_event(result)
                    finally:
                        await stream.aclose()  # type: ignore[attr-defined]
            else:
                yield next_event(await gateway.execute(self.prepared, self.request))
        except Exception as exc:
            request_id = self.headers.get(REQUEST_ID_HEADER, "")
            yield next_event({"data": None, "errors": [internal_error(request_id, exc)]})
        yield COMPLETE_EVENT


def _result(task: asyncio.Future[Unauthenticated] | None) -> Unauthenticated | None:
    if task is None or not task.done() or task.cancelled() or task.exception() is not None:
        return None
    return task.result()


async def _wait_for_disconnect(receive: Receive) -> None:
    while True:
        message = await receive()
        if message["type"] == "http.disconnect":
            return


def event_stream_response(
    state: RouterState,
    prepared: PreparedOperation,
    request: GatewayRequest,
    headers: Mapping[str, str],
) -> Any:
    """The ASGI response streaming ``prepared`` (returned from a Starlette endpoint)."""
    return EventStreamResponse(state, prepared, request, headers)
