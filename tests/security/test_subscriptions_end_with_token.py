"""Open subscriptions end when their token does (decision 0030): revoked (logout) or expired.

Through the router with real clients: graphql-transport-ws (each open subscription gets an
``error`` with extensions.code UNAUTHENTICATED, then the socket closes with 4403) and graphql-sse
(a last ``next`` carrying the error, then ``complete``). The subgraphs' own WebSocket endpoints
(messaging, notifications) and messaging's Socket.IO endpoint end the same way. Every wait is
on a message or an event, bounded by ``WAIT``.
"""

from __future__ import annotations

import asyncio
import time
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

import pytest
import socketio
from sqlalchemy import text

from common.demo import DEMO_USERS
from tests.integration.messaging.live_client import WAIT, LiveSocket, live_socket, sse_events
from tests.support.graph import Graph

SEND = """mutation($input: SendMessageInput!) {
  sendMessage(input: $input) { id conversationId cursor } }"""
EVENTS = """subscription($c: ID!, $after: String) {
  conversationEvents(conversationId: $c, after: $after) { kind message { id content } } }"""
NOTIFICATIONS = "subscription { notificationReceived { id title } }"
ANNOUNCE = "mutation($input: SendNotificationInput!) { sendNotification(input: $input) { id } }"
# Long enough for a loaded machine to open the stream first; the test then waits it out.
SHORT_LIFE_SECONDS = 8


@dataclass
class Ending:
    """A token for a demo user, and how the test ends it."""

    token: str
    end: Callable[[], Awaitable[None]]
    reason: str
    expires_at: float | None = None


async def revoked(graph: Graph, email: str) -> Ending:
    """A fresh session of ``email``; ended by logging that session out."""
    token = await graph.login(email)

    async def logout() -> None:
        await graph.data("mutation { logout { revoked } }", token=token)

    return Ending(token, logout, "TOKEN_REVOKED")


async def expiring(graph: Graph, email: str) -> Ending:
    """A token of ``email`` signed by users that expires ``SHORT_LIFE_SECONDS`` from now."""
    user = next(u for u in DEMO_USERS if u.email == email)
    deps: Any = graph.apps["users"].state.services.deps
    signer = deps.signer
    issued_at = int(time.time()) - signer.ttl_seconds + SHORT_LIFE_SECONDS
    epoch = await _epoch(graph, user.id)
    token = signer.issue(user.id, user.role, uuid.uuid4(), issued_at, epoch=epoch)

    async def wait_for_expiry() -> None:
        pass  # time does it

    return Ending(token, wait_for_expiry, "TOKEN_EXPIRED", issued_at + signer.ttl_seconds)


async def _epoch(graph: Graph, user_id: uuid.UUID) -> int:
    """The user's current token epoch (a token below it is refused as revoked)."""
    deps: Any = graph.apps["users"].state.services.deps
    async with deps.db() as session:
        row = await session.execute(
            text("SELECT token_epoch FROM users WHERE id = :id"), {"id": user_id}
        )
        return int(row.scalar_one())


ENDINGS = {"revoked": revoked, "expired": expiring}


async def conversation_with_a_message_after(
    graph: Graph, sender: str, receiver: str
) -> tuple[str, str]:
    """A conversation and a cursor with one message after it (replayed at once on subscribe)."""
    receiver_id = next(u.id for u in DEMO_USERS if u.email == receiver)
    token = await graph.login(sender)
    first = await graph.data(
        SEND, {"input": {"content": "first", "receiverId": str(receiver_id)}}, token
    )
    conversation = first["sendMessage"]["conversationId"]
    await graph.data(SEND, {"input": {"content": "second", "conversationId": conversation}}, token)
    return conversation, first["sendMessage"]["cursor"]


def assert_unauthenticated(errors: list[dict[str, Any]], reason: str) -> None:
    assert errors, "no error"
    extensions = errors[0]["extensions"]
    assert extensions["code"] == "UNAUTHENTICATED", errors
    assert extensions["reason"] == reason, errors


async def assert_ended(live: LiveSocket, ids: list[str], ending: Ending) -> None:
    """Each open operation gets an UNAUTHENTICATED ``error``, then the socket closes 4403."""
    for operation_id in ids:
        message = await live.receive(operation_id, timeout=WAIT + SHORT_LIFE_SECONDS)
        assert message["type"] == "error", message
        assert_unauthenticated(message["payload"], ending.reason)
    code, _ = await live.wait_closed()
    assert code == 4403
    if ending.expires_at is not None:
        assert time.time() >= ending.expires_at  # ended by the expiry, not before it


@pytest.mark.parametrize("how", ENDINGS)
async def test_router_websocket_subscriptions_end_when_the_token_ends(
    graph: Graph, how: str
) -> None:
    conversation, cursor = await conversation_with_a_message_after(
        graph, "buyer@realio.demo", "agent@realio.demo"
    )
    ending = await ENDINGS[how](graph, "agent@realio.demo")
    async with live_socket(graph.base_url, ending.token) as live:
        for operation_id in ("a", "b"):
            await live.subscribe(operation_id, EVENTS, {"c": conversation, "after": cursor})
            replayed = await live.next_data(operation_id, "conversationEvents")
            assert replayed["message"]["content"] == "second"
        await ending.end()
        await assert_ended(live, ["a", "b"], ending)


