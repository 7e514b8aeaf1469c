"""The viewer of a WebSocket connection: its token from ``connection_init`` or the upgrade.

Browsers cannot set headers on a WebSocket, so graphql-transport-ws clients put the token in
the ``connection_init`` payload: ``{"Authorization": "Bearer …"}``, or ``authorization`` /
``authToken`` (Apollo's and urql's examples use these; a bare token is accepted there too).
The payload wins over an ``Authorization`` header on the upgrade request. The router verifies
the token locally against the users subgraph's JWKS (an invalid one closes the connection
with 4403) and then forwards it like an HTTP request's header: as ``authorization`` on every
subgraph fetch and as ``Authorization`` in the ``connection_init`` it sends to a subgraph
subscription.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from common.auth.tokens import TokenVerifier, bearer_token
from common.config import Settings
from common.errors import Unauthenticated
from router.config import RouterSettings

# Where clients put the token in the connection_init payload, in order of precedence.
TOKEN_KEYS = ("Authorization", "authorization", "authToken")


class ConnectionRefused(Exception):
    """The connection's token is not valid (the WebSocket closes with 4403)."""


@dataclass(frozen=True)
class ConnectionAuth:
    """What a connection forwards to subgraphs: its ``authorization`` and ``connection_init``."""

    authorization: str | None
    connection_params: Mapping[str, Any] | None


def authorization_of(payload: Mapping[str, Any] | None) -> str | None:
    """The ``Authorization`` value (``Bearer …``) a ``connection_init`` payload carries, if any.

    A value without a scheme is taken as a bearer token.
    """
    if not payload:
        return None
    for key in TOKEN_KEYS:
        value = payload.get(key)
        if isinstance(value, str) and value.strip():
            value = value.strip()
            return value if bearer_token(value) is not None else f"Bearer {value}"
    return None


def build_verifier(settings: RouterSettings) -> TokenVerifier | None:
    """The router's token verifier (JWKS fetched from ``settings.jwks_url``), or None.

    It follows users' revocation feed (``settings.revocations_url``) while the app runs.
    """
    if not settings.jwks_url:
        return None
    return TokenVerifier(
        Settings(
            jwks_url=settings.jwks_url,
            jwt_issuer=settings.jwt_issuer,
            jwt_audience=settings.jwt_audience,
            revocations_url=settings.revocations_url or "",
        )
    )


async def authenticate_connection(
    verifier: TokenVerifier | None,
    payload: Mapping[str, Any] | None,
    upgrade_authorization: str | None,
) -> ConnectionAuth:
    """The credentials a connection forwards; raises :class:`ConnectionRefused` for a bad token.

    Without a verifier (no ``jwks_url``) tokens are passed on unchecked and the subgraphs,
    which verify every token themselves, decide.
    """
    authorization = authorization_of(payload) or upgrade_authorization
    params: dict[str, Any] | None = None
    if payload is not None:
        params = {k: v for k, v in payload.items() if k not in TOKEN_KEYS}
    if authorization is None:
        return ConnectionAuth(None, params)
    token = bearer_token(authorization)
    if token is None:
        raise ConnectionRefused("The authorization is not a bearer token.")
    if verifier is not None:
        try:
            await verifier.verify(token)
        except Unauthenticated as error:
            raise ConnectionRefused(str(error)) from error
    return ConnectionAuth(authorization, {**(params or {}), "Authorization": authorization})


def connection_token(
    payload: Mapping[str, Any] | None, upgrade_authorization: str | None
) -> str | None:
    """The token a connection is authorised with, read as :func:`authenticate_connection` does."""
    return bearer_token(authorization_of(payload) or upgrade_authorization)
