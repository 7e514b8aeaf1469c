"""Reading and changing a user's notification preferences (decision 0025).

Per kind and channel on/off (in-app cannot be turned off: it is the record), a time zone and
quiet hours in it (SMS and push wait for them to end), and the daily digest of saved-search
matches. Each refused value is BAD_USER_INPUT naming its field; another user's preferences are
NOT_FOUND through ``notificationPreferences``/``updateNotificationPreferences`` and FORBIDDEN
through ``User.notificationPreferences``, as notifications are (decision 0018).
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import time
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from common.auth import Viewer, require_authenticated
from common.db import transaction
from common.errors import BadUserInput, Forbidden, NotFound
from subgraphs.notifications.delivery_records import Preferences, QuietHours
from subgraphs.notifications.records import Channel, Kind
from subgraphs.notifications.repository_preferences import UNSET
from subgraphs.notifications.service.dependencies import Dependencies

_CLOCK = re.compile(r"^([01]\d|2[0-3]):([0-5]\d)$")
MAX_CHANNEL_CHANGES = len(Kind) * len(Channel)


@dataclass(frozen=True)
class PreferencesChange:
    """What an update asks for; ``UNSET`` leaves a setting as it is."""

    channels: Sequence[tuple[Kind, Channel, bool]] = ()
    time_zone: Any = UNSET  # str | None (None: back to UTC)
    quiet_hours: Any = UNSET  # (start "HH:MM", end "HH:MM") | None (None: no quiet hours)
    saved_search_digest: Any = UNSET  # bool


def parse_time_zone(value: str, field: str) -> str:
    name = value.strip()
    try:
        if not name or len(name) > 64:
            raise ValueError(name)
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise BadUserInput(
            f"{field} is not an IANA time zone (such as Europe/Paris).", field=field
        ) from None
    return name


def parse_clock(value: str, field: str) -> time:
    match = _CLOCK.match(value.strip())
    if match is None:
        raise BadUserInput(f"{field} must be a time of day as HH:MM (00:00-23:59).", field=field)
    return time(int(match.group(1)), int(match.group(2)))


def parse_quiet_hours(start: str, end: str, field: str) -> QuietHours:
    quiet = QuietHours(parse_clock(start, f"{field}.start"), parse_clock(end, f"{field}.end"))
    if quiet.start == quiet.end:
        raise BadUserInput(
            f"{field}.end must differ from {field}.start (quiet hours cannot be empty or the "
            "whole day).",
            field=f"{field}.end",
        )
    return quiet


def check_channels(
    changes: Sequence[tuple[Kind, Channel, bool]], field: str
) -> list[tuple[Kind, Channel, bool]]:
    if len(changes) > MAX_CHANNEL_CHANGES:
        raise BadUserInput(
            f"{field} takes at most {MAX_CHANNEL_CHANGES} entries.",
            field=field,
            max=MAX_CHANNEL_CHANGES,
        )
    seen: dict[tuple[Kind, Channel], bool] = {}
    for kind, channel, enabled in changes:
        if channel is Channel.IN_APP and not enabled:
            raise BadUserInput(
                f"{field}.channel: in-app notifications cannot be turned off.",
                field=f"{field}.channel",
            )
        if seen.get((kind, channel), enabled) != enabled:
            raise BadUserInput(
                f"{field} sets {kind.name} on {channel.name} both on and off.", field=field
            )
        seen[(kind, channel)] = enabled
    return [(k, c, e) for (k, c), e in seen.items()]


class PreferencesService:
    def __init__(self, deps: Dependencies) -> None:
        self.deps = deps

    def owner(self, viewer: Viewer, user_id: uuid.UUID | None) -> uuid.UUID:
        """Whose preferences: the viewer's own, or anyone's for an admin (NOT_FOUND)."""
        viewer_id = require_authenticated(viewer)
        target = user_id or viewer_id
        if not viewer.is_self_or_admin(target):
            raise NotFound("No such user's notification preferences.")
        return target

    def owner_for_user_field(self, viewer: Viewer, user_id: uuid.UUID) -> uuid.UUID:
        """``User.notificationPreferences``: the user themself or an admin (FORBIDDEN)."""
        require_authenticated(viewer)
        if not viewer.is_self_or_admin(user_id):
            raise Forbidden("Only the user themself or an admin may read their preferences.")
        return user_id

    async def get(self, user_id: uuid.UUID) -> Preferences:
        async with self.deps.sessions() as session:
            return await self.deps.preferences.get(session, user_id)

    async def update(
        self, viewer: Viewer, user_id: uuid.UUID | None, change: PreferencesChange
    ) -> Preferences:
        """Validate everything first, then write it in one transaction."""
        target = self.owner(viewer, user_id)
        channels = check_channels(change.channels, "input.channels")
        settings: dict[str, Any] = {}
        if change.time_zone is not UNSET:
            settings["time_zone"] = (
                None
                if change.time_zone is None
                else parse_time_zone(change.time_zone, "input.timeZone")
            )
        if change.quiet_hours is not UNSET:
            settings["quiet_hours"] = (
                None
                if change.quiet_hours is None
                else parse_quiet_hours(
                    change.quiet_hours[0], change.quiet_hours[1], "input.quietHours"
                )
            )
        if change.saved_search_digest is not UNSET:
            settings["saved_search_digest"] = bool(change.saved_search_digest)
        now = self.deps.clock()
        async with transaction(self.deps.sessions) as session:
            await self.deps.preferences.set_many(session, target, channels, now)
            if settings:
                await self.deps.preferences.save_settings(session, target, now, **settings)
            return await self.deps.preferences.get(session, target)
