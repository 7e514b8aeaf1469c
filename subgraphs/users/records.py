"""Plain data the users service and repository exchange (no ORM, no Strawberry)."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime

from common.auth.viewer import Role


@dataclass(frozen=True, slots=True)
class UserRecord:
    """A row of ``users`` as stored, including private fields."""

    id: uuid.UUID
    name: str
    email: str
    password_hash: str
    role: Role
    phone: str | None
    avatar_key: str | None
    email_verified_at: datetime | None
    created_at: datetime
    updated_at: datetime
    token_epoch: int = 0


@dataclass(frozen=True, slots=True)
class UserView:
    """A user as one viewer may see them: ``email`` and ``phone`` only for self and admins."""

    id: uuid.UUID
    name: str
    email: str | None
    phone: str | None
    role: Role
    avatar_url: str | None
    email_verified: bool
    created_at: datetime
    updated_at: datetime


@dataclass(frozen=True, slots=True)
class SessionRecord:
    session_id: uuid.UUID
    user_id: uuid.UUID
    token_hash: str
    previous_token_hash: str | None
    created_at: datetime
    expires_at: datetime
    last_activity: datetime
    ip_address: str | None
    user_agent: str | None
    is_active: bool
    revoked_at: datetime | None
    revoke_reason: str | None
    device_info: str | None
    rotated_at: datetime | None = None


@dataclass(frozen=True, slots=True)
class SessionView:
    id: uuid.UUID
    created_at: datetime
    expires_at: datetime
    last_activity: datetime
    ip_address: str | None
    user_agent: str | None
    device_info: str | None
    is_active: bool
    current: bool


@dataclass(frozen=True, slots=True)
class OtpRecord:
    user_id: uuid.UUID
    code_hash: str
    expires_at: datetime
    attempts: int
    sent_at: datetime


@dataclass(frozen=True, slots=True)
class Tokens:
    """What a successful login or refresh hands back."""

    access_token: str
    access_token_expires_at: datetime
    refresh_token: str
    refresh_token_expires_at: datetime
    session_id: uuid.UUID
    user: UserView


@dataclass(frozen=True, slots=True)
class Registration:
    user: UserView
    otp_expires_at: datetime


@dataclass(frozen=True, slots=True)
class OtpSent:
    email: str
    otp_expires_at: datetime
    resend_available_at: datetime


@dataclass(frozen=True, slots=True)
class UserPage:
    """One page of a keyset-paginated user list."""

    users: list[tuple[UserView, str]]  # each user with its cursor
    has_next_page: bool
    has_previous_page: bool
    total_count: int
