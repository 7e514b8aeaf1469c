"""Losing access live: when the other participant blocks the viewer, the viewer's streams of
their conversations end with FORBIDDEN (BLOCKED) and new ones are refused until unblocked
(decision 0022). The blocker's own streams go on; both keep their history."""

from __future__ import annotations

import uuid
from typing import Any

from tests.integration.messaging.client import CONVERSATION_EVENTS, MessagingClient
from tests.integration.messaging.conftest import Served
from tests.integration.messaging.live_client import WAIT, LiveSocket, live_socket
from tests.integration.messaging.test_socketio import chat_client
from tests.integration.messaging.test_subscriptions import open_events
from tests.support.personas import Persona

BLOCK = "mutation($u: ID!) { blockUser(userId: $u) }"
UNBLOCK = "mutation($u: ID!) { unblockUser(userId: $u) }"


def _errors(message: dict[str, Any]) -> list[dict[str, Any]]:
    if message["type"] == "error":
        errors: list[dict[str, Any]] = message["payload"]
        return errors
    assert message["type"] == "next", message
    errors = message["payload"]["errors"]
    return errors


async def _ended(live: LiveSocket, operation_id: str) -> list[dict[str, Any]]:
    """The errors that ended the operation (skipping any event delivered before them)."""
    message = await live.receive(operation_id)
    while message["type"] == "next" and "errors" not in message["payload"]:
        message = await live.receive(operation_id)
    return _errors(message)


async def test_a_block_ends_the_blocked_viewers_live_streams_not_the_blockers(
    served: Served, client: MessagingClient, buyer: Persona, seller: Persona
) -> None:
    plain = await client.start(buyer, seller, "hello")
    about = await client.send(
        buyer, "about a listing", receiverId=str(seller.id), propertyId=str(uuid.uuid4())
    )
    async with (
        live_socket(served.base_url, buyer.token) as blocked,
        live_socket(served.base_url, seller.token) as blocker,
    ):
        await open_events(blocked, client, buyer, seller, plain, "plain")
        await open_events(blocked, client, buyer, seller, about["conversationId"], "about")
        await open_events(blocker, client, seller, buyer, plain, "plain")

        await client.data(BLOCK, {"u": str(buyer.id)}, seller.token)

        for operation_id in ("plain", "about"):
            [error] = await _ended(blocked, operation_id)
            assert error["extensions"] == {"code": "FORBIDDEN", "reason": "BLOCKED"}
            complete = await blocked.receive(operation_id)
            assert complete["type"] == "complete", complete
        # The blocker's stream goes on: it receives what they send next.
        sent = await client.send(seller, "goodbye", conversationId=plain)
        event = await blocker.next_data("plain", "conversationEvents")
        assert event["message"]["id"] == sent["id"]
    # History stays readable for the blocked user.
    assert (await client.messages(buyer, plain))["totalCount"] >= 3


async def test_while_blocked_a_new_subscription_is_refused_and_after_unblocking_it_works(
    served: Served, client: MessagingClient, buyer: Persona, seller: Persona
) -> None:
    conversation = await client.start(buyer, seller, "hello")
    await client.data(BLOCK, {"u": str(buyer.id)}, seller.token)
    async with live_socket(served.base_url, buyer.token) as live:
        await live.subscribe("s", CONVERSATION_EVENTS, {"conversationId": conversation})
        [error] = _errors(await live.receive("s"))
        assert error["extensions"] == {"code": "FORBIDDEN", "reason": "BLOCKED"}

        await client.data(UNBLOCK, {"u": str(buyer.id)}, seller.token)
        await open_events(live, client, buyer, seller, conversation, "again")


async def test_over_socketio_joining_is_refused_while_blocked_and_a_block_ends_the_room(
    served: Served, client: MessagingClient, buyer: Persona, seller: Persona
) -> None:
    conversation = await client.start(buyer, seller, "hello")
    async with chat_client(served, buyer.token) as (io, inbox):
        joined = await io.call("join_room", {"conversation_id": conversation}, timeout=WAIT)
        assert joined == {"ok": True}
        await client.data(BLOCK, {"u": str(buyer.id)}, seller.token)
        ended = await inbox.next("conversation_error")
        assert ended["error"]["code"] == "FORBIDDEN" and ended["error"]["reason"] == "BLOCKED"

        again = await io.call("join_room", {"conversation_id": conversation}, timeout=WAIT)
        assert again["error"]["code"] == "FORBIDDEN"
        assert again["error"]["reason"] == "BLOCKED"
