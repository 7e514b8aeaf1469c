"""login, refreshToken, logout, sessions, revokeSession, changePassword and token errors."""

from __future__ import annotations

import asyncio
import time
import uuid

import jwt
from sqlalchemy import select
from starlette.applications import Starlette

from common.auth.viewer import Role
from subgraphs.users.models import user_sessions
from tests.integration.users.client import LOGIN, ME, REFRESH, UsersClient, unique_email
from tests.integration.users.conftest import ServeUsers

LOGOUT = "mutation { logout { sessionId revoked } }"
SESSIONS = """
query { sessions { id ipAddress userAgent deviceInfo isActive current createdAt expiresAt } }"""
REVOKE = """
mutation Revoke($id: ID!) { revokeSession(sessionId: $id) { session { id isActive } } }"""
CHANGE_PASSWORD = """
mutation Change($current: String!, $new: String!) {
  changePassword(currentPassword: $current, newPassword: $new) {
    user { id } revokedSessionCount
  }
}"""


def login_vars(email: str, password: str) -> dict[str, object]:
    return {"input": {"email": email, "password": password}}


async def test_login_returns_tokens_and_records_the_session(
    client: UsersClient, users_app: Starlette
) -> None:
    user = await client.signed_in(role="AGENT")
    login = (
        await client.data(
            LOGIN,
            {
                "input": {
                    "email": user.email.upper(),
                    "password": user.password,
                    "deviceInfo": "Pixel 8",
                }
            },
            headers={"user-agent": "RealioTest/1.0"},
        )
    )["login"]
    assert login["tokenType"] == "Bearer"
    assert login["user"] == {"id": user.id, "email": user.email, "role": "AGENT"}
    claims = jwt.decode(login["accessToken"], options={"verify_signature": False})
    assert claims["sub"] == user.id and claims["role"] == "agent"
    assert claims["sid"] == login["sessionId"]
    assert claims["exp"] - claims["iat"] == 15 * 60
    async with users_app.state.engine.connect() as conn:
        row = (
            (
                await conn.execute(
                    select(user_sessions).where(
                        user_sessions.c.session_id == uuid.UUID(login["sessionId"])
                    )
                )
            )
            .mappings()
            .one()
        )
    assert row["ip_address"] == "127.0.0.1"
    assert row["user_agent"] == "RealioTest/1.0"
    assert row["device_info"] == "Pixel 8"
    assert row["is_active"] is True
    assert login["refreshToken"] not in row["token_hash"] and len(row["token_hash"]) == 64
    me = (await client.data(ME, token=login["accessToken"]))["me"]
    assert me["id"] == user.id and me["email"] == user.email


async def test_wrong_password_and_unknown_email_get_the_same_error(client: UsersClient) -> None:
    user = await client.signed_in()
    wrong = await client.error(LOGIN, login_vars(user.email, "not the right password"))
    unknown = await client.error(LOGIN, login_vars(unique_email(), "not the right password"))
    assert wrong["extensions"]["code"] == "UNAUTHENTICATED"
    assert (wrong["message"], wrong["extensions"]) == (unknown["message"], unknown["extensions"])


async def test_unverified_user_is_told_to_verify(client: UsersClient) -> None:
    email = unique_email()
    await client.register(email=email, password="correct horse battery")
    error = await client.error(LOGIN, login_vars(email, "correct horse battery"))
    assert error["extensions"] == {"code": "FORBIDDEN", "reason": "EMAIL_NOT_VERIFIED"}
    assert "verify" in error["message"].lower()


async def test_repeated_failed_logins_are_rate_limited_with_retry_after(
    client: UsersClient,
) -> None:
    user = await client.signed_in()
    for _ in range(5):  # login_rate_limit is 5 in these tests
        error = await client.error(LOGIN, login_vars(user.email, "not the right password"))
        assert error["extensions"]["code"] == "UNAUTHENTICATED"
    limited = await client.error(LOGIN, login_vars(user.email, user.password))
    assert limited["extensions"]["code"] == "RATE_LIMITED"
    assert 1 <= limited["extensions"]["retryAfter"] <= 60


