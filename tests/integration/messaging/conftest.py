"""Fixtures: the messaging subgraph under uvicorn on loopback, real Postgres and Redis."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass

import httpx
import pytest
from starlette.applications import Starlette

from common.auth.tokens import TokenSigner, TokenVerifier, load_or_create_private_key
from common.auth.viewer import Role
from common.config import Settings
from subgraphs.messaging.app import create_app, migrate
from subgraphs.messaging.service import MessagingServices
from tests.integration.messaging.client import MessagingClient
from tests.support.personas import Persona, persona
from tests.support.servers import serve_asgi


@pytest.fixture(scope="session")
async def messaging_settings(settings: Settings) -> Settings:
    await migrate(settings)
    # Tests send bursts; the rate limit itself is tested with its own instance.
    return settings.model_copy(update={"messaging_send_rate_limit": 100_000})


@pytest.fixture(scope="session")
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
        yield Served(MessagingClient(url, http), app, url)


@pytest.fixture(scope="session")
async def served(messaging_settings: Settings, signer: TokenSigner) -> AsyncIterator[Served]:
    async with serve_messaging(messaging_settings, signer) as running:
        yield running


@pytest.fixture(scope="session")
def client(served: Served) -> MessagingClient:
    return served.client


@pytest.fixture
def buyer(signer: TokenSigner) -> Persona:
    return persona(signer, Role.BUYER)


@pytest.fixture
def seller(signer: TokenSigner) -> Persona:
    return persona(signer, Role.SELLER)


@pytest.fixture
def stranger(signer: TokenSigner) -> Persona:
    return persona(signer, Role.BUYER)