@pytest.mark.parametrize("how", ENDINGS)
async def test_router_sse_subscription_ends_with_an_error_then_complete(
    graph: Graph, how: str
) -> None:
    conversation, cursor = await conversation_with_a_message_after(
        graph, "buyer2@realio.demo", "agent@realio.demo"
    )
    ending = await ENDINGS[how](graph, "agent@realio.demo")
    stream = sse_events(
        graph.http, graph.url, EVENTS, {"c": conversation, "after": cursor}, ending.token
    )
    replayed = await asyncio.wait_for(anext(stream), WAIT)
    assert replayed["data"]["conversationEvents"]["message"]["content"] == "second"
    await ending.end()
    last = await asyncio.wait_for(anext(stream), WAIT + SHORT_LIFE_SECONDS)
    assert_unauthenticated(last["errors"], ending.reason)
    # Then `complete`: the reader returns.
    with pytest.raises(StopAsyncIteration):
        await asyncio.wait_for(anext(stream), WAIT)


@pytest.mark.parametrize("how", ENDINGS)
async def test_messagings_own_websocket_subscription_ends_when_the_token_ends(
    graph: Graph, how: str
) -> None:
    conversation, cursor = await conversation_with_a_message_after(
        graph, "buyer@realio.demo", "agent2@realio.demo"
    )
    ending = await ENDINGS[how](graph, "agent2@realio.demo")
    async with live_socket(graph.subgraph_urls["messaging"], ending.token) as live:
        await live.subscribe("m", EVENTS, {"c": conversation, "after": cursor})
        replayed = await live.next_data("m", "conversationEvents")
        assert replayed["message"]["content"] == "second"
        await ending.end()
        await assert_ended(live, ["m"], ending)


async def test_notifications_own_websocket_subscription_ends_when_the_session_is_revoked(
    graph: Graph,
) -> None:
    admin = await graph.login("admin@realio.demo")
    user = next(u for u in DEMO_USERS if u.email == "seller@realio.demo")
    ending = await revoked(graph, user.email)
    async with live_socket(graph.subgraph_urls["notifications"], ending.token) as live:
        await live.subscribe("n", NOTIFICATIONS)
        await _until_notified(graph, live, admin, str(user.id))
        await ending.end()
        await assert_ended(live, ["n"], ending)


async def _until_notified(graph: Graph, live: LiveSocket, admin: str, user_id: str) -> None:
    """Send notifications until the subscription delivers one: it is listening."""
    for attempt in range(20):
        await graph.data(
            ANNOUNCE, {"input": {"userId": user_id, "title": f"Ping {attempt}", "body": "?"}}, admin
        )
        try:
            message = await live.receive("n", timeout=1)
        except TimeoutError:
            continue  # subscribed after that one was published: send another
        assert message["type"] == "next", message
        return
    raise AssertionError("the subscription never delivered a notification")


@pytest.mark.parametrize("how", ENDINGS)
async def test_socketio_rooms_end_and_the_client_is_disconnected_when_the_token_ends(
    graph: Graph, how: str
) -> None:
    conversation, _ = await conversation_with_a_message_after(
        graph, "buyer2@realio.demo", "agent2@realio.demo"
    )
    ending = await ENDINGS[how](graph, "agent2@realio.demo")
    client = socketio.AsyncClient(reconnection=False)
    errors: asyncio.Queue[Any] = asyncio.Queue()
    disconnected = asyncio.Event()

    async def on_error(data: Any) -> None:
        errors.put_nowait(data)

    async def on_disconnect(*_: Any) -> None:
        disconnected.set()

    client.on("conversation_error", on_error)
    client.on("disconnect", on_disconnect)
    await client.connect(
        graph.subgraph_urls["messaging"],
        auth={"token": ending.token},
        transports=["websocket"],
        wait_timeout=WAIT,
    )
    try:
        joined = await client.call("join_room", {"conversation_id": conversation}, timeout=WAIT)
        assert joined == {"ok": True}
        await ending.end()
        error = await asyncio.wait_for(errors.get(), WAIT + SHORT_LIFE_SECONDS)
        assert error["error"]["code"] == "UNAUTHENTICATED"
        assert error["error"]["reason"] == ending.reason
        assert error["conversation_id"] == conversation
        await asyncio.wait_for(disconnected.wait(), WAIT)
    finally:
        await client.disconnect()
    if ending.expires_at is not None:
        assert time.time() >= ending.expires_at


async def test_a_token_that_stays_valid_keeps_its_subscription(graph: Graph) -> None:
    """The watch ends streams only for the token that ended: another session goes on."""
    conversation, cursor = await conversation_with_a_message_after(
        graph, "buyer@realio.demo", "seller@realio.demo"
    )
    ending = await revoked(graph, "seller@realio.demo")
    staying = await graph.login("seller@realio.demo")
    buyer = await graph.login("buyer@realio.demo")
    async with (
        live_socket(graph.base_url, ending.token) as ended,
        live_socket(graph.base_url, staying) as stays,
    ):
        for live in (ended, stays):
            await live.subscribe("s", EVENTS, {"c": conversation, "after": cursor})
            await live.next_data("s", "conversationEvents")
        await ending.end()
        await assert_ended(ended, ["s"], ending)
        await graph.data(
            SEND, {"input": {"content": "third", "conversationId": conversation}}, buyer
        )
        live_event = await stays.next_data("s", "conversationEvents")
        assert live_event["message"]["content"] == "third"
        assert not stays.closed.is_set()
