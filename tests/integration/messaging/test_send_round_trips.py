"""sendMessage to an existing conversation is one transaction of two statements: the append
(which checks that the sender takes part and is not blocked) and the outbox row. A refused send
reads a little more to say why, and writes nothing."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from sqlalchemy import event
from sqlalchemy.ext.asyncio import AsyncEngine

from tests.integration.messaging.client import SEND
from tests.integration.messaging.conftest import Served
from tests.support.personas import Persona
from tests.support.statements import count_statements


@contextmanager
def count_checkouts(engine: AsyncEngine) -> Iterator[list[int]]:
    """How many times a connection is taken from the pool."""
    checkouts: list[int] = []

    def record(*_: Any) -> None:
        checkouts.append(1)

    event.listen(engine.sync_engine, "checkout", record)
    try:
        yield checkouts
    finally:
        event.remove(engine.sync_engine, "checkout", record)


async def test_a_send_to_a_conversation_is_two_statements_on_one_connection(
    served: Served, buyer: Persona, seller: Persona
) -> None:
    client = served.client
    conversation = await client.start(buyer, seller, "first")
    engine = served.app.state.engine

    with count_statements(engine) as statements, count_checkouts(engine) as checkouts:
        sent = await client.send(seller, "second", conversationId=conversation)

    assert len(statements) == 2, statements
    assert "INSERT INTO messages" in statements[0]
    assert "outbox" in statements[1]
    assert len(checkouts) == 1
    assert sent["content"] == "second"
    assert sent["sender"] == {"id": str(seller.id)}
    assert sent["receiver"] == {"id": str(buyer.id)}
    assert sent["read"] is False
    # The stored state is what the slower path wrote: seq 2, read by its sender only.
    page = await client.messages(buyer, conversation)
    assert [e["node"]["content"] for e in page["edges"]] == ["second", "first"]
    inbox = await client.inbox(seller)
    entry = next(e["node"] for e in inbox["edges"] if e["node"]["id"] == conversation)
    assert entry["unreadCount"] == 0
    assert entry["lastMessage"]["content"] == "second"
    buyer_entry = next(
        e["node"] for e in (await client.inbox(buyer))["edges"] if e["node"]["id"] == conversation
    )
    assert buyer_entry["unreadCount"] == 1


async def test_a_refused_send_writes_nothing_and_says_why(
    served: Served, buyer: Persona, seller: Persona, stranger: Persona
) -> None:
    client = served.client
    conversation = await client.start(buyer, seller, "hello")
    engine = served.app.state.engine

    with count_statements(engine) as statements:
        error = await client.error(
            SEND, {"input": {"content": "intruding", "conversationId": conversation}},
            stranger.token,
        )  # fmt: skip
    assert error["extensions"]["code"] == "NOT_FOUND"
    assert not [s for s in statements if s.lstrip().upper().startswith("INSERT")]

    await client.data(
        "mutation($u: ID!) { blockUser(userId: $u) }", {"u": str(buyer.id)}, seller.token
    )
    error = await client.error(
        SEND, {"input": {"content": "blocked", "conversationId": conversation}}, buyer.token
    )
    assert error["extensions"] == {"code": "FORBIDDEN", "reason": "BLOCKED"}
    assert (await client.messages(seller, conversation))["totalCount"] == 1
