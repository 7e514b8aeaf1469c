"""The Socket.IO endpoint with python-socketio's real client: the original events, the same
access token, and the same fan-out as GraphQL subscriptions."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import pytest
import socketio

from tests.integration.messaging.client import MessagingClient
from tests.integration.messaging.conftest import Served
from tests.integration.messaging.live_client import WAIT, live_socket
from tests.integration.messaging.test_subscriptions import open_events
from tests.support.personas import Persona


class Inbox:
    """What a Socket.IO client received, by event name."""

    def __init__(self, client: socketio.AsyncClient) -> None:
        self.queues: dict[str, asyncio.Queue[Any]] = {}
        for name in ("receive_message", "conversation_event", "conversation_error"):
            client.on(name, self._handler(name))

    def _handler(self, name: str) -> Any:
        async def handle(data: Any) -> None:
            self.queues.setdefault(name, asyncio.Queue()).put_nowait(data)

        return handle

    async def next(self, name: str) -> Any:
        return await asyncio.wait_for(self.queues.setdefault(name, asyncio.Queue()).get(), WAIT)


@asynccontextmanager
async def chat_client(
    served: Served, token: str
) -> AsyncIterator[tuple[socketio.AsyncClient, Inbox]]:
    client = socketio.AsyncClient(reconnection=False)
    inbox = Inbox(client)
    await client.connect(
        served.base_url, auth={"token": token}, transports=["websocket"], wait_timeout=WAIT
    )
    try:
        yield client, inbox
    finally:
        await client.disconnect()


async def test_send_message_over_socketio_reaches_the_room_and_graphql_subscribers(
    served: Served, client: MessagingClient, buyer: Persona, seller: Persona
) -> None:
    conversation = await client.start(buyer, seller, "hello")
    async with (
        chat_client(served, seller.token) as (seller_io, seller_inbox),
        chat_client(served, buyer.token) as (buyer_io, _),
        live_socket(served.base_url, seller.token) as graphql,
    ):
        await open_events(graphql, client, seller, buyer, conversation)
        joined = await seller_io.call("join_room", {"conversation_id": conversation}, timeout=WAIT)
        assert joined == {"ok": True}

        ack = await buyer_io.call(
            "send_message",
            {"conversation_id": conversation, "content": "over socket.io"},
            timeout=WAIT,
        )
        received = await seller_inbox.next("receive_message")
        over_graphql = await graphql.next_data("s", "conversationEvents")

    assert ack["message"]["content"] == "over socket.io"
    assert received["id"] == ack["message"]["id"]
    assert received["sender_id"] == str(buyer.id)
    assert received["receiver_id"] == str(seller.id)
    assert over_graphql["message"]["id"] == ack["message"]["id"]


async def test_a_graphql_message_reaches_socketio_rooms_with_read_receipts(
    served: Served, client: MessagingClient, buyer: Persona, seller: Persona
) -> None:
    conversation = await client.start(buyer, seller, "hello")
    async with chat_client(served, buyer.token) as (buyer_io, inbox):
        assert await buyer_io.call(
            "join_room", {"conversation_id": conversation}, timeout=WAIT
        ) == {"ok": True}
        sent = await client.send(seller, "from graphql", conversationId=conversation)
        received = await inbox.next("receive_message")
        await client.mark_read(buyer, conversation)
        receipt = await inbox.next("conversation_event")
    assert received["id"] == sent["id"]
    assert receipt == {
        "kind": "READ",
        "conversation_id": conversation,
        "user_id": str(buyer.id),
        "read_up_to": sent["cursor"],
    }


async def test_joining_someone_elses_room_and_bad_payloads_are_clear_errors(
    served: Served, client: MessagingClient, buyer: Persona, seller: Persona, stranger: Persona
) -> None:
    conversation = await client.start(buyer, seller)
    async with chat_client(served, stranger.token) as (io, _):
        other = await io.call("join_room", {"conversation_id": conversation}, timeout=WAIT)
        malformed = await io.call("join_room", {"conversation_id": "nope"}, timeout=WAIT)
        empty = await io.call(
            "send_message", {"receiver_id": str(seller.id), "content": ""}, timeout=WAIT
        )
        not_an_object = await io.call("send_message", "hello", timeout=WAIT)
    assert other["error"]["code"] == "NOT_FOUND"
    assert malformed["error"] == {
        "code": "BAD_USER_INPUT",
        "field": "conversation_id",
        "message": "conversation_id is not a valid id.",
    }
    assert empty["error"]["code"] == "BAD_USER_INPUT"
    assert not_an_object["error"]["code"] == "BAD_USER_INPUT"


@pytest.mark.parametrize("token", [None, "not-a-token"])
async def test_connecting_without_a_valid_token_is_refused(
    served: Served, token: str | None
) -> None:
    io = socketio.AsyncClient(reconnection=False)
    with pytest.raises(socketio.exceptions.ConnectionError):
        await io.connect(
            served.base_url,
            auth=None if token is None else {"token": token},
            transports=["websocket"],
            wait_timeout=WAIT,
        )
    await io.disconnect()
