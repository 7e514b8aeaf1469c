"""The events messaging publishes on ``realio.messages``, written with the change they announce:
conversation.started, message.sent (receiver and conversation ids, for notifications) and
conversation.read."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from subgraphs.messaging.models import outbox
from tests.integration.messaging.client import MessagingClient
from tests.integration.messaging.conftest import Served
from tests.support.personas import Persona


async def _events_of(served: Served, conversation: str) -> list[tuple[str, dict[str, Any]]]:
    async with served.app.state.engine.connect() as conn:
        rows = await conn.execute(
            select(outbox.c.type, outbox.c.payload, outbox.c.topic)
            .where(outbox.c.aggregate_id == conversation)
            .order_by(outbox.c.seq)
        )
        found = rows.all()
    assert {row.topic for row in found} == {"realio.messages"}
    return [(row.type, row.payload) for row in found]


async def test_sending_and_reading_record_their_events_on_realio_messages(
    served: Served, client: MessagingClient, buyer: Persona, seller: Persona
) -> None:
    listing = "6f1c2a4e-0b9d-4c55-9e0e-2a1d3c4b5e6f"
    first = await client.send(buyer, "Hello", receiverId=str(seller.id), propertyId=listing)
    conversation = first["conversationId"]
    second = await client.send(seller, "Hi!", conversationId=conversation)
    await client.mark_read(buyer, conversation)

    events = await _events_of(served, conversation)
    assert [t for t, _ in events] == [
        "conversation.started",
        "message.sent",
        "message.sent",
        "conversation.read",
    ]
    started, sent, replied, read = (payload for _, payload in events)
    assert started == {
        "conversation_id": conversation,
        "participant_ids": [str(buyer.id), str(seller.id)],
        "property_id": listing,
    }
    assert sent == {
        "message_id": first["id"],
        "conversation_id": conversation,
        "sender_id": str(buyer.id),
        "receiver_id": str(seller.id),
        "property_id": listing,
    }
    assert (replied["sender_id"], replied["receiver_id"]) == (str(seller.id), str(buyer.id))
    assert replied["message_id"] == second["id"]
    assert read == {"conversation_id": conversation, "user_id": str(buyer.id), "up_to": 2}


async def test_a_refused_send_records_no_event(
    served: Served, client: MessagingClient, buyer: Persona, seller: Persona
) -> None:
    conversation = await client.start(buyer, seller, "one")
    before = await _events_of(served, conversation)
    await client.error(
        "mutation($i: SendMessageInput!) { sendMessage(input: $i) { id } }",
        {"i": {"content": "", "conversationId": conversation}},
        buyer.token,
    )
    assert await _events_of(served, conversation) == before
