"""Sending, listing, the inbox, read state and clearing, against the real subgraph."""

from __future__ import annotations

from tests.integration.messaging.client import MessagingClient
from tests.support.personas import Persona


async def test_first_message_to_a_user_starts_a_conversation_and_the_next_reuses_it(
    client: MessagingClient, buyer: Persona, seller: Persona
) -> None:
    first = await client.send(buyer, "Is it still available?", receiverId=str(seller.id))
    second = await client.send(seller, "Yes!", receiverId=str(buyer.id))

    assert second["conversationId"] == first["conversationId"]
    assert first["sender"] == {"id": str(buyer.id)}
    assert first["receiver"] == {"id": str(seller.id)}
    assert second["receiver"] == {"id": str(buyer.id)}


async def test_a_conversation_about_a_property_is_separate_from_the_plain_one(
    client: MessagingClient, buyer: Persona, seller: Persona
) -> None:
    plain = await client.start(buyer, seller)
    about = await client.send(
        buyer,
        "About the flat",
        receiverId=str(seller.id),
        propertyId="00000000-0000-4000-8000-000000000001",
    )
    again = await client.send(
        seller,
        "Sure",
        receiverId=str(buyer.id),
        propertyId="00000000-0000-4000-8000-000000000001",
    )

    assert about["conversationId"] != plain
    assert again["conversationId"] == about["conversationId"]


async def test_messages_are_newest_first_and_paginate_by_cursor(
    client: MessagingClient, buyer: Persona, seller: Persona
) -> None:
    conversation = await client.start(buyer, seller, "m0")
    for n in range(1, 5):
        await client.send(seller if n % 2 else buyer, f"m{n}", conversationId=conversation)

    page = await client.messages(buyer, conversation, first=3)
    rest = await client.messages(buyer, conversation, first=3, after=page["pageInfo"]["endCursor"])

    assert [e["node"]["content"] for e in page["edges"]] == ["m4", "m3", "m2"]
    assert page["pageInfo"]["hasNextPage"] is True
    assert [e["node"]["content"] for e in rest["edges"]] == ["m1", "m0"]
    assert rest["pageInfo"]["hasNextPage"] is False
    assert page["totalCount"] == 5


async def test_reading_moves_the_pointer_and_unread_counts_follow(
    client: MessagingClient, buyer: Persona, seller: Persona
) -> None:
    conversation = await client.start(buyer, seller, "one")
    second = await client.send(buyer, "two", conversationId=conversation)
    await client.send(buyer, "three", conversationId=conversation)

    inbox = await client.inbox(seller)
    entry = next(e["node"] for e in inbox["edges"] if e["node"]["id"] == conversation)
    assert entry["unreadCount"] == 3 and entry["read"] is False
    assert entry["lastMessage"]["content"] == "three"

    partly = await client.mark_read(seller, conversation, second["cursor"])
    assert partly["unreadCount"] == 1
    listed = await client.messages(buyer, conversation)
    assert [e["node"]["read"] for e in listed["edges"]] == [False, True, True]

    everything = await client.mark_read(seller, conversation)
    assert everything == {"id": conversation, "unreadCount": 0, "read": True}
    # The pointer never moves back.
    back = await client.mark_read(seller, conversation, second["cursor"])
    assert back["unreadCount"] == 0


async def test_inbox_lists_most_recent_conversation_first(
    client: MessagingClient, buyer: Persona, seller: Persona, stranger: Persona
) -> None:
    older = await client.start(buyer, seller, "first")
    newer = await client.start(buyer, stranger, "second")
    inbox = await client.inbox(buyer)
    ids = [e["node"]["id"] for e in inbox["edges"]]
    assert ids.index(newer) < ids.index(older)

    await client.send(seller, "bump", conversationId=older)
    ids = [e["node"]["id"] for e in (await client.inbox(buyer, first=1))["edges"]]
    assert ids == [older]


async def test_clearing_hides_messages_from_the_viewer_only(
    client: MessagingClient, buyer: Persona, seller: Persona
) -> None:
    conversation = await client.start(buyer, seller, "hi")
    await client.send(seller, "hello", conversationId=conversation)

    cleared = await client.data(
        "mutation($c: ID!) { deleteMessages(conversationId: $c) }", {"c": conversation}, buyer.token
    )
    assert cleared == {"deleteMessages": 2}
    assert (await client.messages(buyer, conversation))["edges"] == []
    assert len((await client.messages(seller, conversation))["edges"]) == 2

    await client.send(seller, "still there?", conversationId=conversation)
    mine = await client.messages(buyer, conversation)
    assert [e["node"]["content"] for e in mine["edges"]] == ["still there?"]


async def test_the_sender_deletes_a_message_leaving_a_tombstone_for_both(
    client: MessagingClient, buyer: Persona, seller: Persona
) -> None:
    conversation = await client.start(buyer, seller, "oops")
    message = (await client.messages(buyer, conversation))["edges"][0]["node"]

    refused = await client.error(
        "mutation($id: ID!) { deleteMessage(id: $id) { id } }", {"id": message["id"]}, seller.token
    )
    assert refused["extensions"]["code"] == "FORBIDDEN"
    deleted = await client.data(
        "mutation($id: ID!) { deleteMessage(id: $id) { deleted content } }",
        {"id": message["id"]},
        buyer.token,
    )
    assert deleted == {"deleteMessage": {"deleted": True, "content": None}}
    for persona in (buyer, seller):
        node = (await client.messages(persona, conversation))["edges"][0]["node"]
        assert (node["deleted"], node["content"]) == (True, None)


async def test_unread_message_count_is_the_users_own(
    client: MessagingClient, buyer: Persona, seller: Persona
) -> None:
    conversation = await client.start(buyer, seller, "a")
    await client.send(buyer, "b", conversationId=conversation)
    query = """query($reps: [_Any!]!) { _entities(representations: $reps) {
        ... on User { unreadMessageCount } } }"""
    reps = {"reps": [{"__typename": "User", "id": str(seller.id)}]}

    own = await client.data(query, reps, seller.token)
    assert own == {"_entities": [{"unreadMessageCount": 2}]}
    other = await client.call(query, reps, buyer.token)
    assert other["errors"][0]["extensions"]["code"] == "FORBIDDEN"
