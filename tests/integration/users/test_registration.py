"""register, verifyUser, resendOtp and checkUserEmail over real HTTP, Postgres, Redis and SMTP."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

from sqlalchemy import func, select, text, update
from starlette.applications import Starlette

from subgraphs.users.models import user_otps, users
from tests.integration.users.client import REGISTER, VERIFY, UsersClient, unique_email
from tests.integration.users.conftest import ServeUsers

RESEND = """
mutation Resend($email: String!) {
  resendOtp(email: $email) { email otpExpiresAt resendAvailableAt }
}"""
CHECK = "query Check($email: String!) { checkUserEmail(email: $email) { email taken } }"


def register_vars(**overrides: object) -> dict[str, object]:
    values: dict[str, object] = {
        "name": "Grace Hopper",
        "email": unique_email(),
        "password": "correct horse battery",
        "role": "SELLER",
        "phone": "+14155550123",
    }
    values.update(overrides)
    return {"input": values}


async def test_register_creates_an_unverified_user_and_emails_a_six_digit_code(
    client: UsersClient, users_app: Starlette
) -> None:
    email = unique_email()
    result = await client.register(email=email, role="SELLER", phone="+44 20 7946 0958")
    user = result["user"]
    assert user["email"] == email
    assert user["role"] == "SELLER"
    assert user["emailVerified"] is False
    assert user["phone"] == "+442079460958"  # stored in E.164
    assert datetime.fromisoformat(user["createdAt"]).utcoffset() == timedelta(0)
    code = await client.latest_otp(email)
    assert len(code) == 6 and code.isdigit()
    async with users_app.state.engine.connect() as conn:
        stored = (
            await conn.execute(
                select(user_otps.c.code_hash).where(user_otps.c.user_id == user["id"])
            )
        ).scalar_one()
        password_hash = (
            await conn.execute(select(users.c.password_hash).where(users.c.id == user["id"]))
        ).scalar_one()
    assert code not in stored and len(stored) == 64
    assert password_hash.startswith("$argon2id$")


async def test_verify_user_with_the_emailed_code_verifies_the_email(client: UsersClient) -> None:
    email = unique_email()
    await client.register(email=email)
    code = await client.latest_otp(email)
    data = await client.data(VERIFY, {"email": email.upper(), "code": code})
    assert data["verifyUser"]["user"]["emailVerified"] is True
    again = await client.error(VERIFY, {"email": email, "code": code})
    assert again["extensions"]["reason"] == "OTP_MISSING"


async def test_admin_role_cannot_be_chosen_at_registration(client: UsersClient) -> None:
    error = await client.error(REGISTER, register_vars(role="ADMIN"))
    assert error["extensions"] == {"code": "BAD_USER_INPUT", "field": "role"}


async def test_invalid_registration_input_names_the_field(client: UsersClient) -> None:
    cases = [
        ({"email": "not-an-email"}, "email"),
        ({"email": "ada@"}, "email"),
        ({"password": "short1"}, "password"),
        ({"password": "password123"}, "password"),
        ({"password": "Qwertyuiop123"}, "password"),
        ({"name": "   "}, "name"),
        ({"name": "x" * 101}, "name"),
        ({"phone": "12345"}, "phone"),
        ({"phone": "+1 555"}, "phone"),
    ]
    for overrides, field in cases:
        error = await client.error(REGISTER, register_vars(**overrides))
        assert error["extensions"]["code"] == "BAD_USER_INPUT", (overrides, error)
        assert error["extensions"]["field"] == field, (overrides, error)


async def test_invalid_registration_writes_nothing(
    client: UsersClient, users_app: Starlette
) -> None:
    email = unique_email()
    await client.error(REGISTER, register_vars(email=email, phone="nonsense"))
    async with users_app.state.engine.connect() as conn:
        count = (
            await conn.execute(select(func.count()).where(func.lower(users.c.email) == email))
        ).scalar_one()
    assert count == 0


async def test_duplicate_email_is_a_conflict_whatever_its_case(client: UsersClient) -> None:
    email = unique_email()
    await client.register(email=email)
    error = await client.error(REGISTER, register_vars(email=email.upper()))
    assert error["extensions"]["code"] == "CONFLICT"
    assert error["extensions"]["field"] == "email"


async def test_two_concurrent_registrations_of_one_email_create_exactly_one_user(
    client: UsersClient, users_app: Starlette
) -> None:
    local = unique_email().split("@")[0]
    emails = [f"{local}@example.com", f"{local.upper()}@Example.com"]
    bodies = await asyncio.gather(*(client.call(REGISTER, register_vars(email=e)) for e in emails))
    succeeded = [b for b in bodies if not b.get("errors")]
    failed = [b for b in bodies if b.get("errors")]
    assert len(succeeded) == 1 and len(failed) == 1, bodies
    assert failed[0]["errors"][0]["extensions"]["code"] == "CONFLICT"
    async with users_app.state.engine.connect() as conn:
        count = (
            await conn.execute(
                select(func.count()).where(func.lower(users.c.email) == emails[0].lower())
            )
        ).scalar_one()
    assert count == 1


async def test_five_wrong_codes_invalidate_the_code(client: UsersClient) -> None:
    email = unique_email()
    await client.register(email=email)
    code = await client.latest_otp(email)
    wrong = f"{(int(code) + 1) % 1_000_000:06d}"
    remaining = []
    for _ in range(5):
        error = await client.error(VERIFY, {"email": email, "code": wrong})
        assert error["extensions"]["code"] == "BAD_USER_INPUT"
        assert error["extensions"]["field"] == "code"
        remaining.append(error["extensions"]["attemptsRemaining"])
    assert remaining == [4, 3, 2, 1, 0]
    locked = await client.error(VERIFY, {"email": email, "code": code})
    assert locked["extensions"]["reason"] == "OTP_LOCKED"


async def test_a_new_code_after_lockout_works_and_the_old_one_does_not(
    client: UsersClient, users_app: Starlette
) -> None:
    email = unique_email()
    user = (await client.register(email=email))["user"]
    old_code = await client.latest_otp(email)
    for _ in range(5):
        await client.error(
            VERIFY, {"email": email, "code": "000000" if old_code != "000000" else "111111"}
        )
    # Move the last send out of the resend interval instead of waiting for it.
    async with users_app.state.engine.begin() as conn:
        await conn.execute(
            update(user_otps)
            .where(user_otps.c.user_id == user["id"])
            .values(sent_at=datetime.now(UTC) - timedelta(minutes=5))
        )
    await client.data(RESEND, {"email": email})
    new_code = await client.latest_otp(email, count=2)
    if new_code != old_code:
        stale = await client.error(VERIFY, {"email": email, "code": old_code})
        assert stale["extensions"]["reason"] == "OTP_MISMATCH"
    data = await client.data(VERIFY, {"email": email, "code": new_code})
    assert data["verifyUser"]["user"]["emailVerified"] is True


async def test_an_expired_code_is_refused(client: UsersClient, users_app: Starlette) -> None:
    email = unique_email()
    user = (await client.register(email=email))["user"]
    code = await client.latest_otp(email)
    async with users_app.state.engine.begin() as conn:
        await conn.execute(
            update(user_otps)
            .where(user_otps.c.user_id == user["id"])
            .values(expires_at=text("now() - interval '1 second'"))
        )
    error = await client.error(VERIFY, {"email": email, "code": code})
    assert error["extensions"]["code"] == "BAD_USER_INPUT"
    assert error["extensions"]["reason"] == "OTP_EXPIRED"


async def test_code_lifetime_follows_the_otp_ttl_setting(serve_users: ServeUsers) -> None:
    async with serve_users(otp_ttl_seconds=0) as (client, _):
        email = unique_email()
        registered = await client.register(email=email)
        expires_at = datetime.fromisoformat(registered["otpExpiresAt"])
        assert expires_at <= datetime.now(UTC)
        code = await client.latest_otp(email)
        error = await client.error(VERIFY, {"email": email, "code": code})
    assert error["extensions"]["reason"] == "OTP_EXPIRED"


async def test_resending_a_code_is_throttled(client: UsersClient) -> None:
    email = unique_email()
    await client.register(email=email)
    error = await client.error(RESEND, {"email": email})
    assert error["extensions"]["code"] == "RATE_LIMITED"
    assert 1 <= error["extensions"]["retryAfter"] <= 60


async def test_resend_sends_a_new_code_once_the_interval_has_passed(
    serve_users: ServeUsers,
) -> None:
    async with serve_users(otp_resend_interval_seconds=0) as (client, _):
        email = unique_email()
        await client.register(email=email)
        await client.latest_otp(email)
        sent = (await client.data(RESEND, {"email": email}))["resendOtp"]
        assert sent["email"] == email
        code = await client.latest_otp(email, count=2)
        data = await client.data(VERIFY, {"email": email, "code": code})
    assert data["verifyUser"]["user"]["emailVerified"] is True


async def test_check_user_email_tells_whether_an_email_is_taken(serve_users: ServeUsers) -> None:
    async with serve_users(check_email_rate_limit=3) as (client, _):
        email = unique_email()
        await client.register(email=email)
        taken = (await client.data(CHECK, {"email": email.upper()}))["checkUserEmail"]
        free = (await client.data(CHECK, {"email": unique_email()}))["checkUserEmail"]
        bad = await client.error(CHECK, {"email": "nope"})
        limited = await client.error(CHECK, {"email": email})
    assert taken["taken"] is True
    assert free["taken"] is False
    assert bad["extensions"] == {"code": "BAD_USER_INPUT", "field": "email"}
    assert limited["extensions"]["code"] == "RATE_LIMITED"
    assert limited["extensions"]["retryAfter"] >= 1


async def test_registrations_are_rate_limited_per_client(serve_users: ServeUsers) -> None:
    async with serve_users(register_rate_limit=1) as (client, _):
        await client.register()
        error = await client.error(REGISTER, register_vars())
    assert error["extensions"]["code"] == "RATE_LIMITED"
