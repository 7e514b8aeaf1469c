"""The users subgraph tests' client: sign-up, verification and sign-in helpers."""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass
from typing import Any

from tests.support.graphql import GraphQLClient
from tests.support.servers import SmtpSink

OTP_PATTERN = re.compile(r"\b(\d{6})\b")

REGISTER = """
mutation Register($input: RegisterInput!) {
  register(input: $input) { user { id name email phone role emailVerified createdAt } otpExpiresAt }
}"""
VERIFY = """
mutation Verify($email: String!, $code: String!) {
  verifyUser(email: $email, code: $code) { user { id emailVerified } }
}"""
LOGIN = """
mutation Login($input: LoginInput!) {
  login(input: $input) {
    accessToken refreshToken tokenType sessionId accessTokenExpiresAt refreshTokenExpiresAt
    user { id email role }
  }
}"""
REFRESH = """
mutation Refresh($token: String!) {
  refreshToken(refreshToken: $token) { accessToken refreshToken sessionId user { id } }
}"""
ME = "query { me { id name email phone role avatarUrl emailVerified } }"


def unique_email(prefix: str = "user") -> str:
    return f"{prefix}-{uuid.uuid4().hex[:12]}@example.com"


@dataclass
class SignedIn:
    id: str
    email: str
    password: str
    access_token: str
    refresh_token: str
    session_id: str


@dataclass
class UsersClient(GraphQLClient):
    """The users subgraph's client, with sign-up helpers that read codes from the SMTP sink."""

    sink: SmtpSink | None = None

    async def latest_otp(self, email: str, count: int = 1) -> str:
        assert self.sink is not None
        messages = await self.sink.wait_for(email, count=count)
        match = OTP_PATTERN.search(str(messages[-1].get_payload()))
        assert match, messages[-1].get_payload()
        return match.group(1)

    async def register(
        self,
        *,
        email: str | None = None,
        password: str = "correct horse battery",
        role: str = "BUYER",
        name: str = "Test User",
        phone: str | None = "+14155550199",
    ) -> dict[str, Any]:
        variables = {
            "input": {
                "name": name,
                "email": email or unique_email(),
                "password": password,
                "role": role,
                "phone": phone,
            }
        }
        registered: dict[str, Any] = (await self.data(REGISTER, variables))["register"]
        return registered

    async def login(self, email: str, password: str, **extra: Any) -> dict[str, Any]:
        data = await self.data(LOGIN, {"input": {"email": email, "password": password, **extra}})
        login: dict[str, Any] = data["login"]
        return login

    async def signed_in(self, role: str = "BUYER", **register: Any) -> SignedIn:
        """A new verified user, signed in."""
        email = register.pop("email", None) or unique_email(role.lower())
        password = register.pop("password", "correct horse battery")
        user = (await self.register(email=email, password=password, role=role, **register))["user"]
        code = await self.latest_otp(email)
        await self.data(VERIFY, {"email": email, "code": code})
        return await self.sign_in(user["id"], email, password)

    async def sign_in(self, user_id: str, email: str, password: str) -> SignedIn:
        """An existing, verified user, signed in with a new session."""
        login = await self.login(email, password)
        return SignedIn(
            id=user_id,
            email=email,
            password=password,
            access_token=login["accessToken"],
            refresh_token=login["refreshToken"],
            session_id=login["sessionId"],
        )
