"""A subgraph app around a test's own Query type, hosted as every subgraph is
(``create_subgraph_app``: its extensions, request reading, response writing, lifespan)."""

from __future__ import annotations

import strawberry
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from common.auth.tokens import TokenSigner, TokenVerifier
from common.config import Settings
from common.graphql_app import SubgraphApp, schema_extensions
from common.metrics import GraphQLMetrics


def demo_subgraph(
    name: str,
    query: type,
    settings: Settings,
    *,
    extensions: bool = True,
    configure: bool = True,
    signer: TokenSigner | None = None,
) -> SubgraphApp:
    """``query`` as subgraph ``name``, with every subgraph's schema extensions unless
    ``extensions`` is false; ``configure`` hands it ``settings`` (logging, Sentry, GC policy)
    as the real subgraphs do. Tokens are verified with ``signer``'s keys (a new one by
    default)."""
    signer = signer or TokenSigner(Ed25519PrivateKey.generate(), settings)
    listed = schema_extensions(GraphQLMetrics(name)) if extensions else []
    return SubgraphApp(
        name=name,
        schema=strawberry.federation.Schema(query=query, extensions=listed),
        services=None,
        verifier=TokenVerifier(settings, jwks=signer.jwks),
        settings=settings if configure else None,
    )
