"""Several messaging instances share live delivery through Redis, and survive losing it."""

from __future__ import annotations

import asyncio
import contextlib

from common.auth.tokens import TokenSigner
from common.config import Settings
from common.pubsub import PubSub, ReconnectingRedisBackend
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


async def test_subscriptions_opened_at_once_on_one_channel_all_receive(
    messaging_settings: Settings,
) -> None:
    """Two chat participants subscribing to their conversation at the same moment: broadcaster
    registered only the last of two subscribes still waiting for Redis, and the other never
    received anything (the READ receipt the buyer missed in the router e2e test)."""
    assert messaging_settings.redis_url, "the test run configures Redis"
    pubsub = PubSub(messaging_settings.redis_url, prefix=messaging_settings.redis_key_prefix)
    await pubsub.start()
    try:
        async with contextlib.AsyncExitStack() as stack:
            subscriptions = await asyncio.gather(
                *(stack.enter_async_context(pubsub.subscribe("same")) for _ in range(3))
            )
            await pubsub.publish("same", {"n": 1})
            received = [await asyncio.wait_for(s.get(), WAIT) for s in subscriptions]
        assert received == [{"n": 1}] * 3
        # Every subscriber left: the channel is unsubscribed, and a new one works.
        async with pubsub.subscribe("same") as again:
            await pubsub.publish("same", {"n": 2})
            assert await asyncio.wait_for(again.get(), WAIT) == {"n": 2}
    finally:
        await pubsub.stop()
