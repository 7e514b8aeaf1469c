"""Becoming a user: register, verify the email with a one-time code, resend it, check an email."""

from __future__ import annotations

import hashlib
import uuid
from datetime import timedelta

from common.auth.viewer import Role
from common.db import transaction
from common.errors import BadUserInput, Conflict, DomainError, RateLimited
from common.mail import Mail
from common.ratelimit import enforce
from subgraphs.users.records import OtpSent, Registration, UserRecord, UserView
from subgraphs.users.repository import OtpRepository, UserRepository
from subgraphs.users.service.dependencies import UsersDeps
from subgraphs.users.service.events import REGISTERED, VERIFIED, record_user_event
from subgraphs.users.service.secrets import new_otp, otp_hash, otp_matches
from subgraphs.users.service.validation import (
    check_otp_format,
    check_password,
    check_registrable_role,
    normalize_email,
    normalize_name,
    normalize_phone,
)
from subgraphs.users.service.visibility import present_own


def ip_key(ip: str) -> str:
    return hashlib.sha256(ip.encode()).hexdigest()[:24]


def _email_key(email: str) -> str:
    return hashlib.sha256(email.encode()).hexdigest()[:24]


def _no_pending_code() -> BadUserInput:
    return BadUserInput(
        "There is no pending code; request a new one.", field="code", reason="OTP_MISSING"
    )


def _sent_recently(retry_after: int) -> RateLimited:
    return RateLimited(
        "A code was sent recently; wait before asking again.", retry_after=max(1, retry_after)
    )


async def _awaiting_verification(users: UserRepository, email: str) -> UserRecord | None:
    """The account of ``email``, locked, when it still awaits verification.

    ``None`` both when no account uses the address and when it is already verified: callers
    answer those two alike, so verifyUser and resendOtp do not tell who has an account.
    """
    record = await users.get_by_email(email, for_update=True)
    if record is None or record.email_verified_at is not None:
        return None
    return record


