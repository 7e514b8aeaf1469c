"""Access tokens for router tests, signed with a key of the tests' own.

Apart from conftest.py, which pytest may import under a second name: one key for everyone.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from common.auth.tokens import TokenSigner, TokenVerifier
from common.auth.viewer import Role
from common.config import Settings


@dataclass
class Tokens:
    """A signer and a verifier that trusts exactly its key."""

    signer: TokenSigner
    verifier: TokenVerifier

    def issue(self, user_id: uuid.UUID | None = None, *, now: int | None = None) -> str:
        return self.signer.issue(user_id or uuid.uuid4(), Role.BUYER, uuid.uuid4(), now=now)


def make_tokens() -> Tokens:
    """A fresh key pair."""
    settings = Settings()
    signer = TokenSigner(Ed25519PrivateKey.generate(), settings)
    return Tokens(signer, TokenVerifier(settings, jwks=signer.jwks))


TOKENS = make_tokens()
