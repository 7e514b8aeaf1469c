"""What the users service needs from the outside world, built by the composition root."""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Callable
from contextlib import AbstractAsyncContextManager
from dataclasses import dataclass, field
from datetime import UTC, datetime

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from common.auth.passwords import PasswordHashing
from common.auth.revocation_feed import RevocationFeed
from common.auth.tokens import TokenSigner
from common.config import Settings
from common.db import ReadPool, ReadSource
from common.mail import Mail
from common.mail_outbox import MailRelay, enqueue
from common.ratelimit import RateLimiter
from common.storage import Storage

log = logging.getLogger("realio.users")


def utc_now() -> datetime:
    return datetime.now(UTC)


@dataclass
class UsersDeps:
    settings: Settings
    # Opens database sessions (units of work), not user sign-in sessions.
    db: async_sessionmaker[AsyncSession]
    hashing: PasswordHashing
    signer: TokenSigner
    limiter: RateLimiter
    # Sends the mail queued in users' mail_outbox (decision 0032).
    mail_relay: MailRelay
    storage: Storage
    # HMAC key for one-time codes; derived from the signing key by the composition root.
    otp_key: bytes
    clock: Callable[[], datetime] = field(default=utc_now)
    # users' own verifier's feed: brought up to date right after a revocation commits, so this
    # process refuses the ended tokens at once (other verifiers within a poll).
    revocation_feed: RevocationFeed | None = None
    # Hot reads of one statement (common.db.ReadPool, decision 0043); ``db`` when unset.
    read_pool: ReadPool | None = None

    @property
    def reads(self) -> Callable[[], AbstractAsyncContextManager[ReadSource]]:
        return self.read_pool or self.db

    def now(self) -> datetime:
        return self.clock()

    @property
    def refresh_rotation_key(self) -> bytes:
        """HMAC key deriving each rotated refresh token from the one it replaces."""
        return hashlib.sha256(b"realio-refresh-rotation\x00" + self.otp_key).digest()

    async def revocations_committed(self) -> None:
        """Apply just-committed revocations to this process's verifier (best effort)."""
        if self.revocation_feed is None:
            return
        try:
            await self.revocation_feed.sync_once()
        except Exception:
            log.exception("could not apply revocations locally; the next poll will")

    async def queue_mail(self, session: AsyncSession, mail: Mail) -> None:
        """Queue ``mail`` in the caller's transaction (sent by the relay once it commits).

        The request never waits for the mail server, so its timing does not tell who has an
        account, and queued mail survives a crash (decision 0032). Call ``mail_queued`` after
        the commit.
        """
        await enqueue(session, self.mail_relay.table, mail, self.now())

    def mail_queued(self) -> None:
        """Start sending just-committed mail now rather than at the relay's next poll."""
        self.mail_relay.wake()
