"""Signing in and out: login, refresh-token rotation with reuse detection, logout."""

from __future__ import annotations

import hashlib
import uuid
from datetime import UTC, datetime, timedelta

from common.auth.permissions import require_authenticated
from common.auth.viewer import Viewer
from common.db import transaction
from common.errors import DomainError, Forbidden, Unauthenticated
from common.ratelimit import enforce, refuse_when_exhausted
from subgraphs.users.records import Tokens, UserRecord
from subgraphs.users.repository import SessionRepository, UserRepository
from subgraphs.users.repository_revocations import RefreshTokenHistory
from subgraphs.users.service.accounts import ip_key
from subgraphs.users.service.dependencies import UsersDeps
from subgraphs.users.service.events import record_session_started
from subgraphs.users.service.revocations import record_sessions_ended
from subgraphs.users.service.secrets import (
    access_token_id,
    new_refresh_token,
    next_refresh_token,
    refresh_token_hash,
    refresh_token_session,
)
from subgraphs.users.service.validation import check_device_info
from subgraphs.users.service.visibility import present_own

# One message for an unknown email and a wrong password, so the answer reveals neither.
BAD_CREDENTIALS = "The email or password is incorrect."


def _invalid_refresh() -> Unauthenticated:
    return Unauthenticated("The refresh token is not valid.", reason="INVALID_REFRESH_TOKEN")


