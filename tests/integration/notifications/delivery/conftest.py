"""Fixtures: the notifications subgraph with every channel pointed at a local server."""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
import pytest

from common.auth.tokens import TokenSigner, TokenVerifier, load_or_create_private_key
from common.config import Settings
from subgraphs.notifications.app import NotificationsOptions, create_app, migrate
from tests.integration.notifications.delivery.world import Clock, DeliveryWorld, DictDirectory
from tests.support.graphql import GraphQLClient
from tests.support.providers import Providers
from tests.support.servers import serve_asgi, smtp_server


@pytest.fixture(scope="package")
async def dworld(
    settings: Settings, tmp_path_factory: pytest.TempPathFactory
) -> AsyncIterator[DeliveryWorld]:
    providers = Providers()
    async with serve_asgi(providers.app()) as providers_url, smtp_server() as (smtp_url, sink):
        providers.base_url = providers_url
        served = settings.model_copy(
            update={
                "database_prefix": f"{settings.database_prefix}nd_",
                "smtp_url": smtp_url,
                **providers.channel_settings(tmp_path_factory.mktemp("fcm")),
                "notifications_retry_base_seconds": 60.0,
                "notifications_max_attempts": 3,
                "public_links_url": "http://links.test/links",
            }
        )
        signer = TokenSigner(
            load_or_create_private_key(tmp_path_factory.mktemp("keys") / "k.pem"), served
        )
        await migrate(served)
        clock = Clock()
        directory = DictDirectory()
        app = create_app(
            served,
            NotificationsOptions(
                run_events=False,
                schedule_interval_seconds=0,
                dispatch_interval_seconds=0,
                digest_interval_seconds=0,
            ),
            verifier=TokenVerifier(served, jwks=signer.jwks),
            directory=directory,
            clock=clock,
        )
        async with serve_asgi(app) as url, httpx.AsyncClient(timeout=60) as http:
            yield DeliveryWorld(
                app, url, GraphQLClient(url, http), signer, sink, providers, directory, clock
            )


@pytest.fixture(autouse=True)
def _real_time(dworld: DeliveryWorld) -> None:
    dworld.clock.now = Clock().now
    dworld.providers.sms_failures.clear()
    dworld.providers.push_failures.clear()
