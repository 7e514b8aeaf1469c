"""messaging's real events: a message left unread past the delay notifies its receiver once per
burst; reading the conversation first cancels it. The schedule is driven with explicit times."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from common.auth.viewer import Role
from common.config import Settings
from subgraphs.notifications.app import NotificationsOptions, create_app
from tests.integration.notifications.triggers import MARK_READ, SEND_MESSAGE, Producers
from tests.support.personas import Persona


async def send(producers: Producers, sender: Persona, to: Persona, text: str) -> dict[str, Any]:
    variables = {"input": {"content": text, "receiverId": str(to.id)}}
    data = await producers.messaging.data(SEND_MESSAGE, variables, sender.token)
    sent: dict[str, Any] = data["sendMessage"]
    return sent


async def test_a_burst_left_unread_past_the_delay_makes_one_notification(
    producers: Producers,
) -> None:
    buyer, seller = producers.persona(Role.BUYER), producers.persona(Role.SELLER)
    delay = producers.services.message_alerts.delay
    assert delay == timedelta(minutes=2)  # REALIO_NOTIFICATIONS_MESSAGE_DELAY_SECONDS default
    sent_at = datetime.now(UTC)
    for text in ("Hello", "Is it still available?", "I can view on Friday"):
        sent = await send(producers, buyer, seller, text)
    conversation_id = sent["conversationId"]
    await producers.settle()

    await producers.run_due(sent_at + delay - timedelta(seconds=5))
    assert await producers.stored(seller.id) == []  # not due yet
    await producers.run_due(datetime.now(UTC) + delay + timedelta(seconds=1))
    [told] = await producers.world.listed(seller)
    assert (told["kind"], told["title"]) == ("MESSAGE_UNREAD", "3 new messages")
    assert told["conversationId"] == conversation_id
    assert await producers.stored(buyer.id) == []  # senders are not told about their own

    # Nothing is due twice; a new message after the alert starts a new burst.
    await producers.run_due(datetime.now(UTC) + delay * 2)
    assert len(await producers.stored(seller.id)) == 1
    await send(producers, buyer, seller, "Any news?")
    await producers.settle()
    await producers.run_due(datetime.now(UTC) + delay + timedelta(seconds=1))
    newest, _ = await producers.world.listed(seller)
    assert newest["title"] == "New message"


async def test_reading_the_conversation_before_the_delay_cancels_the_alert(
    producers: Producers,
) -> None:
    buyer, seller = producers.persona(Role.BUYER), producers.persona(Role.SELLER)
    agent = producers.persona(Role.AGENT)
    sent = await send(producers, buyer, seller, "Quick question")
    conversation_id = sent["conversationId"]
    await producers.messaging.data(
        MARK_READ, {"id": conversation_id, "upTo": sent["cursor"]}, seller.token
    )
    # A reply reads the conversation too: the agent answers and is not alerted, the
    # buyer, who never reads the answer, is.
    asked = await send(producers, buyer, agent, "Another question")
    answer = await send(producers, agent, buyer, "Answered")
    await producers.settle()
    await producers.run_due(datetime.now(UTC) + timedelta(minutes=3))
    assert await producers.stored(seller.id) == []  # read in time
    assert await producers.stored(agent.id) == []  # replied in time
    [told] = await producers.stored(buyer.id)
    assert (told.kind, str(told.conversation_id)) == ("message_unread", answer["conversationId"])
    assert asked["conversationId"] == answer["conversationId"] != conversation_id


async def test_the_delay_is_read_from_its_setting(
    producers: Producers, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("REALIO_NOTIFICATIONS_MESSAGE_DELAY_SECONDS", "7")
    app = create_app(Settings(), NotificationsOptions(run_events=False))
    try:
        assert app.state.services.message_alerts.delay == timedelta(seconds=7)
    finally:
        await app.state.engine.dispose()
    assert producers.services.message_alerts.delay == timedelta(minutes=2)  # the default
