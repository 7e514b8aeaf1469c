"""Fixtures: the messaging subgraph under uvicorn on loopback, real Postgres and Redis.

Messaging knows which users exist from users' events on ``realio.users``; here the tests
play the users subgraph's part (``UsersFeed``): they write ``user.registered`` into a users
database's outbox, its relay publishes it, and messaging's own consumer applies it.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass

import httpx
import pytest
from sqlalchemy.ext.asyncio import AsyncEngine
from starlette.applications import Starlette

from common.auth.tokens import TokenSigner, TokenVerifier, load_or_create_private_key
from common.auth.viewer import Role
from common.config import Settings
from common.db import create_engine, session_factory, transaction
from common.events import Event, EventRuntime, record_events
from subgraphs.messaging.app import create_app, migrate
from subgraphs.messaging.service import MessagingServices
from subgraphs.users.app import migrate as migrate_users
from tests.integration.messaging.client import MessagingClient
from tests.integration.messaging.users_events import user_registered
from tests.support.personas import Persona, persona
from tests.support.servers import serve_asgi


@pytest.fixture(scope="package")
async def messaging_settings(settings: Settings) -> Settings:
    await migrate(settings)
    await migrate_users(settings)  # the database whose outbox is the log of realio.users
    # Tests send bursts; the rate limit itself is tested with its own instance.
    return settings.model_copy(update={"messaging_send_rate_limit": 100_000})


@pytest.fixture(scope="package")
def signer(messaging_settings: Settings, tmp_path_factory: pytest.TempPathFactory) -> TokenSigner:
    """Stands in for the users subgraph: signs tokens the messaging app verifies."""
    key = load_or_create_private_key(tmp_path_factory.mktemp("keys") / "test.pem")
    return TokenSigner(key, messaging_settings)


@dataclass
class Served:
    client: MessagingClient
    app: Starlette
    base_url: str

    @property
    def services(self) -> MessagingServices:
        services: MessagingServices = self.app.state.services
        return services


@asynccontextmanager
async def serve_messaging(settings: Settings, signer: TokenSigner) -> AsyncIterator[Served]:
    """One messaging instance with its own server (tests start two to test fan-out)."""
    app = create_app(settings, verifier=TokenVerifier(settings, jwks=signer.jwks))
    async with serve_asgi(app) as url, httpx.AsyncClient(timeout=30, trust_env=False) as http:
        RUNNING.append(app)
        try:
            yield Served(MessagingClient(url, http), app, url)
        finally:
            RUNNING.remove(app)


# Every messaging instance being served: one of them holds the users consumer group.
RUNNING: list[Starlette] = []


@dataclass
class UsersFeed:
    """Plays the users subgraph's part: publishes its events on ``realio.users``."""

    engine: AsyncEngine
    relay: EventRuntime

    async def publish(self, *events: Event) -> None:
        """Record ``events`` in users' outbox; return once messaging has applied them."""
        async with transaction(session_factory(self.engine)) as session:
            await record_events(session, list(events))
        await self.relay.wait_until_idle(timeout=30)
        # Only the instance holding the consumer group advances; the others never finish.
        waits = [asyncio.ensure_future(a.state.events.wait_until_idle(timeout=30)) for a in RUNNING]
        try:
            done, _ = await asyncio.wait(waits, return_when=asyncio.FIRST_COMPLETED)
            for finished in done:
                finished.result()
        finally:
            for waiting in waits:
                waiting.cancel()
            await asyncio.gather(*waits, return_exceptions=True)

    async def register(self, *users: Persona) -> None:
        await self.publish(*(user_registered(u) for u in users))


@pytest.fixture(scope="package")
async def served(messaging_settings: Settings, signer: TokenSigner) -> AsyncIterator[Served]:
    async with serve_messaging(messaging_settings, signer) as running:
        yield running


@pytest.fixture(scope="package")
def client(served: Served) -> MessagingClient:
    return served.client


@pytest.fixture(scope="package")
async def users_feed(messaging_settings: Settings, served: Served) -> AsyncIterator[UsersFeed]:
    """users' outbox and relay; ``served`` first, so a messaging instance consumes."""
    engine = create_engine(messaging_settings, "users")
    relay = EventRuntime(messaging_settings, subgraph="users", engine=engine)
    await relay.start_relay()
    try:
        yield UsersFeed(engine, relay)
    finally:
        await relay.stop()
        await engine.dispose()


@pytest.fixture
async def known(signer: TokenSigner, users_feed: UsersFeed) -> KnownPersonas:
    return KnownPersonas(signer, users_feed)


@dataclass
class KnownPersonas:
    """New users with tokens, announced by users' events so messaging knows them."""

    signer: TokenSigner
    feed: UsersFeed

    async def __call__(self, role: Role, *, signer: TokenSigner | None = None) -> Persona:
        [user] = await self.many(role, 1, signer=signer)
        return user

    async def many(
        self, role: Role, count: int, *, signer: TokenSigner | None = None
    ) -> list[Persona]:
        users = [persona(signer or self.signer, role) for _ in range(count)]
        await self.feed.register(*users)
        return users


@pytest.fixture
async def buyer(known: KnownPersonas) -> Persona:
    return await known(Role.BUYER)


@pytest.fixture
async def seller(known: KnownPersonas) -> Persona:
    return await known(Role.SELLER)


@pytest.fixture
async def stranger(known: KnownPersonas) -> Persona:
    return await known(Role.BUYER)
