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
from subgraphs.messaging.app import create_app as create_messaging_app
from subgraphs.messaging.app import migrate as migrate_messaging
from subgraphs.notifications.app import NotificationsOptions, create_app, migrate
from subgraphs.properties.app import create_app as create_properties_app
from subgraphs.properties.app import migrate as migrate_properties
from subgraphs.search.app import SearchOptions
from subgraphs.search.app import create_app as create_search_app
from subgraphs.search.app import migrate as migrate_search
from subgraphs.users.app import create_app as create_users_app
from subgraphs.users.app import migrate as migrate_users
from tests.integration.bookings.world import World
from tests.integration.notifications.triggers import Producers
from tests.integration.notifications.world import SERVICE_CREDENTIALS, NotificationsWorld
from tests.integration.users.client import UsersClient
from tests.support.graphql import GraphQLClient
from tests.support.servers import serve_asgi, smtp_server


@pytest.fixture(scope="package")
async def nworld(
    settings: Settings, tmp_path_factory: pytest.TempPathFactory
) -> AsyncIterator[NotificationsWorld]:
    served = settings.model_copy(
        update={
            "database_prefix": f"{settings.database_prefix}nf_",
            "service_credentials": SERVICE_CREDENTIALS,
        }
    )
    signer = TokenSigner(
        load_or_create_private_key(tmp_path_factory.mktemp("keys") / "k.pem"), served
    )
    verifier = TokenVerifier(served, jwks=signer.jwks)
    # Every producer's log exists before notifications' consumers start reading it.
    for migrate_producer in (
        migrate_properties,
        migrate_bookings,
        migrate_users,
        migrate_search,
        migrate_messaging,
    ):
        await migrate_producer(served)
    await migrate(served)
    properties_app = create_properties_app(served, verifier=verifier)
    bookings_app = create_bookings_app(
        served,
        BookingsOptions(schedule_interval_seconds=0, public_url="http://bookings.test"),
        verifier=verifier,
    )
    # The unread-message schedule is driven by the tests (message_alerts.run_due).
    notifications_app = create_app(
        served, NotificationsOptions(schedule_interval_seconds=0), verifier=verifier
    )
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
            bookings, GraphQLClient(notifications_url, http), notifications_app, served, verifier
        )


@pytest.fixture(scope="package")
async def producers(nworld: NotificationsWorld) -> AsyncIterator[Producers]:
    """users, search and messaging beside nworld's subgraphs, on the same databases: every
    trigger is fed by its real producer."""
    served, verifier = nworld.settings, nworld.verifier
    async with smtp_server() as (smtp_url, sink):
        users_settings = served.model_copy(
            update={"smtp_url": smtp_url, "register_rate_limit": 100_000, "login_rate_limit": 1000}
        )
        users_app = create_users_app(users_settings)
        messaging_app = create_messaging_app(served, verifier=verifier)
        async with (
            serve_asgi(users_app) as users_url,
            serve_asgi(messaging_app) as messaging_url,
            httpx.AsyncClient(timeout=60) as http,
        ):
            properties_url = nworld.bookings.properties.base_url
            search_app = create_search_app(
                served,
                SearchOptions(
                    reconcile_interval_seconds=0, properties_url=f"{properties_url}/graphql"
                ),
                verifier=verifier,
            )
            async with serve_asgi(search_app) as search_url:
                yield Producers(
                    nworld,
                    UsersClient(users_url, http, sink),
                    users_app,
                    GraphQLClient(search_url, http),
                    search_app,
                    GraphQLClient(messaging_url, http),
                    messaging_app,
                )
