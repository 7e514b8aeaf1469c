"""What a token verifier knows about revoked tokens: ended sessions and raised user epochs.

users records every revocation (logout, revokeSession, changePassword, refresh-token reuse, a
role change) in an ordered feed; each verifier keeps a ``RevocationSet`` that a
``RevocationFeed`` brings up to date every second or so (decision 0017). A token is refused
when its ``sid`` names an ended session or its ``ep`` (token epoch) is below its user's epoch.
Entries are kept only as long as an access token can live, since older tokens expire anyway.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Revocation:
    """One entry of the feed: a session that ended, or a user whose earlier tokens ended.

    ``session_id`` set: every token of that session is refused. ``user_id`` and ``epoch`` set:
    every token of that user carrying an epoch below ``epoch`` is refused. ``revoked_at`` is a
    Unix time; the entry matters until ``revoked_at`` plus the access-token lifetime.
    """

    revoked_at: float
    session_id: uuid.UUID | None = None
    user_id: uuid.UUID | None = None
    epoch: int = 0

    def to_json(self) -> dict[str, object]:
        return {
            "revoked_at": self.revoked_at,
            "session_id": str(self.session_id) if self.session_id else None,
            "user_id": str(self.user_id) if self.user_id else None,
            "epoch": self.epoch,
        }

    @classmethod
    def from_json(cls, data: dict[str, object]) -> Revocation:
        session_id, user_id = data.get("session_id"), data.get("user_id")
        return cls(
            revoked_at=float(str(data["revoked_at"])),
            session_id=uuid.UUID(str(session_id)) if session_id else None,
            user_id=uuid.UUID(str(user_id)) if user_id else None,
            epoch=int(str(data.get("epoch") or 0)),
        )


class RevocationSet:
    """Ended sessions and per-user minimum epochs, each forgotten once no token can outlive it."""

    def __init__(self, ttl_seconds: float, clock: Callable[[], float] = time.time) -> None:
        self._ttl = ttl_seconds
        self._clock = clock
        self._sessions: dict[uuid.UUID, float] = {}
        self._epochs: dict[uuid.UUID, tuple[int, float]] = {}
        self._next_prune = 0.0

    def __len__(self) -> int:
        return len(self._sessions) + len(self._epochs)

    def apply(self, revocations: Iterable[Revocation]) -> None:
        """Add entries (applying one twice, or out of order, changes nothing)."""
        for entry in revocations:
            forget_at = entry.revoked_at + self._ttl
            if entry.session_id is not None:
                self._sessions[entry.session_id] = max(
                    forget_at, self._sessions.get(entry.session_id, 0.0)
                )
            if entry.user_id is not None:
                epoch, until = self._epochs.get(entry.user_id, (0, 0.0))
                self._epochs[entry.user_id] = (max(epoch, entry.epoch), max(until, forget_at))

    def is_revoked(self, session_id: uuid.UUID, user_id: uuid.UUID, epoch: int) -> bool:
        """Whether a token of this session, user and epoch has been revoked."""
        self._prune()
        if session_id in self._sessions:
            return True
        minimum = self._epochs.get(user_id)
        return minimum is not None and epoch < minimum[0]

    def _prune(self) -> None:
        now = self._clock()
        if now < self._next_prune:
            return
        self._next_prune = now + 10.0
        self._sessions = {k: v for k, v in self._sessions.items() if v > now}
        self._epochs = {k: v for k, v in self._epochs.items() if v[1] > now}
