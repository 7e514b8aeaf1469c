"""What the notifications service works with: plain, immutable records (no Strawberry)."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Generic, TypeVar

T = TypeVar("T")


class Channel(StrEnum):
    IN_APP = "in_app"
    EMAIL = "email"
    SMS = "sms"
    PUSH = "push"


class DeliveryStatus(StrEnum):
    PENDING = "pending"
    SENDING = "sending"
    DIGEST = "digest"
    DELIVERED = "delivered"
    FAILED = "failed"
    SKIPPED = "skipped"


class Kind(StrEnum):
    BOOKING_REQUESTED = "booking_requested"
    BOOKING_CONFIRMED = "booking_confirmed"
    BOOKING_DECLINED = "booking_declined"
    BOOKING_RESCHEDULED = "booking_rescheduled"
    BOOKING_CANCELLED = "booking_cancelled"
    BOOKING_REMINDER = "booking_reminder"
    ANNOUNCEMENT = "announcement"
    # The triggers of decision 0026.
    MESSAGE_UNREAD = "message_unread"
    SAVED_SEARCH_MATCH = "saved_search_match"
    FAVORITE_PRICE_DROP = "favorite_price_drop"
    FAVORITE_STATUS = "favorite_status"
    WELCOME = "welcome"
    NEW_SIGN_IN = "new_sign_in"


@dataclass(frozen=True)
class Links:
    property_id: uuid.UUID | None = None
    booking_id: uuid.UUID | None = None
    conversation_id: uuid.UUID | None = None
    saved_search_id: uuid.UUID | None = None


@dataclass(frozen=True)
class Delivery:
    channel: Channel
    status: DeliveryStatus
    attempts: int
    last_error: str | None


@dataclass(frozen=True)
class Draft:
    """A notification to write for one recipient."""

    user_id: uuid.UUID
    kind: Kind
    title: str
    body: str
    links: Links = field(default_factory=Links)
    source_event_id: uuid.UUID | None = None


@dataclass(frozen=True)
class Notification:
    id: uuid.UUID
    user_id: uuid.UUID
    kind: Kind
    title: str
    body: str
    links: Links
    created_at: datetime
    read_at: datetime | None
    deliveries: tuple[Delivery, ...] = ()


@dataclass(frozen=True)
class Page(Generic[T]):
    items: list[T]
    has_next_page: bool
    has_previous_page: bool


@dataclass(frozen=True)
class Recipient:
    """A user as notifications' projection of users knows them (decision 0026)."""

    user_id: uuid.UUID
    role: str
    name: str
    email: str | None
    phone: str | None
    verified: bool
