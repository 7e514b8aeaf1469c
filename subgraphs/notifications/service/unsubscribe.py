"""Signed one-click unsubscribe links (decision 0025).

A link names a user and a kind and turns that kind's email off, without signing in. Its token
is a JWT (HS256, pyjwt) signed with ``REALIO_NOTIFICATIONS_LINK_SECRET`` (or a secret made once
in the data directory); it does not expire, since an unsubscribe link in an old email must keep
working, and it can do nothing but turn email off.
"""

from __future__ import annotations

import secrets
import uuid
from dataclasses import dataclass
from pathlib import Path

import jwt

from common.db import transaction
from common.errors import NotFound
from subgraphs.notifications.records import Channel, Kind
from subgraphs.notifications.service.dependencies import Dependencies

PURPOSE = "unsubscribe"


def load_or_create_secret(path: Path) -> str:
    """The secret stored at ``path``, made (256 random bits) when missing."""
    if path.exists():
        return path.read_text().strip()
    path.parent.mkdir(parents=True, exist_ok=True)
    value = secrets.token_urlsafe(32)
    path.write_text(value)
    path.chmod(0o600)
    return value


@dataclass(frozen=True)
class Unsubscription:
    user_id: uuid.UUID
    kind: Kind


class UnsubscribeLinks:
    def __init__(self, secret: str, base_url: str) -> None:
        self._secret = secret
        self.base_url = base_url.rstrip("/")

    def token(self, user_id: uuid.UUID, kind: Kind) -> str:
        claims = {"sub": str(user_id), "kind": kind.value, "purpose": PURPOSE}
        return jwt.encode(claims, self._secret, algorithm="HS256")

    def url(self, user_id: uuid.UUID, kind: Kind) -> str:
        return f"{self.base_url}/{self.token(user_id, kind)}"

    def verify(self, token: str) -> Unsubscription:
        """The unsubscription a token stands for; NotFound for anything not signed by us."""
        try:
            claims = jwt.decode(token, self._secret, algorithms=["HS256"])
            if claims.get("purpose") != PURPOSE:
                raise ValueError("not an unsubscribe token")
            return Unsubscription(uuid.UUID(str(claims["sub"])), Kind(claims["kind"]))
        except (jwt.InvalidTokenError, KeyError, ValueError):
            raise NotFound("No such unsubscribe link.") from None


class UnsubscribeService:
    def __init__(self, deps: Dependencies, links: UnsubscribeLinks) -> None:
        self.deps = deps
        self.links = links

    def check(self, token: str) -> Unsubscription:
        return self.links.verify(token)

    async def unsubscribe(self, token: str) -> Unsubscription:
        """Turn the link's kind of email off for its user (idempotent)."""
        found = self.links.verify(token)
        async with transaction(self.deps.sessions) as session:
            await self.deps.preferences.set_many(
                session, found.user_id, [(found.kind, Channel.EMAIL, False)], self.deps.clock()
            )
        return found
