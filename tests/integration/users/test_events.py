"""users' account and sign-in events: in the outbox with the change that caused them."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from starlette.applications import Starlette

from common.config import Settings
from subgraphs.users.models import outbox
from subgraphs.users.republish import republish
from tests.integration.users.client import VERIFY, UsersClient, unique_email

UPDATE = """mutation($input: UpdateProfileInput!) {
  updateProfile(input: $input) { user { id name } } }"""


async def published(app: Starlette, user_id: str, *types: str) -> list[dict[str, Any]]:
    """The payloads of the user's events of ``types``, in the order they were written."""
    async with app.state.engine.connect() as conn:
        rows = await conn.execute(
            select(outbox.c.type, outbox.c.topic, outbox.c.payload)
            .where(outbox.c.aggregate_id == user_id, outbox.c.type.in_(types))
            .order_by(outbox.c.seq)
        )
        found = []
        for row in rows:
            assert row.topic == "realio.users"
            found.append({"type": row.type, **row.payload})
        return found


async def test_registering_verifying_and_editing_publish_snapshots(
    served: tuple[UsersClient, Starlette],
) -> None:
    client, app = served
    email = unique_email("events")
    user = (await client.register(email=email, role="SELLER", name="Eve Events"))["user"]
    [registered] = await published(app, user["id"], "user.registered")
    assert registered == {
        "type": "user.registered",
        "user_id": user["id"],
        "role": "seller",
        "name": "Eve Events",
        "email": email,
        "phone": "+14155550199",
        "verified": False,
        "updated_at": registered["updated_at"],
    }
    assert await published(app, user["id"], "user.verified") == []

    await client.data(VERIFY, {"email": email, "code": await client.latest_otp(email)})
    [verified] = await published(app, user["id"], "user.verified")
    assert (verified["verified"], verified["email"], verified["role"]) == (True, email, "seller")
    assert verified["updated_at"] > registered["updated_at"]

    signed_in = await client.sign_in(user["id"], email, "correct horse battery")
    await client.data(UPDATE, {"input": {"name": "Eve Renamed"}}, signed_in.access_token)
    [updated] = await published(app, user["id"], "user.profile_updated")
    assert (updated["name"], updated["changes"], updated["verified"]) == (
        "Eve Renamed",
        ["name"],
        True,
    )


async def test_a_failed_registration_or_wrong_code_publishes_nothing(
    served: tuple[UsersClient, Starlette],
) -> None:
    client, app = served
    email = unique_email("dup")
    user = (await client.register(email=email))["user"]
    body = await client.call(
        "mutation($input: RegisterInput!) { register(input: $input) { user { id } } }",
        {
            "input": {
                "name": "Dup",
                "email": email.upper(),
                "password": "correct horse battery",
                "role": "BUYER",
            }
        },
    )
    assert body["errors"][0]["extensions"]["code"] == "CONFLICT"
    wrong = await client.call(VERIFY, {"email": email, "code": "000000"})
    assert wrong["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT"
    events = await published(app, user["id"], "user.registered", "user.verified")
    assert [e["type"] for e in events] == ["user.registered"]


async def test_session_started_says_whether_the_device_is_new(
    served: tuple[UsersClient, Starlette],
) -> None:
    client, app = served
    me = await client.signed_in()  # first sign-in: no alert
    laptop = {"user-agent": "Firefox/128 (X11; Linux)"}
    phone = {"user-agent": "RealioApp/2.0 (Android)"}
    login = "mutation($input: LoginInput!) { login(input: $input) { sessionId } }"

    async def sign_in(headers: dict[str, str], **extra: Any) -> str:
        variables = {"input": {"email": me.email, "password": me.password, **extra}}
        data = await client.data(login, variables, headers=headers)
        session_id: str = data["login"]["sessionId"]
        return session_id

    first_laptop = await sign_in(laptop)
    again_laptop = await sign_in(laptop)
    on_phone = await sign_in(phone, deviceInfo="Pixel 8")
    phone_again = await sign_in(phone, deviceInfo="Pixel 8")

    started = {e["session_id"]: e for e in await published(app, me.id, "session.started")}
    assert started[me.session_id]["first_session"] is True
    assert started[me.session_id]["new_device"] is False
    assert started[first_laptop]["new_device"] is True
    assert started[first_laptop]["device"] == "Firefox/128 (X11; Linux)"
    assert started[again_laptop]["new_device"] is False
    assert (started[on_phone]["new_device"], started[on_phone]["device"]) == (True, "Pixel 8")
    assert started[phone_again]["new_device"] is False
    assert {e["first_session"] for s, e in started.items() if s != me.session_id} == {False}
    assert all(e["user_id"] == me.id for e in started.values())


async def test_republishing_gives_every_account_one_more_snapshot(
    served: tuple[UsersClient, Starlette], users_settings: Settings
) -> None:
    client, app = served
    user = (await client.register(email=unique_email("again")))["user"]
    before = await published(app, user["id"], "user.profile_updated")
    count = await republish(users_settings)
    assert count >= 1
    after = await published(app, user["id"], "user.profile_updated")
    [again] = [e for e in after if e not in before]
    assert (again["changes"], again["verified"], again["user_id"]) == ([], False, user["id"])
