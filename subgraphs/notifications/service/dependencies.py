"""What every notifications use case needs, built once by the composition root."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from redis.asyncio import Redis
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from common.pubsub import PubSub
from subgraphs.notifications.channels.directory import NoDirectory, RecipientDirectory
from subgraphs.notifications.repository import NotificationRepository
from subgraphs.notifications.repository_deliveries import DeliveryRepository
from subgraphs.notifications.repository_preferences import (
    PreferencesRepository,
    PushDeviceRepository,
)

Clock = Callable[[], datetime]


def utc_now() -> datetime:
    return datetime.now(UTC)


def user_channel(user_id: uuid.UUID) -> str:
    """The fan-out channel of one user's new notifications."""
    return f"notifications:user:{user_id}"


@dataclass
class Dependencies:
    sessions: async_sessionmaker[AsyncSession]
    pubsub: PubSub
    notifications: NotificationRepository = field(default_factory=NotificationRepository)
    clock: Clock = utc_now
    # Delivery (decisions 0024, 0025).
    deliveries: DeliveryRepository = field(default_factory=DeliveryRepository)
    preferences: PreferencesRepository = field(default_factory=PreferencesRepository)
    devices: PushDeviceRepository = field(default_factory=PushDeviceRepository)
    directory: RecipientDirectory = field(default_factory=NoDirectory)
    # Called after a transaction that queued deliveries commits (the dispatcher's wake-up).
    on_queued: Callable[[], None] = lambda: None
    # Short-lived state (unread counters, de-duplication keys, send limits; decision 0027).
    redis: Redis | None = None
    redis_key_prefix: str = "realio:"
    # How long a message may stay unread before its receiver is notified.
    message_delay: timedelta = timedelta(minutes=2)
