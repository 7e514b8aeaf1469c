"""One-time codes and refresh tokens: generated from ``secrets``, stored only as hashes."""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
import uuid

from subgraphs.users.service.validation import OTP_LENGTH


def new_otp() -> str:
    return f"{secrets.randbelow(10**OTP_LENGTH):0{OTP_LENGTH}d}"


def otp_hash(key: bytes, user_id: uuid.UUID, code: str) -> str:
    """Keyed so that a leaked table cannot be brute-forced over the million possible codes."""
    return hmac.new(key, f"{user_id}:{code}".encode(), hashlib.sha256).hexdigest()


def otp_matches(key: bytes, user_id: uuid.UUID, code: str, stored_hash: str) -> bool:
    return hmac.compare_digest(otp_hash(key, user_id, code), stored_hash)


def new_refresh_token(session_id: uuid.UUID) -> str:
    """``<session id>.<256 random bits>``: the id finds the session row in one lookup."""
    return f"{session_id}.{secrets.token_urlsafe(32)}"


def next_refresh_token(key: bytes, session_id: uuid.UUID, presented: str) -> str:
    """The token that replaces ``presented`` on rotation, derived rather than random.

    Deriving it lets a second refresh with the same token inside the reuse grace (two tabs)
    get the very same new token back, although only hashes are stored. Without ``key`` it
    cannot be computed from the old token.
    """
    digest = hmac.new(key, presented.encode(), hashlib.sha256).digest()
    return f"{session_id}.{base64.urlsafe_b64encode(digest).rstrip(b'=').decode()}"


def access_token_id(key: bytes, refresh_token: str) -> str:
    """The ``jti`` of the access token issued with ``refresh_token`` (same pair, same id)."""
    return hmac.new(key, b"jti\x00" + refresh_token.encode(), hashlib.sha256).hexdigest()[:32]


def refresh_token_hash(token: str) -> str:
    # The token carries 256 random bits, so a plain (fast) hash is enough to store it safely.
    return hashlib.sha256(token.encode()).hexdigest()


def refresh_token_session(token: str) -> uuid.UUID | None:
    """The session id a refresh token names, or None when it is malformed."""
    session_part, dot, secret = token.partition(".")
    if not dot or not secret or len(token) > 200:
        return None
    try:
        return uuid.UUID(session_part)
    except ValueError:
        return None
