"""Several messaging instances share live delivery through Redis, and survive losing it."""

from __future__ import annotations

import asyncio

from common.auth.tokens import TokenSigner
from common.config import Settings
from common.pubsub import ReconnectingRedisBackend
from tests.integration.messaging.conftest import Served, serve_messaging
from tests.integration.messaging.live_client import WAIT, live_socket
from tests.integration.messaging.redis_server import redis_server
from tests.integration.messaging.test_subscriptions import open_events
from tests.support.personas import Persona


def _backend(served: Served) -> ReconnectingRedisBackend:
    backend = served.app.state.pubsub.redis_backend
    assert isinstance(backend, ReconnectingRedisBackend)
    return backend


async def test_a_message_sent_to_one_instance_reaches_a_subscriber_on_another(
    messaging_settings: Settings, signer: TokenSigner, buyer: Persona, seller: Persona
) -> None:
    assert messaging_settings.redis_url, "the test run configures Redis"
    async with (
        serve_messaging(messaging_settings, signer) as a,
        serve_messaging(messaging_settings, signer) as b,
    ):
        conversation = await a.client.start(buyer, seller, "hello")
        async with live_socket(b.base_url, seller.token) as live:
            # The marker is replayed by B from the store; what follows must come through Redis.
            await open_events(live, a.client, seller, buyer, conversation)
            sent = await a.client.send(buyer, "via instance A", conversationId=conversation)
            event = await live.next_data("s", "conversationEvents")
    assert event["kind"] == "MESSAGE_SENT"
    assert event["message"]["id"] == sent["id"]


async def test_live_subscribers_keep_receiving_after_redis_restarts(
    messaging_settings: Settings, signer: TokenSigner, buyer: Persona, seller: Persona
) -> None:
    async with redis_server() as redis:
        settings = messaging_settings.model_copy(update={"redis_url": redis.url})
        async with serve_messaging(settings, signer) as a, serve_messaging(settings, signer) as b:
            conversation = await a.client.start(buyer, seller, "hello")
            async with live_socket(b.base_url, seller.token) as live:
                await open_events(live, a.client, seller, buyer, conversation)

                await redis.stop()
                await asyncio.wait_for(_backend(b).disconnected.wait(), WAIT)
                # Stored while Redis is down; its live publish fails.
                during = await a.client.send(
                    buyer, "while Redis was down", conversationId=conversation
                )

                await redis.start()
                await asyncio.wait_for(_backend(b).connected.wait(), WAIT)
                missed = await live.next_data("s", "conversationEvents")
                assert missed["message"]["id"] == during["id"]

                after = await a.client.send(buyer, "Redis is back", conversationId=conversation)
                live_event = await live.next_data("s", "conversationEvents")
                assert live_event["message"]["id"] == after["id"]
            assert _backend(b).reconnects >= 1
