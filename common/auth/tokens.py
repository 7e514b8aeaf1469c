"""EdDSA-signed access tokens and the JWKS that lets every service verify them locally."""

from __future__ import annotations

import asyncio
import base64
import hashlib
import time
import uuid
from collections import OrderedDict
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

import jwt
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from common.auth.revocation import RevocationSet
from common.auth.revocation_feed import HttpRevocationSource, RevocationFeed
from common.auth.service_credentials import ServiceCredentials, is_service_token
from common.auth.viewer import Role, Viewer
from common.config import Settings
from common.errors import Unauthenticated

if TYPE_CHECKING:
    import httpx

ALGORITHM = "EdDSA"


def load_or_create_private_key(path: Path) -> Ed25519PrivateKey:
    """The signing key stored at ``path``; a new one is generated (mode 0600) when absent."""
    if path.exists():
        key = serialization.load_pem_private_key(path.read_bytes(), password=None)
        if not isinstance(key, Ed25519PrivateKey):
            raise ValueError(f"{path} does not hold an Ed25519 private key")
        return key
    key = Ed25519PrivateKey.generate()
    path.parent.mkdir(parents=True, exist_ok=True)
    pem = key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    tmp = path.with_suffix(".tmp")
    tmp.write_bytes(pem)
    tmp.chmod(0o600)
    tmp.replace(path)
    return key


