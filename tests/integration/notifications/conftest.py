"""Fixtures: properties → bookings → notifications on loopback, sharing isolated databases.

Bookings' real events reach notifications through the real outbox, relay and consumer.
"""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
import pytest

from common.auth.tokens import TokenSigner, TokenVerifier, load_or_create_private_key
from common.config import Settings
from subgraphs.bookings.app import BookingsOptions
from subgraphs.bookings.app import create_app as create_bookings_app
from subgraphs.bookings.app import migrate as migrate_bookings
from subgraphs.notifications.app import create_app, migrate
from subgraphs.properties.app import create_app as create_properties_app
from subgraphs.properties.app import migrate as migrate_properties
from tests.integration.bookings.world import World
from tests.integration.notifications.world import NotificationsWorld
from tests.support.graphql import GraphQLClient
from tests.support.servers import serve_asgi


@pytest.fixture(scope="session")
async def nworld(
    settings: Settings, tmp_path_factory: pytest.TempPathFactory
) -> AsyncIterator[NotificationsWorld]:
    served = settings.model_copy(update={"database_prefix": f"{settings.database_prefix}nf_"})
    signer = TokenSigner(
        load_or_create_private_key(tmp_path_factory.mktemp("keys") / "k.pem"), served
    )
    verifier = TokenVerifier(served, jwks=signer.jwks)
    await migrate_properties(served)
    await migrate_bookings(served)
    await migrate(served)
    properties_app = create_properties_app(served, verifier=verifier)
    bookings_app = create_bookings_app(
        served,
        BookingsOptions(schedule_interval_seconds=0, public_url="http://bookings.test"),
        verifier=verifier,
    )
    notifications_app = create_app(served, verifier=verifier)
    async with (
        serve_asgi(properties_app) as properties_url,
        serve_asgi(bookings_app) as bookings_url,
        serve_asgi(notifications_app) as notifications_url,
        httpx.AsyncClient(timeout=60) as http,
    ):
        bookings = World(
            signer,
            GraphQLClient(properties_url, http),
            GraphQLClient(bookings_url, http),
            bookings_app,
            properties_app.state.engine,
        )
        yield NotificationsWorld(
            bookings, GraphQLClient(notifications_url, http), notifications_app, served
        )
