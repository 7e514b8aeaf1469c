"""Fixtures: the recommendations subgraph on loopback, its producers' databases and relays."""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
import pytest

from common.auth.tokens import TokenSigner, TokenVerifier, load_or_create_private_key
from common.config import Settings
from common.db import create_engine
from common.events import EventRuntime
from subgraphs.bookings.app import migrate as migrate_bookings
from subgraphs.messaging.app import migrate as migrate_messaging
from subgraphs.properties.app import migrate as migrate_properties
from subgraphs.recommendations.app import RecommendationsOptions, create_app, migrate
from subgraphs.search.app import migrate as migrate_search
from tests.integration.recommendations.world import RecsWorld
from tests.support.graphql import GraphQLClient
from tests.support.servers import serve_asgi

PRODUCERS = {
    "properties": migrate_properties,
    "search": migrate_search,
    "bookings": migrate_bookings,
    "messaging": migrate_messaging,
}


def isolated(settings: Settings, label: str) -> Settings:
    return settings.model_copy(update={"database_prefix": f"{settings.database_prefix}{label}_"})


@pytest.fixture(scope="package")
async def recs_settings(settings: Settings) -> Settings:
    served = isolated(settings, "rc").model_copy(
        update={"recommendations_artefact_key": "integration-artefact-key-0123456789"}
    )
    for migrate_producer in PRODUCERS.values():
        await migrate_producer(served)
    await migrate(served)
    return served


@pytest.fixture(scope="package")
def signer(tmp_path_factory: pytest.TempPathFactory, recs_settings: Settings) -> TokenSigner:
    key = load_or_create_private_key(tmp_path_factory.mktemp("keys") / "k.pem")
    return TokenSigner(key, recs_settings)


@pytest.fixture(scope="package")
async def recs(recs_settings: Settings, signer: TokenSigner) -> AsyncIterator[RecsWorld]:
    verifier = TokenVerifier(recs_settings, jwks=signer.jwks)
    app = create_app(
        recs_settings,
        RecommendationsOptions(refresh_interval_seconds=0, train_when_empty=False),
        verifier=verifier,
    )
    producers = {name: create_engine(recs_settings, name) for name in PRODUCERS}
    relays = {
        name: EventRuntime(recs_settings, subgraph=name, engine=engine)
        for name, engine in producers.items()
    }
    for relay in relays.values():
        await relay.start_relay()
    try:
        async with serve_asgi(app) as url, httpx.AsyncClient(timeout=60) as http:
            yield RecsWorld(recs_settings, signer, GraphQLClient(url, http), app, producers, relays)
    finally:
        for relay in relays.values():
            await relay.stop()
        for engine in producers.values():
            await engine.dispose()
