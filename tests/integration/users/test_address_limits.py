"""Limits per client address in the users subgraph, with Redis and with the in-process limiter.

Every test client here has the same address (127.0.0.1), so each test serves its own app with
the limit it exercises set low and its own counters.
"""

from __future__ import annotations

import uuid

import pytest

from common.config import Settings
from tests.integration.users.client import LOGIN, VERIFY, unique_email
from tests.integration.users.conftest import ServeUsers

RESEND = "mutation($email: String!) { resendOtp(email: $email) { email } }"


@pytest.fixture(params=["redis", "in-process"])
def limiter_backend(request: pytest.FixtureRequest, settings: Settings) -> dict[str, object]:
    """Overrides selecting the limiter: the run's Redis, or none (the in-process limiter).

    Each test gets its own key prefix, so no two share counters.
    """
    return {
        "redis_url": settings.redis_url if request.param == "redis" else None,
        "redis_key_prefix": f"{settings.redis_key_prefix}{uuid.uuid4().hex[:8]}:",
    }


async def test_wrong_passwords_for_many_emails_from_one_address_are_limited(
    serve_users: ServeUsers, limiter_backend: dict[str, object]
) -> None:
    async with serve_users(login_ip_failure_limit=3, **limiter_backend) as (client, _):
        user = await client.signed_in()
        for _ in range(3):
            wrong = {"email": unique_email("victim"), "password": "Winter2026!"}
            error = await client.error(LOGIN, {"input": wrong})
            assert error["extensions"]["reason"] == "INVALID_CREDENTIALS"
        right = {"email": user.email, "password": user.password}
        refused = await client.error(LOGIN, {"input": right})
    assert refused["extensions"]["code"] == "RATE_LIMITED"
    assert refused["extensions"]["retryAfter"] >= 1


async def test_successful_logins_from_one_address_do_not_use_up_the_failure_limit(
    serve_users: ServeUsers, limiter_backend: dict[str, object]
) -> None:
    async with serve_users(login_ip_failure_limit=2, **limiter_backend) as (client, _):
        user = await client.signed_in()
        for _ in range(4):
            assert (await client.login(user.email, user.password))["accessToken"]


async def test_verify_user_is_rate_limited_per_address_malformed_attempts_included(
    serve_users: ServeUsers, limiter_backend: dict[str, object]
) -> None:
    async with serve_users(verify_rate_limit=2, **limiter_backend) as (client, _):
        malformed = await client.error(VERIFY, {"email": unique_email(), "code": "12ab"})
        wrong = await client.error(VERIFY, {"email": unique_email(), "code": "123456"})
        refused = await client.error(VERIFY, {"email": unique_email(), "code": "123456"})
    assert malformed["extensions"]["code"] == "BAD_USER_INPUT"
    assert wrong["extensions"]["code"] == "BAD_USER_INPUT"
    assert refused["extensions"]["code"] == "RATE_LIMITED"
    assert refused["extensions"]["retryAfter"] >= 1


async def test_resend_otp_is_rate_limited_per_address(
    serve_users: ServeUsers, limiter_backend: dict[str, object]
) -> None:
    async with serve_users(resend_otp_rate_limit=2, **limiter_backend) as (client, _):
        for _ in range(2):
            await client.data(RESEND, {"email": unique_email()})
        refused = await client.error(RESEND, {"email": unique_email()})
    assert refused["extensions"]["code"] == "RATE_LIMITED"
    assert refused["extensions"]["retryAfter"] >= 1
