"""Fixtures: the properties subgraph under uvicorn on loopback, real Postgres and Redis."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
from sqlalchemy.ext.asyncio import AsyncEngine
from starlette.applications import Starlette

from common.auth.tokens import TokenSigner, TokenVerifier, load_or_create_private_key
from common.auth.viewer import Role
from common.config import Settings
from common.db import ReadPool
from common.storage import LocalStorage
from subgraphs.properties.app import create_app, migrate
from tests.integration.properties.client import PropertiesClient
from tests.support.personas import Persona, persona
from tests.support.servers import serve_asgi


@pytest.fixture(scope="package")
async def properties_settings(settings: Settings) -> Settings:
    await migrate(settings)
    return settings


@pytest.fixture(scope="package")
def signer(properties_settings: Settings, tmp_path_factory: pytest.TempPathFactory) -> TokenSigner:
    """Stands in for the users subgraph: signs tokens the properties app verifies."""
    key = load_or_create_private_key(tmp_path_factory.mktemp("keys") / "test.pem")
    return TokenSigner(key, properties_settings)


@dataclass
class Served:
    client: PropertiesClient
    app: Starlette
    base_url: str
    storage_dir: Path

    @property
    def engine(self) -> AsyncEngine:
        engine: AsyncEngine = self.app.state.engine
        return engine

    @property
    def read_pool(self) -> ReadPool:
        read_pool: ReadPool = self.app.state.read_pool
        return read_pool


@pytest.fixture(scope="package")
async def served(
    properties_settings: Settings, signer: TokenSigner, tmp_path_factory: pytest.TempPathFactory
) -> AsyncIterator[Served]:
    storage_dir = tmp_path_factory.mktemp("photos")
    storage = LocalStorage(storage_dir, "http://files.test/files")
    app = create_app(
        properties_settings,
        verifier=TokenVerifier(properties_settings, jwks=signer.jwks),
        storage=storage,
    )
    async with serve_asgi(app) as url, httpx.AsyncClient(timeout=30) as http:
        yield Served(PropertiesClient(url, http), app, url, storage_dir)


@pytest.fixture(scope="package")
def client(served: Served) -> PropertiesClient:
    return served.client


@pytest.fixture
def seller(signer: TokenSigner) -> Persona:
    return persona(signer, Role.SELLER)


@pytest.fixture
def agent(signer: TokenSigner) -> Persona:
    return persona(signer, Role.AGENT)


@pytest.fixture
def buyer(signer: TokenSigner) -> Persona:
    return persona(signer, Role.BUYER)


@pytest.fixture
def admin(signer: TokenSigner) -> Persona:
    return persona(signer, Role.ADMIN)


@pytest.fixture(scope="package")
async def moto_s3_url() -> AsyncIterator[str]:
    """A real S3-compatible server (moto in server mode) on a free loopback port."""
    from moto.server import ThreadedMotoServer

    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    await asyncio.to_thread(server.start)
    host, port = server.get_host_and_port()
    try:
        yield f"s3://test-key:test-secret@realio-test?endpoint_url=http://{host}:{port}&region=us-east-1"
    finally:
        await asyncio.to_thread(server.stop)