class AccountService:
    def __init__(self, deps: UsersDeps) -> None:
        self._deps = deps

    async def register(
        self,
        *,
        name: str,
        email: str,
        password: str,
        role: Role,
        phone: str | None,
        client_ip: str,
    ) -> Registration:
        """Create an unverified user and email them a six-digit code."""
        deps, settings = self._deps, self._deps.settings
        name = normalize_name(name)
        email = normalize_email(email)
        check_password(password, email=email)
        phone = normalize_phone(phone)
        check_registrable_role(role)
        await enforce(
            deps.limiter,
            f"register:{ip_key(client_ip)}",
            settings.register_rate_limit,
            settings.register_rate_window_seconds,
        )
        password_hash = await deps.hashing.hash(password)
        now = deps.now()
        code = new_otp()
        user_id = uuid.uuid4()
        expires_at = now + timedelta(seconds=settings.otp_ttl_seconds)
        async with transaction(deps.db) as session:
            record = await UserRepository(session).insert(
                user_id=user_id,
                name=name,
                email=email,
                password_hash=password_hash,
                role=role,
                phone=phone,
                now=now,
            )
            if record is None:
                raise Conflict("An account with this email already exists.", field="email")
            await record_user_event(session, REGISTERED, record)
            await OtpRepository(session).replace(
                user_id, otp_hash(deps.otp_key, user_id, code), expires_at, now
            )
            await deps.queue_mail(session, self._code_mail(email, code))
        deps.mail_queued()
        return Registration(present_own(record, deps.storage), expires_at)

    async def verify(self, *, email: str, code: str, client_ip: str) -> UserView:
        """Mark the email verified when ``code`` is the pending one, counting wrong attempts.

        An unknown or already verified address gets the answer of an account with no pending
        code (OTP_MISSING).
        """
        deps, settings = self._deps, self._deps.settings
        await enforce(
            deps.limiter,
            f"verify:{ip_key(client_ip)}",
            settings.verify_rate_limit,
            settings.verify_rate_window_seconds,
        )
        email = normalize_email(email)
        code = check_otp_format(code)
        now = deps.now()
        failure: DomainError | None = None
        async with transaction(deps.db) as session:
            users = UserRepository(session)
            record = await _awaiting_verification(users, email)
            otps = OtpRepository(session)
            otp = await otps.get_for_update(record.id) if record is not None else None
            if record is None or otp is None:
                raise _no_pending_code()
            if otp.attempts >= settings.otp_max_attempts:
                raise BadUserInput(
                    "Too many wrong attempts; this code no longer works. Request a new one.",
                    field="code",
                    reason="OTP_LOCKED",
                )
            if otp.expires_at <= now:
                raise BadUserInput(
                    "The code has expired; request a new one.", field="code", reason="OTP_EXPIRED"
                )
            if otp_matches(deps.otp_key, record.id, code, otp.code_hash):
                await otps.remove(record.id)
                verified = await users.update(record.id, email_verified_at=now, updated_at=now)
                assert verified is not None  # the row is locked above
                await record_user_event(session, VERIFIED, verified)
                return present_own(verified, deps.storage)
            # The failed attempt must be counted, so it is committed before the error is raised.
            attempts = await otps.count_failed_attempt(record.id)
            remaining = max(0, settings.otp_max_attempts - attempts)
            if remaining == 0:
                failure = BadUserInput(
                    "Wrong code. Too many wrong attempts; request a new code.",
                    field="code",
                    reason="OTP_LOCKED",
                    attemptsRemaining=0,
                )
            else:
                failure = BadUserInput(
                    "Wrong code.", field="code", reason="OTP_MISMATCH", attemptsRemaining=remaining
                )
        raise failure

    async def resend(self, *, email: str, client_ip: str) -> OtpSent:
        """Send a fresh code, at most once per ``otp_resend_interval_seconds``.

        An unknown or already verified address gets the same answer, throttled the same way,
        but no mail: the answer does not tell who has an account.
        """
        deps, settings = self._deps, self._deps.settings
        await enforce(
            deps.limiter,
            f"resend-otp:{ip_key(client_ip)}",
            settings.resend_otp_rate_limit,
            settings.resend_otp_rate_window_seconds,
        )
        email = normalize_email(email)
        now = deps.now()
        code = new_otp()
        interval = timedelta(seconds=settings.otp_resend_interval_seconds)
        expires_at = now + timedelta(seconds=settings.otp_ttl_seconds)
        async with transaction(deps.db) as session:
            record = await _awaiting_verification(UserRepository(session), email)
            if record is None:
                throttle = await deps.limiter.hit(
                    f"resend-otp-email:{_email_key(email)}", 1, int(interval.total_seconds())
                )
                if not throttle.allowed:
                    raise _sent_recently(throttle.retry_after)
                return OtpSent(email, expires_at, now + interval)
            otps = OtpRepository(session)
            previous = await otps.get_for_update(record.id)
            if previous is not None and previous.sent_at + interval > now:
                wait = previous.sent_at + interval - now
                raise _sent_recently(int(wait.total_seconds() + 0.999))
            await otps.replace(record.id, otp_hash(deps.otp_key, record.id, code), expires_at, now)
            await deps.queue_mail(session, self._code_mail(record.email, code))
        deps.mail_queued()
        return OtpSent(record.email, expires_at, now + interval)

    async def email_taken(self, *, email: str, client_ip: str) -> tuple[str, bool]:
        deps, settings = self._deps, self._deps.settings
        # Rate limited per client (malformed attempts count too): the answer says who has an
        # account, so it must not be asked at scale.
        await enforce(
            deps.limiter,
            f"check-email:{ip_key(client_ip)}",
            settings.check_email_rate_limit,
            settings.check_email_rate_window_seconds,
        )
        email = normalize_email(email)
        async with deps.db() as session:
            return email, await UserRepository(session).email_taken(email)

    def _code_mail(self, email: str, code: str) -> Mail:
        minutes = max(1, self._deps.settings.otp_ttl_seconds // 60)
        return Mail(
            to=email,
            subject="Your Realio verification code",
            text=(
                f"Your Realio verification code is {code}.\n"
                f"It expires in {minutes} minutes. If you did not sign up, ignore this message.\n"
            ),
        )