class AuthService:
    def __init__(self, deps: UsersDeps) -> None:
        self._deps = deps

    async def login(
        self,
        *,
        email: str,
        password: str,
        client_ip: str,
        user_agent: str,
        device_info: str | None,
    ) -> Tokens:
        deps, settings = self._deps, self._deps.settings
        device_info = check_device_info(device_info)
        lookup = email.strip()[:320]
        email_key = hashlib.sha256(lookup.lower().encode()).hexdigest()[:24]
        rate_key = f"login:{email_key}:{ip_key(client_ip)}"
        # Wrong passwords per address, whatever the email: spraying many accounts from one
        # address is refused before any password is checked. Successes do not count.
        failures_key = f"login-failures:{ip_key(client_ip)}"
        await refuse_when_exhausted(deps.limiter, failures_key, settings.login_ip_failure_limit)
        await enforce(
            deps.limiter, rate_key, settings.login_rate_limit, settings.login_rate_window_seconds
        )
        async with deps.db() as session:
            record = await UserRepository(session).get_by_email(lookup)
        # Always one argon2 verification, so timing does not tell whether the email exists.
        if not await deps.hashing.verify(record.password_hash if record else None, password):
            await deps.limiter.hit(
                failures_key,
                settings.login_ip_failure_limit,
                settings.login_ip_failure_window_seconds,
            )
            raise Unauthenticated(BAD_CREDENTIALS, reason="INVALID_CREDENTIALS")
        assert record is not None
        if record.email_verified_at is None:
            raise Forbidden(
                "Verify your email address before signing in: enter the code we emailed you "
                "(verifyUser), or ask for a new one (resendOtp).",
                reason="EMAIL_NOT_VERIFIED",
            )
        new_hash = None
        if deps.hashing.needs_rehash(record.password_hash):
            new_hash = await deps.hashing.hash(password)
        now = deps.now()
        session_id = uuid.uuid4()
        refresh_token = new_refresh_token(session_id)
        expires_at = now + timedelta(seconds=settings.refresh_token_ttl_seconds)
        async with transaction(deps.db) as session:
            await SessionRepository(session).insert(
                session_id=session_id,
                user_id=record.id,
                token_hash=refresh_token_hash(refresh_token),
                created_at=now,
                expires_at=expires_at,
                last_activity=now,
                ip_address=client_ip,
                user_agent=user_agent or None,
                device_info=device_info,
            )
            await record_session_started(
                session,
                user_id=record.id,
                session_id=session_id,
                user_agent=user_agent or None,
                device_info=device_info,
                now=now,
            )
            if new_hash is not None:
                await UserRepository(session).update(record.id, password_hash=new_hash)
        await deps.limiter.reset(rate_key)
        return self._tokens(record, session_id, refresh_token, expires_at, now)

    async def refresh(self, *, refresh_token: str) -> Tokens:
        """Rotate the refresh token of a session (its token family).

        Presenting the current token rotates it. Presenting the one just replaced, within
        ``refresh_reuse_grace_seconds`` of the rotation, returns the same new pair (two tabs
        refreshing at once). Presenting any other earlier token of the session means a copy
        leaked: the whole session is revoked, everywhere within a feed poll.
        """
        deps = self._deps
        session_id = refresh_token_session(refresh_token)
        if session_id is None:
            raise _invalid_refresh()
        presented = refresh_token_hash(refresh_token)
        key = deps.refresh_rotation_key
        now = deps.now()
        grace = timedelta(seconds=deps.settings.refresh_reuse_grace_seconds)
        failure: DomainError | None = None
        record: UserRecord | None = None
        issued_at = now
        async with transaction(deps.db) as session:
            sessions = SessionRepository(session)
            row = await sessions.get(session_id, for_update=True)
            if row is None:
                raise _invalid_refresh()
            if not row.is_active:
                raise Unauthenticated(
                    "This session has ended; sign in again.", reason="SESSION_REVOKED"
                )
            rotated = next_refresh_token(key, session_id, refresh_token)
            in_grace = (
                presented == row.previous_token_hash
                and row.rotated_at is not None
                and now - row.rotated_at <= grace
                and refresh_token_hash(rotated) == row.token_hash
            )
            if presented == row.token_hash or in_grace:
                if row.expires_at <= now:
                    raise Unauthenticated(
                        "The session has expired; sign in again.", reason="REFRESH_TOKEN_EXPIRED"
                    )
                record = await UserRepository(session).get(row.user_id)
                if record is None:
                    raise _invalid_refresh()
                if in_grace:
                    assert row.rotated_at is not None
                    issued_at = row.rotated_at
                else:
                    await RefreshTokenHistory(session).add(session_id, presented, now)
                    await sessions.rotate(
                        session_id,
                        old_hash=presented,
                        new_hash=refresh_token_hash(rotated),
                        now=now,
                    )
            elif await RefreshTokenHistory(session).belongs_to(session_id, presented):
                # An earlier token of this session came back: assume it was stolen and end the
                # session for every holder. Committed before the error is raised.
                if await sessions.revoke(session_id, now=now, reason="refresh_token_reuse"):
                    await record_sessions_ended(
                        session,
                        user_id=row.user_id,
                        session_ids=[session_id],
                        reason="refresh_token_reuse",
                        now=now,
                    )
                failure = Unauthenticated(
                    "This refresh token was already used; the session has been revoked. "
                    "Sign in again.",
                    reason="REFRESH_TOKEN_REUSED",
                )
            else:
                raise _invalid_refresh()
        if failure is not None:
            await deps.revocations_committed()
            raise failure
        assert record is not None
        return self._tokens(
            record,
            session_id,
            rotated,
            row.expires_at,
            issued_at,
            token_id=access_token_id(key, rotated),
        )

    async def logout(self, viewer: Viewer) -> tuple[uuid.UUID, bool]:
        """Revoke the viewer's current session: its refresh and access tokens stop working."""
        require_authenticated(viewer)
        if viewer.session_id is None:
            raise Unauthenticated("The access token names no session.", reason="INVALID_TOKEN")
        now = self._deps.now()
        async with transaction(self._deps.db) as session:
            sessions = SessionRepository(session)
            row = await sessions.get(viewer.session_id, for_update=True)
            if row is None or row.user_id != viewer.user_id:
                raise Unauthenticated("The session does not exist.", reason="INVALID_TOKEN")
            revoked = await sessions.revoke(viewer.session_id, now=now, reason="logout")
            if revoked:
                await record_sessions_ended(
                    session,
                    user_id=row.user_id,
                    session_ids=[viewer.session_id],
                    reason="logout",
                    now=now,
                )
        await self._deps.revocations_committed()
        return viewer.session_id, revoked

    def _tokens(
        self,
        record: UserRecord,
        session_id: uuid.UUID,
        refresh_token: str,
        refresh_expires_at: datetime,
        now: datetime,
        *,
        token_id: str | None = None,
    ) -> Tokens:
        signer = self._deps.signer
        issued_at = int(now.timestamp())
        access_token = signer.issue(
            record.id,
            record.role,
            session_id,
            now=issued_at,
            epoch=record.token_epoch,
            token_id=token_id,
        )
        return Tokens(
            access_token=access_token,
            access_token_expires_at=datetime.fromtimestamp(issued_at + signer.ttl_seconds, UTC),
            refresh_token=refresh_token,
            refresh_token_expires_at=refresh_expires_at,
            session_id=session_id,
            user=present_own(record, self._deps.storage),
        )