def _b64url(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def public_jwk(public_key: Ed25519PublicKey) -> dict[str, str]:
    """The RFC 8037 JWK of a public key, with a kid derived from the key itself."""
    raw = public_key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    kid = _b64url(hashlib.sha256(raw).digest()[:12])
    return {
        "kty": "OKP",
        "crv": "Ed25519",
        "x": _b64url(raw),
        "kid": kid,
        "alg": ALGORITHM,
        "use": "sig",
    }


class TokenSigner:
    """Issues access tokens; only the users subgraph holds one."""

    def __init__(self, private_key: Ed25519PrivateKey, settings: Settings) -> None:
        self._key = private_key
        self.jwk = public_jwk(private_key.public_key())
        self._issuer = settings.jwt_issuer
        self._audience = settings.jwt_audience
        self.ttl_seconds = settings.access_token_ttl_seconds

    @property
    def jwks(self) -> dict[str, list[dict[str, str]]]:
        return {"keys": [self.jwk]}

    def issue(
        self,
        user_id: uuid.UUID,
        role: Role,
        session_id: uuid.UUID,
        now: int | None = None,
        *,
        epoch: int = 0,
        token_id: str | None = None,
    ) -> str:
        """A signed access token; ``epoch`` is the user's token epoch (decision 0017).

        Ed25519 signatures are deterministic, so the same claims (``token_id`` and ``now``
        included) give the same token: a refresh inside the reuse grace returns the same pair.
        """
        issued_at = int(time.time()) if now is None else now
        claims = {
            "sub": str(user_id),
            "role": role.value,
            "sid": str(session_id),
            "ep": epoch,
            "jti": token_id or uuid.uuid4().hex,
            "iat": issued_at,
            "exp": issued_at + self.ttl_seconds,
            "iss": self._issuer,
            "aud": self._audience,
        }
        return jwt.encode(claims, self._key, algorithm=ALGORITHM, headers={"kid": self.jwk["kid"]})


class TokenVerifier:
    """Verifies access tokens against a JWKS: given directly, or fetched from ``jwks_url``.

    Fetched keys are cached; an unknown ``kid`` triggers at most one refetch per minute, so key
    rotation needs no restart and a flood of forged kids cannot hammer the users subgraph. A
    fetch that failed (users still starting, or down) may be retried after a few seconds, so a
    service that started before users does not refuse every token for a minute.

    A verifier that fetches its keys also follows users' revocation feed (``revocations``
    defaults to one reading ``settings.revocations_url``); ``start`` and ``stop`` run it, and
    the subgraph app factory calls them. A verifier given ``jwks`` checks revocations only
    when it is also given a feed.
    """

    REFETCH_AFTER_SECONDS = 60.0
    RETRY_AFTER_FAILURE_SECONDS = 2.0
    # Tokens whose signature and claims checked out, remembered so that verifying one again
    # (every request of a session; every re-check of an open subscription, common.auth.
    # token_end) costs a dictionary look-up instead of an Ed25519 verification.
    VERIFIED_CACHE_SIZE = 4096

    def __init__(
        self,
        settings: Settings,
        *,
        jwks: Mapping[str, Any] | None = None,
        http_client: httpx.AsyncClient | None = None,
        revocations: RevocationFeed | None = None,
    ) -> None:
        self._issuer = settings.jwt_issuer
        self._audience = settings.jwt_audience
        self._jwks_url = settings.jwks_url
        self._services = ServiceCredentials(settings.service_credentials)
        self._http = http_client
        self._keys: dict[str, Any] = {}
        # token -> (kid, viewer, epoch, exp); least recently used first.
        self._verified: OrderedDict[str, tuple[str, Viewer, int, float]] = OrderedDict()
        self.clock: Callable[[], float] = time.time
        self._next_fetch_at = 0.0
        self._lock = asyncio.Lock()
        if jwks is not None:
            self._load(jwks)
            self._next_fetch_at = float("inf")
        elif revocations is None and settings.revocations_url:
            revocations = RevocationFeed(
                HttpRevocationSource(settings.revocations_url, http_client),
                RevocationSet(revocation_ttl(settings)),
                poll_seconds=settings.revocation_poll_seconds,
                max_staleness_seconds=settings.revocation_max_staleness_seconds,
            )
        self.revocations = revocations

    async def start(self) -> None:
        """Start following the revocation feed (a no-op without one)."""
        if self.revocations is not None:
            await self.revocations.start()

    async def stop(self) -> None:
        if self.revocations is not None:
            await self.revocations.stop()

    def _load(self, jwks: Mapping[str, Any]) -> None:
        key_set = jwt.PyJWKSet.from_dict(dict(jwks))
        self._keys = {k.key_id: k.key for k in key_set.keys if k.key_id}

    async def _refresh(self) -> None:
        async with self._lock:
            now = time.monotonic()
            if now < self._next_fetch_at:
                return
            self._next_fetch_at = now + self.RETRY_AFTER_FAILURE_SECONDS
            import httpx  # on first use: the router starts without it

            client = self._http or httpx.AsyncClient(timeout=5)
            try:
                response = await client.get(self._jwks_url)
                response.raise_for_status()
                self._load(response.json())
                self._next_fetch_at = time.monotonic() + self.REFETCH_AFTER_SECONDS
            except (httpx.HTTPError, ValueError, jwt.PyJWTError):
                return
            finally:
                if self._http is None:
                    await client.aclose()

    async def verify(self, token: str) -> Viewer:
        """The viewer the token names; UNAUTHENTICATED (reason given) when it is not valid.

        A service credential (``rsvc.…``, decision 0027) names a service instead of a user.
        """
        if is_service_token(token):
            return self._services.verify(token)
        remembered = self._remembered(token)
        if remembered is not None:
            viewer, epoch = remembered
            self._check_not_revoked(viewer, epoch)
            return viewer
        try:
            header = jwt.get_unverified_header(token)
        except jwt.PyJWTError as exc:
            raise Unauthenticated("Invalid access token.", reason="INVALID_TOKEN") from exc
        kid = str(header.get("kid", ""))
        if kid not in self._keys:
            await self._refresh()
        key = self._keys.get(kid)
        if key is None:
            raise Unauthenticated("Invalid access token.", reason="INVALID_TOKEN")
        try:
            claims = jwt.decode(
                token,
                key,
                algorithms=[ALGORITHM],
                audience=self._audience,
                issuer=self._issuer,
                options={"require": ["exp", "iat", "sub", "sid", "role", "iss", "aud"]},
            )
            viewer = Viewer(
                user_id=uuid.UUID(claims["sub"]),
                role=Role(claims["role"]),
                session_id=uuid.UUID(claims["sid"]),
            )
            epoch = int(claims.get("ep", 0))
            expiry = float(claims["exp"])
        except jwt.ExpiredSignatureError as exc:
            raise Unauthenticated("Access token has expired.", reason="TOKEN_EXPIRED") from exc
        except (jwt.PyJWTError, ValueError, TypeError) as exc:
            raise Unauthenticated("Invalid access token.", reason="INVALID_TOKEN") from exc
        self._verified[token] = (kid, viewer, epoch, expiry)
        if len(self._verified) > self.VERIFIED_CACHE_SIZE:
            self._verified.popitem(last=False)
        self._check_not_revoked(viewer, epoch)
        return viewer

    def _remembered(self, token: str) -> tuple[Viewer, int] | None:
        """The viewer and epoch of a token verified before, while its key is still published
        and it has not expired (as jwt counts it: expired from ``exp`` on); None otherwise.
        Revocation is not remembered: the caller checks it every time."""
        entry = self._verified.get(token)
        if entry is None:
            return None
        kid, viewer, epoch, expiry = entry
        if kid not in self._keys:
            del self._verified[token]
            return None
        if self.clock() >= expiry:
            del self._verified[token]
            raise Unauthenticated("Access token has expired.", reason="TOKEN_EXPIRED")
        self._verified.move_to_end(token)
        return viewer, epoch

    def _check_not_revoked(self, viewer: Viewer, epoch: int) -> None:
        feed = self.revocations
        if feed is None:
            return
        if not feed.is_current():
            # Revocations may have happened that this verifier has not heard of.
            raise Unauthenticated(
                "Sign-in cannot be checked right now; try again shortly.",
                reason="REVOCATION_UNAVAILABLE",
            )
        assert viewer.session_id is not None and viewer.user_id is not None
        if feed.revocations.is_revoked(viewer.session_id, viewer.user_id, epoch):
            raise Unauthenticated("This sign-in has ended; sign in again.", reason="TOKEN_REVOKED")


def revocation_ttl(settings: Settings) -> float:
    """How long a revocation must be remembered: an access token's life, plus clock skew."""
    return float(settings.access_token_ttl_seconds + 60)


def bearer_token(authorization: str | None) -> str | None:
    """The token of an ``Authorization: Bearer …`` value, or None."""
    if not authorization:
        return None
    scheme, _, value = authorization.partition(" ")
    if scheme.lower() != "bearer" or not value.strip():
        return None
    return value.strip()