async def test_refresh_rotates_the_refresh_token(client: UsersClient) -> None:
    user = await client.signed_in()
    first = (await client.data(REFRESH, {"token": user.refresh_token}))["refreshToken"]
    assert first["refreshToken"] != user.refresh_token
    assert first["sessionId"] == user.session_id
    second = (await client.data(REFRESH, {"token": first["refreshToken"]}))["refreshToken"]
    me = (await client.data(ME, token=second["accessToken"]))["me"]
    assert me["id"] == user.id


async def test_reusing_a_rotated_refresh_token_after_the_grace_revokes_the_whole_session(
    serve_users: ServeUsers,
) -> None:
    async with serve_users(refresh_reuse_grace_seconds=0) as (client, _):
        user = await client.signed_in()
        rotated = (await client.data(REFRESH, {"token": user.refresh_token}))["refreshToken"]
        reuse = await client.error(REFRESH, {"token": user.refresh_token})
        assert reuse["extensions"] == {"code": "UNAUTHENTICATED", "reason": "REFRESH_TOKEN_REUSED"}
        # The legitimate holder's newer tokens are now useless too.
        after = await client.error(REFRESH, {"token": rotated["refreshToken"]})
        assert after["extensions"] == {"code": "UNAUTHENTICATED", "reason": "SESSION_REVOKED"}
        refused = await client.error(SESSIONS, token=rotated["accessToken"])
        assert refused["extensions"] == {"code": "UNAUTHENTICATED", "reason": "TOKEN_REVOKED"}


async def test_concurrent_refreshes_with_one_token_rotate_once_and_share_the_pair(
    client: UsersClient,
) -> None:
    user = await client.signed_in()
    bodies = await asyncio.gather(
        *(client.call(REFRESH, {"token": user.refresh_token}) for _ in range(3))
    )
    assert [b.get("errors") for b in bodies] == [None, None, None]
    pairs = {
        (b["data"]["refreshToken"]["refreshToken"], b["data"]["refreshToken"]["accessToken"])
        for b in bodies
    }
    assert len(pairs) == 1
    [(refresh_token, _)] = pairs
    assert (await client.data(REFRESH, {"token": refresh_token}))["refreshToken"]


async def test_forged_or_malformed_refresh_tokens_are_refused(client: UsersClient) -> None:
    user = await client.signed_in()
    forged = f"{user.session_id}.not-the-secret"
    for token in (forged, "garbage", f"{uuid.uuid4()}.x"):
        error = await client.error(REFRESH, {"token": token})
        assert error["extensions"] == {"code": "UNAUTHENTICATED", "reason": "INVALID_REFRESH_TOKEN"}
    # A forged token must not end the real session.
    assert (await client.data(REFRESH, {"token": user.refresh_token}))["refreshToken"]


async def test_logout_makes_the_refresh_token_useless(client: UsersClient) -> None:
    user = await client.signed_in()
    out = (await client.data(LOGOUT, token=user.access_token))["logout"]
    assert out == {"sessionId": user.session_id, "revoked": True}
    error = await client.error(REFRESH, {"token": user.refresh_token})
    assert error["extensions"] == {"code": "UNAUTHENTICATED", "reason": "SESSION_REVOKED"}
    # The access token of the ended session is refused at once.
    again = await client.error(LOGOUT, token=user.access_token)
    assert again["extensions"] == {"code": "UNAUTHENTICATED", "reason": "TOKEN_REVOKED"}


async def test_logout_requires_a_signed_in_user(client: UsersClient) -> None:
    error = await client.error(LOGOUT)
    assert error["extensions"]["code"] == "UNAUTHENTICATED"


async def test_expired_access_token_is_unauthenticated_with_reason(
    client: UsersClient, users_app: Starlette
) -> None:
    signer = users_app.state.services.deps.signer
    expired = signer.issue(uuid.uuid4(), Role.BUYER, uuid.uuid4(), now=int(time.time()) - 3600)
    error = await client.error(ME, token=expired)
    assert error["extensions"] == {"code": "UNAUTHENTICATED", "reason": "TOKEN_EXPIRED"}


