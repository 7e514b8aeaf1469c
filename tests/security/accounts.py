"""Accounts for the security suite: fresh verified users of any role, signed in through the
router, so tests that end sessions or change roles never disturb the shared demo users."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from common.auth.viewer import Role
from common.db import transaction
from subgraphs.users.repository import OtpRepository, UserRepository
from subgraphs.users.service.events import REGISTERED, VERIFIED, record_user_event
from subgraphs.users.service.secrets import otp_hash
from tests.support.graph import Graph

PASSWORD = "a long enough passphrase"
LOGIN = """mutation($input: LoginInput!) {
  login(input: $input) { accessToken refreshToken sessionId user { id role } }
}"""
REFRESH = """mutation($token: String!) {
  refreshToken(refreshToken: $token) { accessToken refreshToken sessionId }
}"""


@dataclass
class Account:
    id: str
    email: str
    role: Role
    password: str = PASSWORD


@dataclass
class SignedIn:
    account: Account
    access_token: str
    refresh_token: str
    session_id: str


async def new_account(
    graph: Graph, role: Role = Role.BUYER, *, verified: bool = True, otp: str | None = None
) -> Account:
    """A user stored the way registration (and verification) would leave it, events included,
    so the other subgraphs' projections learn of it (``graph.settle()`` waits for them).

    ``verified=False`` leaves the address pending, with ``otp`` as its code when given.
    """
    deps: Any = graph.apps["users"].state.services.deps
    user_id = uuid.uuid4()
    email = f"sec-{user_id.hex[:12]}@example.com"
    password_hash = await deps.hashing.hash(PASSWORD)
    now = datetime.now(UTC)
    async with transaction(deps.db) as session:
        record = await UserRepository(session).insert(
            user_id=user_id,
            name="Security Test",
            email=email,
            password_hash=password_hash,
            role=role,
            phone=None,
            now=now,
            email_verified_at=now if verified else None,
        )
        assert record is not None
        await record_user_event(session, REGISTERED, record)
        if verified:
            await record_user_event(session, VERIFIED, record)
        if otp is not None:
            code_hash = otp_hash(deps.otp_key, user_id, otp)
            await OtpRepository(session).replace(
                user_id, code_hash, now + timedelta(minutes=10), now
            )
    return Account(str(user_id), email, role)


async def sign_in(graph: Graph, account: Account) -> SignedIn:
    data = await graph.data(
        LOGIN, {"input": {"email": account.email, "password": account.password}}
    )
    login = data["login"]
    return SignedIn(account, login["accessToken"], login["refreshToken"], login["sessionId"])


async def refresh(graph: Graph, refresh_token: str) -> dict[str, Any]:
    """The whole response body of a refresh (it may carry an error)."""
    return await graph.call(REFRESH, {"token": refresh_token})
