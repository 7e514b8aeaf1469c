"""Signed-in users without the users subgraph: tokens signed with a test's own key.

Subgraph tests verify tokens against that key's JWKS, so any role can be played at once.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from common.auth.tokens import TokenSigner
from common.auth.viewer import Role


@dataclass(frozen=True)
class Persona:
    """A user with a valid access token for ``role``."""

    id: uuid.UUID
    role: Role
    token: str


def persona(signer: TokenSigner, role: Role) -> Persona:
    """A new user id with a fresh session, signed by ``signer``."""
    user_id = uuid.uuid4()
    return Persona(user_id, role, signer.issue(user_id, role, uuid.uuid4()))
