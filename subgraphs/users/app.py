"""Composition root of the users subgraph: builds every adapter from Settings, returns the app."""

from __future__ import annotations

import hashlib
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from functools import partial
from pathlib import Path

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from sqlalchemy.ext.asyncio import create_async_engine
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from common.auth.passwords import PasswordHashing
from common.auth.revocation import RevocationSet
from common.auth.revocation_feed import RevocationFeed
from common.auth.tokens import (
    TokenSigner,
    TokenVerifier,
    load_or_create_private_key,
    revocation_ttl,
)
from common.config import Settings, get_settings
from common.db import (
    ReadPool,
    create_engine,
    is_reachable,
    session_factory,
    subgraph_database_url,
)
from common.events import EventRuntime
from common.file_routes import file_routes, subgraph_files_url
from common.graphql_app import SubgraphApp, create_subgraph_app, schema_extensions
from common.infrastructure import build_rate_limiter, build_redis, build_storage
from common.mail import build_mailer
from common.mail_outbox import MailRelay, RelayPolicy
from common.metrics import GraphQLMetrics
from common.migrations import upgrade
from common.redis_fallback import redis_checks
from subgraphs.users.models import mail_outbox
from subgraphs.users.revocation_routes import revocation_feed_route
from subgraphs.users.schema import build_schema
from subgraphs.users.service import UsersDeps, build_services
from subgraphs.users.service.profiles import AVATAR_PREFIX
from subgraphs.users.service.revocations import DatabaseRevocationSource

SUBGRAPH = "users"
MIGRATIONS_DIR = Path(__file__).with_name("migrations")


async def migrate(settings: Settings) -> None:
    """Create the users database when missing and apply every migration."""
    await upgrade(settings, SUBGRAPH, MIGRATIONS_DIR)


def otp_key_from(private_key: Ed25519PrivateKey) -> bytes:
    """A server secret for hashing one-time codes, derived so no extra key must be managed."""
    raw = private_key.private_bytes(
        serialization.Encoding.Raw, serialization.PrivateFormat.Raw, serialization.NoEncryption()
    )
    return hashlib.sha256(b"realio-users-otp\x00" + raw).digest()


def create_app(settings: Settings | None = None) -> Starlette:
    """The users subgraph as an ASGI app (migrations are applied separately, by ``migrate``)."""
    settings = settings or get_settings()
    engine = create_engine(settings, SUBGRAPH, with_read_pool=True)
    read_pool = ReadPool(engine, settings.database_pool_size)
    hashing = PasswordHashing(settings)
    private_key = load_or_create_private_key(settings.resolved_private_key_file())
    signer = TokenSigner(private_key, settings)
    db = session_factory(engine)
    # users holds the private key and the revocation feed, so it verifies its own tokens with
    # neither a JWKS fetch nor an HTTP feed: it reads the feed from its database.
    # The feed is read every second by this process and by every other verifier: its own small
    # pool keeps those reads from queuing behind (or being counted with) request queries.
    # Its connections are kept once opened, as every pool's are (decision 0039).
    feed_engine = create_async_engine(
        subgraph_database_url(settings, SUBGRAPH), pool_size=4, max_overflow=0
    )
    revocations = DatabaseRevocationSource(session_factory(feed_engine), revocation_ttl(settings))
    feed = RevocationFeed(
        revocations,
        RevocationSet(revocation_ttl(settings)),
        poll_seconds=settings.revocation_poll_seconds,
        max_staleness_seconds=settings.revocation_max_staleness_seconds,
    )
    verifier = TokenVerifier(settings, jwks=signer.jwks, revocations=feed)
    redis = build_redis(settings)
    storage = build_storage(settings, subgraph_files_url(settings, SUBGRAPH))
    mail_relay = MailRelay(
        db,
        mail_outbox,
        build_mailer(settings),
        RelayPolicy(
            poll_seconds=settings.mail_relay_poll_seconds,
            max_attempts=settings.mail_relay_max_attempts,
            lease_seconds=settings.mail_relay_lease_seconds,
        ),
    )
    deps = UsersDeps(
        settings=settings,
        db=db,
        hashing=hashing,
        signer=signer,
        limiter=build_rate_limiter(settings, redis),
        mail_relay=mail_relay,
        storage=storage,
        otp_key=otp_key_from(private_key),
        revocation_feed=feed,
        read_pool=read_pool,
    )
    services = build_services(deps)
    metrics = GraphQLMetrics(SUBGRAPH)
    events = EventRuntime(settings, subgraph=SUBGRAPH, engine=engine, registry=metrics.registry)

    async def jwks(_: Request) -> Response:
        return JSONResponse(signer.jwks, headers={"cache-control": "public, max-age=300"})

    @asynccontextmanager
    async def lifespan() -> AsyncIterator[None]:
        await events.start_relay()
        await mail_relay.start()
        try:
            yield
        finally:
            await mail_relay.stop()
            await events.stop()
            await read_pool.close()
            await engine.dispose()
            await feed_engine.dispose()
            hashing.close()
            if redis is not None:
                await redis.aclose()

    app = create_subgraph_app(
        SubgraphApp(
            name=SUBGRAPH,
            schema=build_schema(schema_extensions(metrics)),
            services=services,
            verifier=verifier,
            readiness_checks={"database": partial(is_reachable, engine)},
            degradable_checks=redis_checks(redis),
            lifespan=lifespan,
            extra_routes=[
                Route("/.well-known/jwks.json", jwks),
                revocation_feed_route(revocations),
                *file_routes(storage, [AVATAR_PREFIX]),
            ],
            metrics=metrics,
            settings=settings,
        )
    )
    # Tests reach the engine (to count SQL statements) and the services through the app.
    app.state.engine = engine
    app.state.read_pool = read_pool
    app.state.services = services
    app.state.events = events
    app.state.mail_relay = mail_relay
    return app
