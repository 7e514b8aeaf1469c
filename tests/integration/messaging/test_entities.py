"""Federation: ``Conversation`` and ``Message`` entities resolve in batches, for participants."""

from __future__ import annotations

from common.auth.tokens import TokenSigner
from common.auth.viewer import Role
from tests.integration.messaging.conftest import Served
from tests.support.personas import Persona, persona
from tests.support.statements import count_statements

CONVERSATIONS = """query($reps: [_Any!]!) { _entities(representations: $reps) {
    ... on Conversation { id unreadCount read lastMessage { content read } } } }"""


async def test_conversation_entities_take_the_same_queries_for_one_or_twenty(
    served: Served, signer: TokenSigner, seller: Persona
) -> None:
    client = served.client
    buyers = [persona(signer, Role.BUYER) for _ in range(20)]
    ids = []
    for n, buyer in enumerate(buyers):
        conversation = await client.start(buyer, seller, f"inquiry {n}")
        for extra in range(n % 3):
            await client.send(buyer, f"follow-up {extra}", conversationId=conversation)
        ids.append(conversation)
    reps = [{"__typename": "Conversation", "id": i} for i in ids]
    await client.data(CONVERSATIONS, {"reps": reps[:1]}, seller.token)  # warm the pool

    with count_statements(served.app.state.engine) as one:
        single = await client.data(CONVERSATIONS, {"reps": reps[:1]}, seller.token)
    with count_statements(served.app.state.engine) as twenty:
        many = await client.data(CONVERSATIONS, {"reps": reps}, seller.token)

    assert single["_entities"] == [
        {"id": ids[0], "unreadCount": 1, "read": False,
         "lastMessage": {"content": "inquiry 0", "read": False}}
    ]  # fmt: skip
    assert [e["id"] for e in many["_entities"]] == ids
    assert [e["unreadCount"] for e in many["_entities"]] == [1 + n % 3 for n in range(20)]
    assert many["_entities"][2]["lastMessage"] == {"content": "follow-up 1", "read": False}
    # Conversations, their participants, unread counts, last messages: a query each.
    assert len(twenty) == len(one) == 4, twenty


async def test_conversation_entities_are_null_for_non_participants(
    served: Served, buyer: Persona, seller: Persona, stranger: Persona
) -> None:
    conversation = await served.client.start(buyer, seller, "private")
    reps = {"reps": [{"__typename": "Conversation", "id": conversation}]}
    assert await served.client.data(CONVERSATIONS, reps, stranger.token) == {"_entities": [None]}
    own = await served.client.data(CONVERSATIONS, reps, buyer.token)
    assert own["_entities"][0]["unreadCount"] == 0


MESSAGES = """query($reps: [_Any!]!) { _entities(representations: $reps) {
    ... on Message { id content read sender { id } } } }"""


async def test_message_entities_resolve_for_participants_in_one_batch(
    served: Served, buyer: Persona, seller: Persona, stranger: Persona
) -> None:
    client = served.client
    conversation = await client.start(buyer, seller, "one")
    second = await client.send(seller, "two", conversationId=conversation)
    listed = (await client.messages(buyer, conversation))["edges"]
    reps = [{"__typename": "Message", "id": e["node"]["id"]} for e in listed]
    with count_statements(served.app.state.engine) as statements:
        own = await client.data(MESSAGES, {"reps": reps}, buyer.token)
    assert [m["content"] for m in own["_entities"]] == ["two", "one"]
    assert own["_entities"][0] == {
        "id": second["id"], "content": "two", "read": False, "sender": {"id": str(seller.id)}
    }  # fmt: skip
    # Messages, then their conversations with participants: the same for any number.
    assert len(statements) == 3, statements
    other = await client.data(MESSAGES, {"reps": reps}, stranger.token)
    assert other == {"_entities": [None, None]}
