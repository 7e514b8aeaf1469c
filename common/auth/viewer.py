"""Who is asking: the viewer of a request, taken from a verified access token."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from enum import StrEnum


class Role(StrEnum):
    BUYER = "buyer"
    SELLER = "seller"
    AGENT = "agent"
    ADMIN = "admin"


@dataclass(frozen=True, slots=True)
class Viewer:
    """The authenticated user (or nobody) on whose behalf a request runs."""

    user_id: uuid.UUID | None = None
    role: Role | None = None
    session_id: uuid.UUID | None = None
    # A service calling with its credential (decision 0027): no user, only its scopes.
    service: str | None = None
    scopes: frozenset[str] = frozenset()

    @property
    def is_authenticated(self) -> bool:
        return self.user_id is not None

    @property
    def is_admin(self) -> bool:
        return self.role is Role.ADMIN

    def is_self_or_admin(self, user_id: uuid.UUID) -> bool:
        return self.is_admin or (self.user_id is not None and self.user_id == user_id)


ANONYMOUS = Viewer()