async def test_tampered_access_token_is_unauthenticated(client: UsersClient) -> None:
    user = await client.signed_in()
    header, payload, signature = user.access_token.split(".")
    claims = jwt.decode(user.access_token, options={"verify_signature": False})
    forged_payload = jwt.encode({**claims, "role": "admin"}, "k" * 32, algorithm="HS256")
    forged = f"{header}.{forged_payload.split('.')[1]}.{signature}"
    for token in (forged, "not.a.jwt", user.access_token[:-4] + "AAAA"):
        error = await client.error(ME, token=token)
        assert error["extensions"] == {"code": "UNAUTHENTICATED", "reason": "INVALID_TOKEN"}


async def test_anonymous_me_is_unauthenticated(client: UsersClient) -> None:
    error = await client.error(ME)
    assert error["extensions"]["code"] == "UNAUTHENTICATED"


async def test_sessions_lists_active_sessions_and_revoke_session_ends_one(
    client: UsersClient,
) -> None:
    user = await client.signed_in()
    other = await client.login(user.email, user.password, deviceInfo="Laptop")
    sessions = (await client.data(SESSIONS, token=user.access_token))["sessions"]
    by_id = {s["id"]: s for s in sessions}
    assert set(by_id) == {user.session_id, other["sessionId"]}
    assert by_id[user.session_id]["current"] is True
    assert by_id[other["sessionId"]]["current"] is False
    assert by_id[other["sessionId"]]["deviceInfo"] == "Laptop"
    revoked = await client.data(REVOKE, {"id": other["sessionId"]}, token=user.access_token)
    assert revoked["revokeSession"]["session"] == {"id": other["sessionId"], "isActive": False}
    error = await client.error(REFRESH, {"token": other["refreshToken"]})
    assert error["extensions"]["reason"] == "SESSION_REVOKED"
    remaining = (await client.data(SESSIONS, token=user.access_token))["sessions"]
    assert [s["id"] for s in remaining] == [user.session_id]


async def test_nobody_revokes_another_users_session(client: UsersClient) -> None:
    owner = await client.signed_in()
    intruder = await client.signed_in()
    error = await client.error(REVOKE, {"id": owner.session_id}, token=intruder.access_token)
    assert error["extensions"] == {"code": "NOT_FOUND", "field": "sessionId"}
    bad_id = await client.error(REVOKE, {"id": "nope"}, token=intruder.access_token)
    assert bad_id["extensions"] == {"code": "BAD_USER_INPUT", "field": "sessionId"}
    assert (await client.data(REFRESH, {"token": owner.refresh_token}))["refreshToken"]


async def test_change_password_revokes_the_other_sessions(client: UsersClient) -> None:
    user = await client.signed_in()
    other = await client.login(user.email, user.password)
    new_password = "a much better passphrase"
    changed = (
        await client.data(
            CHANGE_PASSWORD,
            {"current": user.password, "new": new_password},
            token=user.access_token,
        )
    )["changePassword"]
    assert changed["revokedSessionCount"] == 1
    error = await client.error(REFRESH, {"token": other["refreshToken"]})
    assert error["extensions"]["reason"] == "SESSION_REVOKED"
    # The session that changed the password lives on.
    assert (await client.data(REFRESH, {"token": user.refresh_token}))["refreshToken"]
    old = await client.error(LOGIN, login_vars(user.email, user.password))
    assert old["extensions"]["code"] == "UNAUTHENTICATED"
    assert (await client.login(user.email, new_password))["user"]["id"] == user.id


async def test_change_password_checks_the_current_and_the_new_password(
    client: UsersClient,
) -> None:
    user = await client.signed_in()
    wrong = await client.error(
        CHANGE_PASSWORD,
        {"current": "not my password", "new": "another fine passphrase"},
        token=user.access_token,
    )
    assert wrong["extensions"] == {"code": "BAD_USER_INPUT", "field": "currentPassword"}
    weak = await client.error(
        CHANGE_PASSWORD, {"current": user.password, "new": "1234567890"}, token=user.access_token
    )
    assert weak["extensions"]["field"] == "newPassword"
    anonymous = await client.error(CHANGE_PASSWORD, {"current": "x", "new": "y"})
    assert anonymous["extensions"]["code"] == "UNAUTHENTICATED"
