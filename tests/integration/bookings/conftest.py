"""Fixtures: the properties and bookings subgraphs on loopback, sharing isolated databases."""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
import pytest

from common.auth.tokens import TokenSigner, TokenVerifier, load_or_create_private_key
from common.config import Settings
from subgraphs.bookings.app import BookingsOptions, create_app, migrate
from subgraphs.properties.app import create_app as create_properties_app
from subgraphs.properties.app import migrate as migrate_properties
from tests.integration.bookings.world import World
from tests.support.graphql import GraphQLClient
from tests.support.servers import serve_asgi


def isolated(settings: Settings, label: str) -> Settings:
    return settings.model_copy(update={"database_prefix": f"{settings.database_prefix}{label}_"})


@pytest.fixture(scope="package")
async def world(
    settings: Settings, tmp_path_factory: pytest.TempPathFactory
) -> AsyncIterator[World]:
    served = isolated(settings, "bk")
    signer = TokenSigner(
        load_or_create_private_key(tmp_path_factory.mktemp("keys") / "k.pem"), served
    )
    verifier = TokenVerifier(served, jwks=signer.jwks)
    await migrate_properties(served)
    await migrate(served)
    properties_app = create_properties_app(served, verifier=verifier)
    bookings_app = create_app(
        served,
        BookingsOptions(schedule_interval_seconds=0, public_url="http://bookings.test"),
        verifier=verifier,
    )
    async with (
        serve_asgi(properties_app) as properties_url,
        serve_asgi(bookings_app) as bookings_url,
        httpx.AsyncClient(timeout=60) as http,
    ):
        yield World(
            signer,
            GraphQLClient(properties_url, http),
            GraphQLClient(bookings_url, http),
            bookings_app,
            properties_app.state.engine,
        )
