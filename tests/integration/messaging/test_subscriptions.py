"""Subscriptions on the subgraph itself (graphql-transport-ws): events, resumption, access."""

from __future__ import annotations

import asyncio

from common.auth.tokens import TokenSigner
from common.auth.viewer import Role
from common.config import Settings
from tests.integration.messaging.client import (
    CONVERSATION_EVENTS,
    INBOX_EVENTS,
    MessagingClient,
)
from tests.integration.messaging.conftest import KnownPersonas, Served
from tests.integration.messaging.live_client import LiveSocket, live_socket
from tests.support.personas import Persona


async def test_participants_receive_messages_read_receipts_typing_and_deletions(
    served: Served, client: MessagingClient, buyer: Persona, seller: Persona
) -> None:
    conversation = await client.start(buyer, seller, "hello")
    async with live_socket(served.base_url, seller.token) as live:
        await open_events(live, client, seller, buyer, conversation)

        sent = await client.send(buyer, "are you there?", conversationId=conversation)
        event = await live.next_data("s", "conversationEvents")
        assert event["kind"] == "MESSAGE_SENT"
        assert event["message"]["id"] == sent["id"]
        assert event["message"]["sender"] == {"id": str(buyer.id)}

        await client.data(
            "mutation($c: ID!) { sendTyping(conversationId: $c) }", {"c": conversation}, buyer.token
        )
        typing = await live.next_data("s", "conversationEvents")
        assert (typing["kind"], typing["user"]) == ("TYPING", {"id": str(buyer.id)})

        await client.mark_read(seller, conversation)
        receipt = await live.next_data("s", "conversationEvents")
        assert receipt["kind"] == "READ" and receipt["user"] == {"id": str(seller.id)}
        assert receipt["readUpTo"] == sent["cursor"]

        await client.data(
            "mutation($id: ID!) { deleteMessage(id: $id) { id } }", {"id": sent["id"]}, buyer.token
        )
        deleted = await live.next_data("s", "conversationEvents")
        assert deleted["kind"] == "MESSAGE_DELETED"
        assert (deleted["message"]["id"], deleted["message"]["content"]) == (sent["id"], None)


async def open_events(
    live: LiveSocket,
    client: MessagingClient,
    reader: Persona,
    sender: Persona,
    conversation: str,
    operation_id: str = "s",
) -> None:
    """Subscribe, and return once the stream is live: it resumes after the newest message,
    so a marker sent before subscribing must arrive first (replayed from the store)."""
    latest = (await client.messages(reader, conversation, first=1))["edges"][0]["cursor"]
    marker = await client.send(sender, "(marker)", conversationId=conversation)
    variables = {"conversationId": conversation, "after": latest}
    await live.subscribe(operation_id, CONVERSATION_EVENTS, variables)
    event = await live.next_data(operation_id, "conversationEvents")
    assert event["message"]["id"] == marker["id"], event


async def test_resuming_after_a_cursor_replays_then_goes_live_without_gap_or_duplicate(
    served: Served, client: MessagingClient, buyer: Persona, seller: Persona
) -> None:
    conversation = await client.start(buyer, seller, "m0")
    seen = await client.send(buyer, "m1", conversationId=conversation)
    for n in range(2, 6):
        await client.send(buyer, f"m{n}", conversationId=conversation)

    stop = asyncio.Event()

    async def keep_sending() -> list[str]:
        sent, n = [], 6
        while not stop.is_set():
            await client.send(buyer, f"m{n}", conversationId=conversation)
            sent.append(f"m{n}")
            n += 1
        return sent

    async with live_socket(served.base_url, seller.token) as live:
        sender = asyncio.ensure_future(keep_sending())
        await live.subscribe(
            "s", CONVERSATION_EVENTS, {"conversationId": conversation, "after": seen["cursor"]}
        )
        received: list[str] = []
        while len(received) < 20:
            event = await live.next_data("s", "conversationEvents")
            received.append(event["message"]["content"])
        stop.set()
        sent = await sender
        while len(received) < 4 + len(sent):
            event = await live.next_data("s", "conversationEvents")
            received.append(event["message"]["content"])

    assert received == [f"m{n}" for n in range(2, 6 + len(sent))]


async def test_someone_elses_conversation_cannot_be_subscribed(
    served: Served, client: MessagingClient, buyer: Persona, seller: Persona, stranger: Persona
) -> None:
    conversation = await client.start(buyer, seller)
    async with live_socket(served.base_url, stranger.token) as live:
        await live.subscribe("s", CONVERSATION_EVENTS, {"conversationId": conversation})
        message = await live.receive("s")
    errors = message["payload"] if message["type"] == "error" else message["payload"]["errors"]
    assert errors[0]["extensions"]["code"] == "NOT_FOUND"


async def test_a_subscription_ends_with_unauthenticated_when_its_token_expires(
    served: Served,
    client: MessagingClient,
    messaging_settings: Settings,
    signer: TokenSigner,
    seller: Persona,
    known: KnownPersonas,
) -> None:
    short = TokenSigner(
        signer._key, messaging_settings.model_copy(update={"access_token_ttl_seconds": 2})
    )
    buyer = await known(Role.BUYER, signer=short)
    conversation = await client.start(seller, buyer)
    async with live_socket(served.base_url, buyer.token) as live:
        await live.subscribe("s", CONVERSATION_EVENTS, {"conversationId": conversation})
        message = await live.receive("s", timeout=10)
        while message["type"] == "next" and "errors" not in message["payload"]:
            message = await live.receive("s", timeout=10)
    errors = message["payload"] if message["type"] == "error" else message["payload"]["errors"]
    assert errors[0]["extensions"]["code"] == "UNAUTHENTICATED"
    assert errors[0]["extensions"]["reason"] == "TOKEN_EXPIRED"


async def test_inbox_events_carry_the_changed_conversation(
    served: Served, client: MessagingClient, buyer: Persona, seller: Persona
) -> None:
    conversation = await client.start(buyer, seller, "first")
    async with live_socket(served.base_url, seller.token) as live:
        await live.subscribe("i", INBOX_EVENTS)
        while True:
            await client.send(buyer, "ping", conversationId=conversation)
            try:
                event = (await live.receive("i", timeout=0.5))["payload"]["data"]["inboxEvents"]
                break
            except TimeoutError:
                continue
    assert event["kind"] == "MESSAGE_SENT"
    assert event["conversation"]["id"] == conversation
    assert event["conversation"]["lastMessage"] == {"content": "ping"}
    assert event["conversation"]["unreadCount"] >= 2


async def test_a_malformed_message_closes_only_that_connection(
    served: Served, client: MessagingClient, buyer: Persona, seller: Persona
) -> None:
    conversation = await client.start(buyer, seller)
    async with (
        live_socket(served.base_url, seller.token) as healthy,
        live_socket(served.base_url, buyer.token) as broken,
    ):
        await open_events(healthy, client, seller, buyer, conversation)
        await broken.socket.send("{not json")
        code, _ = await broken.wait_closed()
        assert code == 4400
        sent = await client.send(buyer, "still here", conversationId=conversation)
        event = await healthy.next_data("s", "conversationEvents")
        assert event["message"]["id"] == sent["id"]
