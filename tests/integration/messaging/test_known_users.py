"""Messaging knows which users exist from users' events (``realio.users``), not by asking
users: a message to an unknown ``receiverId`` is NOT_FOUND naming the argument."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

from sqlalchemy import select

from common.auth.tokens import TokenSigner
from common.auth.viewer import Role
from common.events import new_event
from subgraphs.messaging.models import known_users
from tests.integration.messaging.client import SEND
from tests.integration.messaging.conftest import Served, UsersFeed
from tests.integration.messaging.users_events import user_registered
from tests.support.personas import Persona, persona


def _send(receiver: uuid.UUID, content: str = "Hello") -> dict[str, object]:
    return {"input": {"content": content, "receiverId": str(receiver)}}


async def _role_of(served: Served, user_id: uuid.UUID) -> str | None:
    async with served.app.state.engine.connect() as conn:
        role: str | None = await conn.scalar(
            select(known_users.c.role).where(known_users.c.user_id == user_id)
        )
    return role


async def test_a_message_to_an_unknown_user_is_not_found_and_stores_nothing(
    served: Served, users_feed: UsersFeed, signer: TokenSigner, buyer: Persona
) -> None:
    client = served.client
    nobody = persona(signer, Role.SELLER)  # a valid id users never announced
    error = await client.error(SEND, _send(nobody.id), buyer.token)
    assert error["extensions"] == {
        "code": "NOT_FOUND",
        "field": "input.receiverId",
        "id": str(nobody.id),
    }
    assert (await client.inbox(buyer))["totalCount"] == 0
    assert (await client.inbox(nobody))["totalCount"] == 0

    await users_feed.register(nobody)
    sent = await client.send(buyer, "Now you exist", receiverId=str(nobody.id))
    assert sent["receiver"] == {"id": str(nobody.id)}


async def test_any_account_event_makes_a_user_known_and_older_snapshots_change_nothing(
    served: Served, users_feed: UsersFeed, signer: TokenSigner, buyer: Persona
) -> None:
    promoted = persona(signer, Role.BUYER)
    signed_in = persona(signer, Role.BUYER)
    now = datetime.now(UTC)
    await users_feed.publish(
        new_event(
            "user.role_changed",
            str(promoted.id),
            {
                "user_id": str(promoted.id),
                "role": "agent",
                "previous_role": "buyer",
                "token_epoch": 1,
            },
            producer="users",
            aggregate_type="users",
        ),  # fmt: skip
        new_event(
            "session.started",
            str(signed_in.id),
            {
                "user_id": str(signed_in.id),
                "session_id": str(uuid.uuid4()),
                "device": "test",
                "new_device": False,
                "first_session": True,
                "started_at": now.isoformat(),
            },
            producer="users",
            aggregate_type="users",
        ),  # fmt: skip
        # A snapshot older than the role change above arrives late: it changes nothing.
        user_registered(promoted, at=now - timedelta(days=1)),
    )
    for user in (promoted, signed_in):
        await served.client.send(buyer, "hi", receiverId=str(user.id))
    assert await _role_of(served, promoted.id) == "agent"
    assert await _role_of(served, signed_in.id) is None


async def test_a_newer_snapshot_replaces_the_role_known_so_far(
    served: Served, users_feed: UsersFeed, signer: TokenSigner
) -> None:
    user = persona(signer, Role.SELLER)
    registered = user_registered(user, at=datetime.now(UTC) - timedelta(minutes=1))
    updated = user_registered(user)
    updated.payload["role"] = "agent"
    await users_feed.publish(
        registered,
        new_event(
            "user.profile_updated",
            str(user.id),
            {**updated.payload, "changes": ["name"]},
            producer="users",
            aggregate_type="users",
        ),
    )
    assert await _role_of(served, user.id) == "agent"


async def test_blocking_an_unknown_user_is_not_found(
    served: Served, signer: TokenSigner, buyer: Persona
) -> None:
    nobody = persona(signer, Role.BUYER)
    error = await served.client.error(
        "mutation($u: ID!) { blockUser(userId: $u) }", {"u": str(nobody.id)}, buyer.token
    )
    assert error["extensions"]["code"] == "NOT_FOUND"
    assert error["extensions"]["field"] == "userId"
