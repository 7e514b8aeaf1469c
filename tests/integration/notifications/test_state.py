"""notifications' short-lived state on real Redis (decision 0027): unread counters, delivery
de-duplication keys and per-user send limits, each rebuilt from Postgres when Redis loses it,
and each answered by Postgres alone without Redis (or with a Redis that does not answer)."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

import pytest
from redis.asyncio import Redis
from sqlalchemy import insert

from common.auth.viewer import Role
from subgraphs.notifications.models import deliveries
from subgraphs.notifications.service.state import NotificationState
from tests.integration.notifications.world import MARK, MARK_ALL, USER_FIELDS, NotificationsWorld


def redis_of(nworld: NotificationsWorld) -> Redis:
    state: NotificationState = nworld.app.state.services.state
    if state.redis is None:
        pytest.skip("REALIO_REDIS_URL is not set: the Redis state is not in use")
    return state.redis


async def flush(nworld: NotificationsWorld) -> int:
    """Lose every notifications key of this run (other runs share the server)."""
    redis = redis_of(nworld)
    pattern = f"{nworld.settings.redis_key_prefix}notifications:*"
    keys = [k async for k in redis.scan_iter(match=pattern)]
    if keys:
        await redis.delete(*keys)
    return len(keys)


async def unread(nworld: NotificationsWorld, user_id: uuid.UUID, token: str) -> int:
    data = await nworld.notifications.data(USER_FIELDS, {"id": str(user_id)}, token)
    count: int = data["_entities"][0]["unreadNotificationCount"]
    return count


async def test_unread_counts_live_in_redis_and_survive_a_flush(nworld: NotificationsWorld) -> None:
    redis = redis_of(nworld)
    state: NotificationState = nworld.app.state.services.state
    admin, buyer = nworld.persona(Role.ADMIN), nworld.persona(Role.BUYER)
    made = [await nworld.announce(admin, buyer, f"n{i}") for i in range(3)]
    assert await unread(nworld, buyer.id, buyer.token) == 3
    assert await redis.get(state.unread_key(buyer.id)) == b"3"  # cached by the read

    # Later changes adjust the cached counter (after their commit).
    await nworld.notifications.data(MARK, {"id": made[0]["id"]}, buyer.token)
    await nworld.notifications.data(MARK, {"id": made[0]["id"]}, buyer.token)  # no double count
    await nworld.announce(admin, buyer, "n3")
    await nworld.app.state.services.inbox.wait_published()
    assert await redis.get(state.unread_key(buyer.id)) == b"3"
    assert await unread(nworld, buyer.id, buyer.token) == 3

    assert await flush(nworld) >= 1
    assert await redis.get(state.unread_key(buyer.id)) is None
    assert await unread(nworld, buyer.id, buyer.token) == 3  # rebuilt from Postgres
    assert await redis.get(state.unread_key(buyer.id)) == b"3"

    await nworld.notifications.data(MARK_ALL, None, buyer.token)
    assert await unread(nworld, buyer.id, buyer.token) == 0


async def test_without_redis_or_with_redis_down_postgres_answers(
    nworld: NotificationsWorld,
) -> None:
    admin, buyer = nworld.persona(Role.ADMIN), nworld.persona(Role.BUYER)
    made = [await nworld.announce(admin, buyer, f"n{i}") for i in range(2)]
    await nworld.notifications.data(MARK, {"id": made[0]["id"]}, buyer.token)
    sessions = nworld.app.state.services.inbox.deps.sessions
    unreachable = Redis.from_url(
        "redis://127.0.0.1:1/0", socket_connect_timeout=0.5, socket_timeout=0.5
    )
    try:
        for state in (NotificationState(sessions, None), NotificationState(sessions, unreachable)):
            assert await state.unread_count(buyer.id) == 1
            await state.unread_changed({buyer.id: 5})  # nothing to adjust, nothing raised
            assert await state.unread_count(buyer.id) == 1
            assert await state.claim_delivery(uuid.UUID(made[1]["id"]), "email") is True
            assert await state.claim_delivery(uuid.UUID(made[1]["id"]), "email") is True
            assert await state.allow_send(buyer.id, "email", limit=1, window_seconds=3600)
    finally:
        await unreachable.aclose()


async def test_a_delivery_is_claimed_once_until_redis_loses_the_key(
    nworld: NotificationsWorld,
) -> None:
    redis_of(nworld)
    state: NotificationState = nworld.app.state.services.state
    notification_id = uuid.uuid4()
    assert await state.claim_delivery(notification_id, "email") is True
    assert await state.claim_delivery(notification_id, "email") is False
    assert await state.claim_delivery(notification_id, "in_app") is True  # per channel
    await flush(nworld)
    # Lost: the fast path says yes again, and the delivery row in Postgres is the guard.
    assert await state.claim_delivery(notification_id, "email") is True


async def test_send_limits_count_in_redis_and_restart_from_postgres(
    nworld: NotificationsWorld,
) -> None:
    redis_of(nworld)
    state: NotificationState = nworld.app.state.services.state
    admin, buyer = nworld.persona(Role.ADMIN), nworld.persona(Role.BUYER)
    engine = nworld.app.state.engine

    async def record_email_sent() -> None:
        made = await nworld.announce(admin, buyer, "mail")
        async with engine.begin() as conn:
            await conn.execute(
                insert(deliveries).values(
                    notification_id=uuid.UUID(made["id"]),
                    channel="email",
                    status="delivered",
                    attempts=1,
                    updated_at=datetime.now(UTC),
                )
            )

    # Two sent before Redis knew of this user (say, before a restart of Redis).
    await record_email_sent()
    await record_email_sent()
    limit = {"limit": 3, "window_seconds": 3600}
    assert await state.allow_send(buyer.id, "email", **limit) is True  # 2 recorded + this one
    await record_email_sent()
    assert await state.allow_send(buyer.id, "email", **limit) is False
    assert await state.allow_send(buyer.id, "sms", **limit) is True  # per channel

    await flush(nworld)
    # Rebuilt from the three deliveries Postgres recorded: still over the limit.
    assert await state.allow_send(buyer.id, "email", **limit) is False
    postgres_only = NotificationState(nworld.app.state.services.inbox.deps.sessions, None)
    assert await postgres_only.allow_send(buyer.id, "email", **limit) is False
    assert await postgres_only.allow_send(buyer.id, "email", limit=4, window_seconds=3600)
