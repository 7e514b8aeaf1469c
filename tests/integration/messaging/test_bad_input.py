"""Bad input and other people's conversations: clear errors with extensions.code."""

from __future__ import annotations

import uuid
from typing import Any

import pytest

from tests.integration.messaging.client import SEND, MessagingClient
from tests.support.personas import Persona


def _send_input(**fields: Any) -> dict[str, Any]:
    return {"input": fields}


@pytest.mark.parametrize(
    ("content", "field"),
    [("", "input.content"), ("   \n ", "input.content"), ("x" * 4001, "input.content")],
)
async def test_empty_or_oversized_content_is_bad_user_input(
    client: MessagingClient, buyer: Persona, seller: Persona, content: str, field: str
) -> None:
    error = await client.error(
        SEND, _send_input(content=content, receiverId=str(seller.id)), buyer.token
    )
    assert error["extensions"]["code"] == "BAD_USER_INPUT"
    assert error["extensions"]["field"] == field


async def test_content_of_exactly_4000_characters_is_accepted(
    client: MessagingClient, buyer: Persona, seller: Persona
) -> None:
    message = await client.send(buyer, "y" * 4000, receiverId=str(seller.id))
    assert len(message["content"]) == 4000


async def test_content_is_stored_as_plain_text(
    client: MessagingClient, buyer: Persona, seller: Persona
) -> None:
    message = await client.send(buyer, "<b>hi</b>\x07 there", receiverId=str(seller.id))
    assert message["content"] == "<b>hi</b> there"


async def test_a_conversation_with_oneself_is_refused(
    client: MessagingClient, buyer: Persona
) -> None:
    error = await client.error(
        SEND, _send_input(content="me", receiverId=str(buyer.id)), buyer.token
    )
    assert error["extensions"] == {"code": "BAD_USER_INPUT", "field": "input.receiverId"}


async def test_both_or_neither_target_is_bad_user_input(
    client: MessagingClient, buyer: Persona, seller: Persona
) -> None:
    conversation = await client.start(buyer, seller)
    both = await client.error(
        SEND,
        _send_input(content="x", receiverId=str(seller.id), conversationId=conversation),
        buyer.token,
    )
    neither = await client.error(SEND, _send_input(content="x"), buyer.token)
    for error in (both, neither):
        assert error["extensions"]["code"] == "BAD_USER_INPUT"


async def test_unknown_or_malformed_ids_and_cursors_are_clear_errors(
    client: MessagingClient, buyer: Persona, seller: Persona
) -> None:
    conversation = await client.start(buyer, seller)
    unknown = await client.error(
        SEND, _send_input(content="x", conversationId=str(uuid.uuid4())), buyer.token
    )
    malformed = await client.error(
        SEND, _send_input(content="x", conversationId="not-an-id"), buyer.token
    )
    cursor = await client.error(
        'query($c: ID!) { messages(conversationId: $c, after: "garbage") { totalCount } }',
        {"c": conversation},
        buyer.token,
    )
    too_many = await client.error(
        "query($c: ID!) { messages(conversationId: $c, first: 101) { totalCount } }",
        {"c": conversation},
        buyer.token,
    )
    assert unknown["extensions"]["code"] == "NOT_FOUND"
    assert malformed["extensions"] == {"code": "BAD_USER_INPUT", "field": "input.conversationId"}
    assert cursor["extensions"] == {"code": "BAD_USER_INPUT", "field": "after"}
    assert too_many["extensions"]["code"] == "BAD_USER_INPUT"


async def test_someone_elses_conversation_is_not_found(
    client: MessagingClient, buyer: Persona, seller: Persona, stranger: Persona
) -> None:
    conversation = await client.start(buyer, seller)
    read = await client.error(
        "query($c: ID!) { messages(conversationId: $c) { totalCount } }",
        {"c": conversation},
        stranger.token,
    )
    send = await client.error(
        SEND, _send_input(content="x", conversationId=conversation), stranger.token
    )
    entity = await client.data(
        "query($r: [_Any!]!) { _entities(representations: $r) { ... on Conversation { id } } }",
        {"r": [{"__typename": "Conversation", "id": conversation}]},
        stranger.token,
    )
    assert read["extensions"]["code"] == "NOT_FOUND"
    assert send["extensions"]["code"] == "NOT_FOUND"
    assert entity == {"_entities": [None]}


async def test_signed_out_viewers_are_unauthenticated(client: MessagingClient) -> None:
    error = await client.error("{ conversations { totalCount } }")
    assert error["extensions"]["code"] == "UNAUTHENTICATED"


async def test_a_blocked_user_cannot_message_the_viewer_until_unblocked(
    client: MessagingClient, buyer: Persona, seller: Persona
) -> None:
    conversation = await client.start(buyer, seller)
    await client.data(
        "mutation($u: ID!) { blockUser(userId: $u) }", {"u": str(buyer.id)}, seller.token
    )

    refused = await client.error(
        SEND, _send_input(content="hello?", conversationId=conversation), buyer.token
    )
    fresh = await client.error(
        SEND,
        _send_input(content="hi", receiverId=str(seller.id), propertyId=str(uuid.uuid4())),
        buyer.token,
    )
    assert refused["extensions"] == {"code": "FORBIDDEN", "reason": "BLOCKED"}
    assert fresh["extensions"]["code"] == "FORBIDDEN"
    # The blocker may still write.
    await client.send(seller, "we are done", conversationId=conversation)

    await client.data(
        "mutation($u: ID!) { unblockUser(userId: $u) }", {"u": str(buyer.id)}, seller.token
    )
    await client.send(buyer, "thanks", conversationId=conversation)
