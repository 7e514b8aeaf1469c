"""When a connection's access token expires: live streams end then (UNAUTHENTICATED)."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

import jwt

from common.auth.tokens import bearer_token

# Where WebSocket clients put the token in connection_init (as the router forwards it).
TOKEN_KEYS = ("Authorization", "authorization", "authToken", "token")


def token_of(params: Mapping[str, Any] | None, authorization: str | None = None) -> str | None:
    """The bearer token of a connection_init / Socket.IO auth payload, else of the header."""
    for key in TOKEN_KEYS:
        value = (params or {}).get(key)
        if isinstance(value, str) and value.strip():
            return bearer_token(value) or value.strip()
    return bearer_token(authorization)


def expiry_of(token: str | None) -> datetime | None:
    """The ``exp`` of a token that was already verified (its signature is not checked again)."""
    if token is None:
        return None
    try:
        claims = jwt.decode(token, options={"verify_signature": False})
        return datetime.fromtimestamp(int(claims["exp"]), UTC)
    except (jwt.PyJWTError, KeyError, ValueError, TypeError):
        return None
