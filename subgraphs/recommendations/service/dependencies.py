"""What every recommendations service receives from the composition root."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from common.cache import Cache
from common.storage import Storage

Clock = Callable[[], datetime]


def utc_now() -> datetime:
    return datetime.now(UTC)


@dataclass(frozen=True)
class Dependencies:
    sessions: async_sessionmaker[AsyncSession]
    storage: Storage
    cache: Cache
    # HMAC key of the model artefacts (decision 0029): only artefacts signed with it load.
    artefact_key: bytes
    cache_ttl_seconds: int = 300
    use_bandit: bool = True
    clock: Clock = utc_now
    # The per-request reads (a viewer's interactions and searches), each one statement, in
    # autocommit (common.db.read_session_factory): no BEGIN/ROLLBACK round trips. ``sessions``
    # when unset.
    read_sessions: async_sessionmaker[AsyncSession] | None = None

    @property
    def reads(self) -> async_sessionmaker[AsyncSession]:
        return self.read_sessions or self.sessions
