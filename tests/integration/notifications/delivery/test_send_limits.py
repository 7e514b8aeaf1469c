"""The dispatcher uses the short-lived state (decision 0027): per-user send limits hold sends
past the limit until the next window, and de-duplication keys stop a second send of one
(notification, channel) — on Redis when configured, on Postgres alone otherwise."""

from __future__ import annotations

from datetime import timedelta

import pytest
from redis.asyncio import Redis

from subgraphs.notifications.service.delivery import (
    CLAIMED_BEFORE,
    LIMITED,
    Dispatcher,
    SendLimits,
)
from subgraphs.notifications.service.state import NotificationState
from tests.integration.notifications.delivery.world import DeliveryWorld


def dispatcher(dworld: DeliveryWorld, state: NotificationState, email_limit: int) -> Dispatcher:
    services = dworld.services
    return Dispatcher(
        services.inbox.deps,
        services.dispatcher.senders,
        state=state,
        limits=SendLimits({"email": email_limit}, window_seconds=3600),
    )


@pytest.mark.parametrize("with_redis", [False, True])
async def test_sends_past_a_users_limit_wait_for_the_next_window(
    dworld: DeliveryWorld, with_redis: bool
) -> None:
    state = (
        dworld.services.state
        if with_redis
        else NotificationState(dworld.services.inbox.deps.sessions, None)
    )
    if with_redis and state.redis is None:
        pytest.skip("REALIO_REDIS_URL is not set: the Redis state is not in use")
    buyer, other = dworld.person(), dworld.person()
    sent_to_buyer = [await dworld.notify(buyer, title=f"Update {i}") for i in range(3)]
    sent_to_other = await dworld.notify(other)
    limited = dispatcher(dworld, state, email_limit=2)

    await limited.run_once()

    assert len(dworld.mails_to(buyer)) == 2
    assert len(dworld.mails_to(other)) == 1  # per user
    rows = [(await dworld.deliveries(n))["email"] for n in sent_to_buyer if n is not None]
    waiting = [r for r in rows if r["status"] == "pending"]
    assert len(waiting) == 1
    [held] = waiting
    assert (held["last_error"], held["attempts"]) == (LIMITED, 0)  # the attempt given back
    next_window = SendLimits(window_seconds=3600).next_window(dworld.clock.now)
    assert held["next_attempt_at"] == next_window
    assert sent_to_other is not None

    await limited.run_once()  # still this window: nothing more goes
    assert len(dworld.mails_to(buyer)) == 2

    dworld.clock.now = next_window + timedelta(seconds=1)
    await limited.run_once()
    assert len(dworld.mails_to(buyer)) == 3
    assert {(await dworld.deliveries(n))["email"]["status"] for n in sent_to_buyer if n} == {
        "delivered"
    }


async def test_a_held_de_duplication_key_fails_the_send_instead_of_repeating_it(
    dworld: DeliveryWorld,
) -> None:
    state = dworld.services.state
    if state.redis is None:
        pytest.skip("REALIO_REDIS_URL is not set: the Redis state is not in use")
    buyer = dworld.person()
    notification_id = await dworld.notify(buyer)
    assert notification_id is not None
    # An earlier attempt claimed it (and its outcome is unknown: the row says pending).
    assert await state.claim_delivery(notification_id, "email") is True

    await dispatcher(dworld, state, email_limit=0).run_once()

    assert dworld.mails_to(buyer) == []
    row = (await dworld.deliveries(notification_id))["email"]
    assert (row["status"], row["last_error"]) == ("failed", CLAIMED_BEFORE)


async def test_a_failed_send_gives_its_key_back_so_the_retry_goes_out(
    dworld: DeliveryWorld,
) -> None:
    state = dworld.services.state
    if state.redis is None:
        pytest.skip("REALIO_REDIS_URL is not set: the Redis state is not in use")
    redis: Redis = state.redis
    buyer = dworld.person(phone="+14155550199")
    await dworld.update(
        buyer, channels=[{"kind": "BOOKING_CONFIRMED", "channel": "SMS", "enabled": True}]
    )
    notification_id = await dworld.notify(buyer)
    assert notification_id is not None
    dworld.providers.sms_failures.append(503)
    limited = dispatcher(dworld, state, email_limit=0)

    await limited.run_once()
    row = (await dworld.deliveries(notification_id))["sms"]
    assert (row["status"], row["attempts"]) == ("pending", 1)
    assert await redis.exists(state.dedup_key(notification_id, "sms")) == 0

    dworld.clock.now = row["next_attempt_at"] + timedelta(seconds=1)
    await limited.run_once()
    row = (await dworld.deliveries(notification_id))["sms"]
    assert (row["status"], row["attempts"]) == ("delivered", 2)
    assert [m for m in dworld.providers.sms if m["to"] == "+14155550199"] != []
    assert await redis.exists(state.dedup_key(notification_id, "sms")) == 1
    assert await redis.exists(state.dedup_key(notification_id, "email")) == 1


async def test_the_served_dispatcher_counts_sends_with_the_configured_limits(
    dworld: DeliveryWorld,
) -> None:
    served = dworld.services.dispatcher
    assert served.state is dworld.services.state
    assert served.limits.per_channel == {"email": 30, "sms": 10, "push": 30}
    assert served.limits.window_seconds == 3600
