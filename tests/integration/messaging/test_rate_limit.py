"""Sending is rate limited per user: RATE_LIMITED with retryAfter, others unaffected."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from common.auth.tokens import TokenSigner
from common.config import Settings
from tests.integration.messaging.client import SEND
from tests.integration.messaging.conftest import Served, serve_messaging
from tests.support.personas import Persona


@pytest.fixture
async def strict(messaging_settings: Settings, signer: TokenSigner) -> AsyncIterator[Served]:
    limited = messaging_settings.model_copy(
        update={"messaging_send_rate_limit": 3, "messaging_send_rate_window_seconds": 60}
    )
    async with serve_messaging(limited, signer) as served:
        yield served


async def test_sending_past_the_limit_is_rate_limited_per_user(
    strict: Served, buyer: Persona, seller: Persona, stranger: Persona
) -> None:
    client = strict.client
    conversation = await client.start(buyer, seller, "1")
    await client.send(buyer, "2", conversationId=conversation)
    await client.send(buyer, "3", conversationId=conversation)

    error = await client.error(
        SEND, {"input": {"content": "4", "conversationId": conversation}}, buyer.token
    )
    assert error["extensions"]["code"] == "RATE_LIMITED"
    assert 1 <= error["extensions"]["retryAfter"] <= 60
    # Nothing was stored for the refused message; another user still sends.
    assert (await client.messages(seller, conversation))["totalCount"] == 3
    await client.send(seller, "fine", conversationId=conversation)
