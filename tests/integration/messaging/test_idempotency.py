"""sendMessage with an idempotencyKey: a retry returns the first message, sent once."""

from __future__ import annotations

from tests.integration.messaging.client import MESSAGE_FIELDS, MessagingClient
from tests.support.personas import Persona

SEND = f"""mutation($input: SendMessageInput!, $key: String) {{
  sendMessage(input: $input, idempotencyKey: $key) {{ {MESSAGE_FIELDS} }} }}"""


async def test_a_retried_send_returns_the_first_message_and_stores_one(
    client: MessagingClient, buyer: Persona, seller: Persona
) -> None:
    conversation = await client.start(buyer, seller)
    variables = {"input": {"content": "once", "conversationId": conversation}, "key": "k-1"}

    first = await client.data(SEND, variables, buyer.token)
    retry = await client.data(SEND, variables, buyer.token)

    assert retry["sendMessage"]["id"] == first["sendMessage"]["id"]
    listed = await client.messages(seller, conversation)
    assert [e["node"]["content"] for e in listed["edges"]] == ["once", "Hello"]


async def test_the_same_key_with_other_content_is_a_conflict(
    client: MessagingClient, buyer: Persona, seller: Persona
) -> None:
    target = {"receiverId": str(seller.id)}
    await client.data(SEND, {"input": {"content": "a", **target}, "key": "k-2"}, buyer.token)
    error = await client.error(
        SEND, {"input": {"content": "b", **target}, "key": "k-2"}, buyer.token
    )
    assert error["extensions"] == {"code": "CONFLICT", "field": "idempotencyKey"}
    blank = await client.error(SEND, {"input": {"content": "c", **target}, "key": " "}, buyer.token)
    assert blank["extensions"]["code"] == "BAD_USER_INPUT"
