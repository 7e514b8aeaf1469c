"""Records of delivery and preferences (decisions 0024, 0025): plain, immutable, no I/O."""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from subgraphs.notifications.records import Channel, DeliveryStatus, Kind

# What a user gets before changing anything: in-app, email and push on; SMS is opt-in.
DEFAULT_ON: Mapping[Channel, bool] = {
    Channel.IN_APP: True,
    Channel.EMAIL: True,
    Channel.SMS: False,
    Channel.PUSH: True,
}
# Channels that wait for quiet hours to end; email and in-app are not intrusive.
QUIET_CHANNELS = frozenset({Channel.SMS, Channel.PUSH})
UTC_ZONE = "UTC"


@dataclass(frozen=True)
class QuietHours:
    """Local wall-clock times; ``start > end`` spans midnight (22:00–07:00)."""

    start: time
    end: time

    def contains(self, local: time) -> bool:
        if self.start < self.end:
            return self.start <= local < self.end
        return local >= self.start or local < self.end

    def ends_after(self, now: datetime, zone: ZoneInfo) -> datetime | None:
        """When the quiet hours around ``now`` end (UTC), or None when ``now`` is outside them."""
        local = now.astimezone(zone)
        moment = local.time().replace(tzinfo=None)
        if not self.contains(moment):
            return None
        day = local.date()
        if self.start > self.end and moment >= self.start:
            day += timedelta(days=1)
        return datetime.combine(day, self.end, tzinfo=zone).astimezone(now.tzinfo)


@dataclass(frozen=True)
class DeliverySettings:
    time_zone: str = UTC_ZONE
    quiet_hours: QuietHours | None = None
    saved_search_digest: bool = False
    last_digest_on: date | None = None

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.time_zone)


@dataclass(frozen=True)
class Preferences:
    user_id: uuid.UUID
    overrides: Mapping[tuple[Kind, Channel], bool] = field(default_factory=dict)
    settings: DeliverySettings = field(default_factory=DeliverySettings)

    def enabled(self, kind: Kind, channel: Channel) -> bool:
        return self.overrides.get((kind, channel), DEFAULT_ON[channel])

    def wait_until(self, channel: Channel, now: datetime) -> datetime | None:
        """When ``channel`` may deliver, if not now (quiet hours)."""
        quiet = self.settings.quiet_hours
        if channel not in QUIET_CHANNELS or quiet is None:
            return None
        return quiet.ends_after(now, self.settings.zone)


@dataclass(frozen=True)
class PlannedDelivery:
    """A delivery row to write with a new notification."""

    channel: Channel
    status: DeliveryStatus
    last_error: str | None = None
    next_attempt_at: datetime | None = None

    @property
    def attempts(self) -> int:
        return 1 if self.status is DeliveryStatus.DELIVERED else 0


IN_APP_DELIVERED = PlannedDelivery(Channel.IN_APP, DeliveryStatus.DELIVERED)


@dataclass(frozen=True)
class Claim:
    """A delivery row a dispatcher holds (status sending) until it records the outcome."""

    notification_id: uuid.UUID
    channel: Channel
    user_id: uuid.UUID
    attempts: int

    @property
    def key(self) -> tuple[uuid.UUID, Channel]:
        return (self.notification_id, self.channel)
