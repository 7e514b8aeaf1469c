import time
import uuid
from pathlib import Path

import jwt
import pytest

from common.auth.tokens import TokenSigner, TokenVerifier, load_or_create_private_key
from common.auth.viewer import Role
from common.config import Settings
from common.errors import Unauthenticated


@pytest.fixture
def signer(tmp_path: Path) -> TokenSigner:
    return TokenSigner(load_or_create_private_key(tmp_path / "k.pem"), Settings())


async def test_a_signed_token_verifies_to_its_viewer(signer: TokenSigner) -> None:
    user, session = uuid.uuid4(), uuid.uuid4()
    token = signer.issue(user, Role.SELLER, session)
    viewer = await TokenVerifier(Settings(), jwks=signer.jwks).verify(token)
    assert (viewer.user_id, viewer.role, viewer.session_id) == (user, Role.SELLER, session)
    claims = jwt.decode(token, options={"verify_signature": False})
    assert claims["exp"] - claims["iat"] == 15 * 60
    assert set(claims) == {"sub", "role", "sid", "ep", "jti", "exp", "iat", "iss", "aud"}


async def test_expired_token_is_unauthenticated_with_reason(signer: TokenSigner) -> None:
    token = signer.issue(uuid.uuid4(), Role.BUYER, uuid.uuid4(), now=int(time.time()) - 3600)
    with pytest.raises(Unauthenticated) as refused:
        await TokenVerifier(Settings(), jwks=signer.jwks).verify(token)
    assert refused.value.as_extensions()["reason"] == "TOKEN_EXPIRED"


async def test_tampered_token_is_rejected(signer: TokenSigner) -> None:
    token = signer.issue(uuid.uuid4(), Role.BUYER, uuid.uuid4())
    header, payload, signature = token.split(".")
    forged = jwt.encode({"role": "admin"}, "x" * 32, algorithm="HS256").split(".")[1]
    with pytest.raises(Unauthenticated) as refused:
        await TokenVerifier(Settings(), jwks=signer.jwks).verify(f"{header}.{forged}.{signature}")
    assert refused.value.as_extensions()["reason"] == "INVALID_TOKEN"


async def test_key_is_generated_once_and_reloaded(tmp_path: Path) -> None:
    first = load_or_create_private_key(tmp_path / "k.pem")
    second = load_or_create_private_key(tmp_path / "k.pem")
    assert TokenSigner(first, Settings()).jwk == TokenSigner(second, Settings()).jwk
    assert (tmp_path / "k.pem").stat().st_mode & 0o777 == 0o600


async def test_a_remembered_token_still_expires_and_follows_key_rotation(
    signer: TokenSigner, tmp_path: Path
) -> None:
    token = signer.issue(uuid.uuid4(), Role.BUYER, uuid.uuid4())
    verifier = TokenVerifier(Settings(), jwks=signer.jwks)
    first = await verifier.verify(token)
    assert await verifier.verify(token) == first  # from the verified-token cache

    # Expiry is checked on every use: from exp on, as jwt counts it.
    expiry = jwt.decode(token, options={"verify_signature": False})["exp"]
    verifier.clock = lambda: float(expiry)
    with pytest.raises(Unauthenticated) as refused:
        await verifier.verify(token)
    assert refused.value.as_extensions()["reason"] == "TOKEN_EXPIRED"

    # A key no longer published refuses the tokens it signed, remembered or not.
    verifier = TokenVerifier(Settings(), jwks=signer.jwks)
    await verifier.verify(token)
    other = TokenSigner(load_or_create_private_key(tmp_path / "other.pem"), Settings())
    verifier._load(other.jwks)
    with pytest.raises(Unauthenticated) as refused:
        await verifier.verify(token)
    assert refused.value.as_extensions()["reason"] == "INVALID_TOKEN"


async def test_the_verified_token_cache_is_bounded(signer: TokenSigner) -> None:
    verifier = TokenVerifier(Settings(), jwks=signer.jwks)
    verifier.VERIFIED_CACHE_SIZE = 3
    tokens = [signer.issue(uuid.uuid4(), Role.BUYER, uuid.uuid4()) for _ in range(5)]
    for token in tokens:
        await verifier.verify(token)
    assert list(verifier._verified) == tokens[2:]
