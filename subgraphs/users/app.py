"""Composition root of the users subgraph: builds every adapter from Settings, returns the app."""

from __future__ import annotations

import hashlib
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from functools import partial
from pathlib import Path

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from common.auth.passwords import PasswordHashing
from common.auth.tokens import TokenSigner, TokenVerifier, load_or_create_private_key
from common.config import Settings, get_settings
from common.db import create_engine, is_reachable, session_factory
from common.file_routes import file_routes, subgraph_files_url
from common.graphql_app import SubgraphApp, create_subgraph_app, schema_extensions
from common.infrastructure import build_rate_limiter, build_redis, build_storage
from common.mail import build_mailer
from common.metrics import GraphQLMetrics
from common.migrations import upgrade
from common.redis_fallback import redis_checks
from subgraphs.users.schema import build_schema
from subgraphs.users.service import UsersDeps, build_services

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
    engine = create_engine(settings, SUBGRAPH)
    hashing = PasswordHashing(settings)
    private_key = load_or_create_private_key(settings.resolved_private_key_file())
    signer = TokenSigner(private_key, settings)
    # users holds the private key, so it verifies its own tokens without fetching its JWKS.
    verifier = TokenVerifier(settings, jwks=signer.jwks)
    redis = build_redis(settings)
    storage = build_storage(settings, subgraph_files_url(settings, SUBGRAPH))
    deps = UsersDeps(
        settings=settings,
        db=session_factory(engine),
        hashing=hashing,
        signer=signer,
        limiter=build_rate_limiter(settings, redis),
        mailer=build_mailer(settings),
        storage=storage,
        otp_key=otp_key_from(private_key),
    )
    services = build_services(deps)
    metrics = GraphQLMetrics(SUBGRAPH)

    async def jwks(_: Request) -> Response:
        return JSONResponse(signer.jwks, headers={"cache-control": "public, max-age=300"})

    @asynccontextmanager
    async def lifespan() -> AsyncIterator[None]:
        try:
            yield
        finally:
            await engine.dispose()
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
            extra_routes=[Route("/.well-known/jwks.json", jwks), *file_routes(storage)],
            metrics=metrics,
            settings=settings,
        )
    )
    # Tests reach the engine (to count SQL statements) and the services through the app.
    app.state.engine = engine
    app.state.services = services
    return app
