"""What the users service needs from the outside world, built by the composition root."""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from common.auth.passwords import PasswordHashing
from common.auth.revocation_feed import RevocationFeed
from common.auth.tokens import TokenSigner
from common.config import Settings
from common.mail import Mail, Mailer
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
    mailer: Mailer
    storage: Storage
    # HMAC key for one-time codes; derived from the signing key by the composition root.
    otp_key: bytes
    clock: Callable[[], datetime] = field(default=utc_now)
    # users' own verifier's feed: brought up to date right after a revocation commits, so this
    # process refuses the ended tokens at once (other verifiers within a poll).
    revocation_feed: RevocationFeed | None = None

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

    async def send_mail_after_commit(self, mail: Mail) -> bool:
        """Deliver a message once its transaction has committed; a failure is logged, not raised.

        The data is already durable, and the user can ask for the code again (``resendOtp``).
        """
        try:
            await self.mailer.send(mail)
            return True
        except Exception:
            log.exception("mail delivery failed", extra={"to": mail.to, "subject": mail.subject})
            return False
