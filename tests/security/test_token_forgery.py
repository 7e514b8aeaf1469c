"""Forged access tokens are refused by every verifier: each subgraph, the router over HTTP and
the router's WebSocket check. Each forgery starts from a real token's claims, so only the
forged part can explain the refusal."""

from __future__ import annotations

import base64
import hashlib
import hmac
import time
from collections.abc import Callable
from typing import Any

import jwt
import orjson
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from common.auth.tokens import load_or_create_private_key
from tests.security.accounts import new_account, sign_in
from tests.security.probes import verdicts
from tests.support.graph import Graph


def _b64(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def _segments(header: dict[str, Any], claims: dict[str, Any]) -> str:
    return f"{_b64(orjson.dumps(header))}.{_b64(orjson.dumps(claims))}"


def _parts(token: str) -> tuple[dict[str, Any], dict[str, Any]]:
    header = jwt.get_unverified_header(token)
    claims: dict[str, Any] = jwt.decode(token, options={"verify_signature": False})
    return header, claims


def _users_key(graph: Graph) -> Ed25519PrivateKey:
    settings = graph.apps["users"].state.services.deps.settings
    return load_or_create_private_key(settings.resolved_private_key_file())


def alg_none(graph: Graph, token: str) -> str:
    header, claims = _parts(token)
    return _segments({**header, "alg": "none"}, claims) + "."


def wrong_key(graph: Graph, token: str) -> str:
    header, claims = _parts(token)
    return jwt.encode(claims, Ed25519PrivateKey.generate(), algorithm="EdDSA", headers=header)


def hs256_with_the_public_key(graph: Graph, token: str) -> str:
    """The classic key-confusion attack: HMAC keyed with the published public key."""
    header, claims = _parts(token)
    public = _users_key(graph).public_key()
    raw = public.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    signing_input = _segments({**header, "alg": "HS256"}, claims)
    signature = hmac.new(raw, signing_input.encode(), hashlib.sha256).digest()
    return f"{signing_input}.{_b64(signature)}"


def _resigned(graph: Graph, token: str, **changes: Any) -> str:
    header, claims = _parts(token)
    return jwt.encode({**claims, **changes}, _users_key(graph), algorithm="EdDSA", headers=header)


def expired(graph: Graph, token: str) -> str:
    now = int(time.time())
    return _resigned(graph, token, iat=now - 3600, exp=now - 1800)


def wrong_issuer(graph: Graph, token: str) -> str:
    return _resigned(graph, token, iss="https://evil.example/users")


def wrong_audience(graph: Graph, token: str) -> str:
    return _resigned(graph, token, aud="someone-else")


def tampered_role(graph: Graph, token: str) -> str:
    header, claims = _parts(token)
    signature = token.rsplit(".", 1)[1]
    return f"{_segments(header, {**claims, 'role': 'admin'})}.{signature}"


def unknown_kid(graph: Graph, token: str) -> str:
    header, claims = _parts(token)
    return jwt.encode(
        claims, _users_key(graph), algorithm="EdDSA", headers={**header, "kid": "not-a-key"}
    )


Forgery = Callable[[Graph, str], str]
FORGERIES: dict[str, tuple[Forgery, str]] = {
    "alg=none": (alg_none, "INVALID_TOKEN"),
    "wrong key": (wrong_key, "INVALID_TOKEN"),
    "HS256 with the public key": (hs256_with_the_public_key, "INVALID_TOKEN"),
    "expired": (expired, "TOKEN_EXPIRED"),
    "wrong issuer": (wrong_issuer, "INVALID_TOKEN"),
    "wrong audience": (wrong_audience, "INVALID_TOKEN"),
    "tampered role claim": (tampered_role, "INVALID_TOKEN"),
    "unknown kid": (unknown_kid, "INVALID_TOKEN"),
}


@pytest.mark.parametrize("name", list(FORGERIES))
async def test_a_forged_token_is_refused_by_every_verifier(graph: Graph, name: str) -> None:
    user = await sign_in(graph, await new_account(graph))
    genuine = await verdicts(graph, user.access_token)
    assert set(genuine.values()) == {"accepted"}, genuine
    forge, reason = FORGERIES[name]
    answers = await verdicts(graph, forge(graph, user.access_token))
    assert answers.pop("router websocket") == "REFUSED"
    assert answers == dict.fromkeys(answers, reason)


async def test_a_resigned_token_with_the_real_key_is_accepted(graph: Graph) -> None:
    """The forgeries above fail for their forged part: re-signing unchanged claims works."""
    user = await sign_in(graph, await new_account(graph))
    answers = await verdicts(graph, _resigned(graph, user.access_token))
    assert set(answers.values()) == {"accepted"}
