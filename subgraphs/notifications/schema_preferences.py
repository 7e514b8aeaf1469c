"""GraphQL of notification preferences and push devices (decision 0025): parse, call, map."""

from __future__ import annotations

from enum import Enum
from typing import Any

import strawberry

from subgraphs.notifications import delivery_records, records
from subgraphs.notifications.repository_preferences import UNSET as KEEP
from subgraphs.notifications.schema_types import (
    NotificationChannel,
    NotificationKind,
    NotificationsInfo,
)
from subgraphs.notifications.service.preferences import PreferencesChange
from subgraphs.notifications.service.validation import parse_id


@strawberry.type(description="Whether one kind of notification goes out on one channel.")
class NotificationChannelSetting:
    kind: NotificationKind  # type: ignore[valid-type]
    channel: NotificationChannel  # type: ignore[valid-type]
    enabled: bool


@strawberry.type(description="Local wall-clock times (HH:MM) in the preferences' time zone.")
class QuietHours:
    start: str
    end: str


@strawberry.type(description="How a user wants to be notified.")
class NotificationPreferences:
    user_id: strawberry.ID
    time_zone: str = strawberry.field(
        description="IANA time zone of the quiet hours and the daily digest (UTC by default)."
    )
    quiet_hours: QuietHours | None = strawberry.field(
        description="SMS and push wait until they end; email and in-app do not."
    )
    saved_search_digest: bool = strawberry.field(
        description="Saved-search matches by email as one daily digest instead of one each."
    )
    channels: list[NotificationChannelSetting] = strawberry.field(
        description="Every kind on every channel. By default in-app, email and push are on "
        "and SMS is off; in-app cannot be turned off."
    )

    @classmethod
    def of(cls, p: delivery_records.Preferences) -> NotificationPreferences:
        quiet = p.settings.quiet_hours
        return cls(
            user_id=strawberry.ID(str(p.user_id)),
            time_zone=p.settings.time_zone,
            quiet_hours=None
            if quiet is None
            else QuietHours(start=f"{quiet.start:%H:%M}", end=f"{quiet.end:%H:%M}"),
            saved_search_digest=p.settings.saved_search_digest,
            channels=[
                NotificationChannelSetting(
                    kind=kind, channel=channel, enabled=p.enabled(kind, channel)
                )
                for kind in records.Kind
                for channel in records.Channel
            ],
        )


@strawberry.input
class NotificationChannelSettingInput:
    kind: NotificationKind  # type: ignore[valid-type]
    channel: NotificationChannel  # type: ignore[valid-type]
    enabled: bool


@strawberry.input(description="Local wall-clock times as HH:MM; start after end spans midnight.")
class QuietHoursInput:
    start: str
    end: str


@strawberry.input(description="Only the fields given change.")
class UpdateNotificationPreferencesInput:
    user_id: strawberry.ID | None = strawberry.field(
        default=None, description="Admins only; the viewer by default."
    )
    channels: list[NotificationChannelSettingInput] | None = None
    time_zone: str | None = strawberry.field(
        default=strawberry.UNSET, description="An IANA name; null goes back to UTC."
    )
    quiet_hours: QuietHoursInput | None = strawberry.field(
        default=strawberry.UNSET, description="Null removes the quiet hours."
    )
    saved_search_digest: bool | None = None

    def change(self) -> PreferencesChange:
        def given(value: Any) -> bool:
            return value is not strawberry.UNSET

        quiet: Any = KEEP
        if given(self.quiet_hours):
            quiet = (
                None if self.quiet_hours is None else (self.quiet_hours.start, self.quiet_hours.end)
            )
        return PreferencesChange(
            channels=[(c.kind, c.channel, c.enabled) for c in self.channels or []],
            time_zone=self.time_zone if given(self.time_zone) else KEEP,
            quiet_hours=quiet,
            saved_search_digest=KEEP
            if self.saved_search_digest is None
            else self.saved_search_digest,
        )


@strawberry.enum(description="Where a push registration token comes from.")
class PushPlatform(Enum):
    ANDROID = "android"
    IOS = "ios"
    WEB = "web"


@strawberry.type(description="A device registered for push notifications.")
class PushDevice:
    token: str
    platform: PushPlatform


async def notification_preferences(
    info: NotificationsInfo, user_id: strawberry.ID | None = None
) -> NotificationPreferences:
    service = info.context.services.preferences
    target = None if user_id is None else parse_id(user_id, "userId")
    owner = service.owner(info.context.viewer, target)
    return NotificationPreferences.of(await service.get(owner))


async def update_notification_preferences(
    info: NotificationsInfo, input: UpdateNotificationPreferencesInput
) -> NotificationPreferences:
    target = None if input.user_id is None else parse_id(input.user_id, "input.userId")
    updated = await info.context.services.preferences.update(
        info.context.viewer, target, input.change()
    )
    return NotificationPreferences.of(updated)


async def register_push_device(
    info: NotificationsInfo, token: str, platform: PushPlatform
) -> PushDevice:
    value, _ = await info.context.services.push_devices.register(
        info.context.viewer, token, platform.value
    )
    return PushDevice(token=value, platform=platform)


async def unregister_push_device(info: NotificationsInfo, token: str) -> bool:
    return await info.context.services.push_devices.unregister(info.context.viewer, token)
