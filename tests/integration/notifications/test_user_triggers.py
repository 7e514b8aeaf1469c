"""users' real events: the projection of users, the welcome and the new-device sign-in."""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy import text

from common.auth.viewer import Role
from tests.integration.notifications.triggers import Producers
from tests.integration.users.client import VERIFY, unique_email

LOGIN = "mutation($input: LoginInput!) { login(input: $input) { sessionId accessToken } }"
UPDATE_PROFILE = """mutation($input: UpdateProfileInput!) {
  updateProfile(input: $input) { user { id } } }"""


async def test_verifying_an_email_welcomes_the_user_and_fills_the_projection(
    producers: Producers,
) -> None:
    users = producers.users
    email = unique_email("welcome")
    registered = (await users.register(email=email, role="SELLER", name="Wendy Welcome"))["user"]
    user_id = uuid.UUID(registered["id"])
    await producers.settle()
    assert await producers.stored(user_id) == []  # registering alone welcomes nobody
    known = await producers.services.directory.get(user_id)
    assert known is not None
    assert (known.role, known.name, known.email, known.verified) == (
        "seller",
        "Wendy Welcome",
        email,
        False,
    )

    await users.data(VERIFY, {"email": email, "code": await users.latest_otp(email)})
    await producers.settle()
    [welcome] = await producers.stored(user_id)
    assert (welcome.kind, welcome.title) == ("welcome", "Welcome to Realio, Wendy Welcome!")
    listed = await producers.world.listed(producers.as_user(user_id, Role.SELLER))
    assert [(n["kind"], n["deliveries"][0]["status"]) for n in listed] == [("WELCOME", "DELIVERED")]
    verified = await producers.services.directory.get(user_id)
    assert verified is not None and verified.verified

    signed_in = await users.sign_in(str(user_id), email, "correct horse battery")
    await users.data(
        UPDATE_PROFILE, {"input": {"name": "Wendy Renamed", "phone": None}}, signed_in.access_token
    )
    await producers.settle()
    renamed = await producers.services.directory.get(user_id)
    assert renamed is not None
    assert (renamed.name, renamed.phone, renamed.email) == ("Wendy Renamed", None, email)


async def test_a_sign_in_from_an_unknown_device_alerts_the_user_once(producers: Producers) -> None:
    users = producers.users
    me = await users.signed_in()  # the first sign-in: no alert
    laptop = {"user-agent": "Firefox/128 (X11; Linux)"}

    async def sign_in(headers: dict[str, str], **extra: Any) -> None:
        variables = {"input": {"email": me.email, "password": me.password, **extra}}
        await users.data(LOGIN, variables, headers=headers)

    await producers.settle()
    assert [n.kind for n in await producers.stored(me.id)] == ["welcome"]

    await sign_in(laptop)
    await sign_in(laptop)  # the same device again
    await sign_in({"user-agent": "Firefox/128 (X11; Linux)"}, deviceInfo="Work laptop")
    await producers.settle()
    alerts = await producers.stored(me.id, "new_sign_in")
    assert [a.body.split(". ")[0] for a in alerts] == [
        "Someone signed in from Firefox/128 (X11; Linux)",
        "Someone signed in from Work laptop",
    ]


async def test_a_role_change_moves_the_user_between_roles_in_the_projection(
    producers: Producers,
) -> None:
    users = producers.users
    me = await users.signed_in("BUYER")
    await producers.settle()
    directory = producers.services.directory
    # users' admin changes the role: the real user.role_changed event.
    admin = await users.signed_in("BUYER")
    async with producers.users_app.state.engine.begin() as conn:
        await conn.execute(
            text("UPDATE users SET role = 'admin' WHERE id = :id"), {"id": uuid.UUID(admin.id)}
        )
    admin = await users.sign_in(admin.id, admin.email, admin.password)
    await users.data(
        """mutation($id: ID!, $role: Role!) {
          setUserRole(userId: $id, role: $role) { user { id } } }""",
        {"id": me.id, "role": "AGENT"},
        admin.access_token,
    )
    await producers.settle()
    moved = await directory.get(uuid.UUID(me.id))
    assert moved is not None and moved.role == "agent"
    async with producers.services.inbox.deps.sessions() as session:
        agents = await directory.ids_with_role(session, "agent")
    assert uuid.UUID(me.id) in agents
