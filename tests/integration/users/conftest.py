"""Fixtures: the users subgraph served by uvicorn on loopback, real Postgres, Redis and SMTP."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from typing import Any

import httpx
import pytest
from starlette.applications import Starlette

from common.auth.viewer import Role
from common.config import Settings
from common.demo import DEMO_USERS
from subgraphs.users.app import create_app, migrate
from subgraphs.users.seed import seed
from tests.integration.users.client import SignedIn, UsersClient
from tests.support.servers import SmtpSink, serve_asgi, smtp_server

ServeUsers = Callable[..., AbstractAsyncContextManager[tuple[UsersClient, Starlette]]]


@pytest.fixture(scope="package")
async def smtp() -> AsyncIterator[tuple[str, SmtpSink]]:
    async with smtp_server() as server:
        yield server


@pytest.fixture(scope="package")
async def users_settings(settings: Settings, smtp: tuple[str, SmtpSink]) -> Settings:
    """The run's settings with a real SMTP server.

    Every test client has the same address, so limits per address are lifted here (tests that
    exercise one set it low with ``serve_users``).
    """
    users = settings.model_copy(
        update={
            "smtp_url": smtp[0],
            "register_rate_limit": 100_000,
            "login_rate_limit": 5,
            "login_ip_failure_limit": 100_000,
            "verify_rate_limit": 100_000,
            "resend_otp_rate_limit": 100_000,
        }
    )
    await migrate(users)
    return users


@pytest.fixture(scope="package")
def serve_users(users_settings: Settings, smtp: tuple[str, SmtpSink]) -> ServeUsers:
    """Serve a users app built from the run's settings with ``overrides`` applied.

    Overridden apps get their own Redis key prefix, so tight rate limits never share counters.
    """

    @asynccontextmanager
    async def serve(**overrides: Any) -> AsyncIterator[tuple[UsersClient, Starlette]]:
        if overrides:
            suffix = "-".join(sorted(overrides))
            overrides.setdefault("redis_key_prefix", f"{users_settings.redis_key_prefix}{suffix}:")
        app = create_app(users_settings.model_copy(update=overrides))
        async with serve_asgi(app) as url, httpx.AsyncClient(timeout=30) as http:
            yield UsersClient(url, http, smtp[1]), app

    return serve


@pytest.fixture(scope="package")
async def served(serve_users: ServeUsers) -> AsyncIterator[tuple[UsersClient, Starlette]]:
    async with serve_users() as served:
        yield served


@pytest.fixture(scope="package")
def client(served: tuple[UsersClient, Starlette]) -> UsersClient:
    return served[0]


@pytest.fixture(scope="package")
def users_app(served: tuple[UsersClient, Starlette]) -> Starlette:
    return served[1]


@pytest.fixture(scope="package")
async def admin(users_settings: Settings, client: UsersClient) -> SignedIn:
    """The seeded demo admin, signed in."""
    await seed(users_settings)
    demo = next(u for u in DEMO_USERS if u.role is Role.ADMIN)
    return await client.sign_in(str(demo.id), demo.email, demo.password)
