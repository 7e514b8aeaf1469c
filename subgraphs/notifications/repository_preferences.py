"""SQL of preferences, delivery settings and push devices (parameterised Core only)."""

from __future__ import annotations

import uuid
from collections.abc import Collection, Sequence
from datetime import date, datetime
from typing import Any

from sqlalchemy import delete, func, select
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from subgraphs.notifications.delivery_records import (
    UTC_ZONE,
    DeliverySettings,
    Preferences,
    QuietHours,
)
from subgraphs.notifications.models import delivery_settings, preferences, push_devices
from subgraphs.notifications.records import Channel, Kind

UNSET: Any = object()


def _settings(row: Any) -> DeliverySettings:
    quiet = (
        QuietHours(row.quiet_start, row.quiet_end)
        if row.quiet_start is not None and row.quiet_end is not None
        else None
    )
    return DeliverySettings(
        time_zone=row.time_zone or UTC_ZONE,
        quiet_hours=quiet,
        saved_search_digest=row.saved_search_digest,
        last_digest_on=row.last_digest_on,
    )


class PreferencesRepository:
    async def get_many(
        self, session: AsyncSession, user_ids: Collection[uuid.UUID]
    ) -> dict[uuid.UUID, Preferences]:
        """Every user's preferences (defaults for a user who changed nothing)."""
        ids = list(user_ids)
        if not ids:
            return {}
        overrides: dict[uuid.UUID, dict[tuple[Kind, Channel], bool]] = {u: {} for u in ids}
        rows = await session.execute(select(preferences).where(preferences.c.user_id.in_(ids)))
        for row in rows:
            try:
                key = (Kind(row.kind), Channel(row.channel))
            except ValueError:  # a kind since removed: ignore its row
                continue
            overrides[row.user_id][key] = row.enabled
        settings: dict[uuid.UUID, DeliverySettings] = {}
        rows = await session.execute(
            select(delivery_settings).where(delivery_settings.c.user_id.in_(ids))
        )
        for row in rows:
            settings[row.user_id] = _settings(row)
        return {u: Preferences(u, overrides[u], settings.get(u, DeliverySettings())) for u in ids}

    async def get(self, session: AsyncSession, user_id: uuid.UUID) -> Preferences:
        return (await self.get_many(session, [user_id]))[user_id]

    async def set_many(
        self,
        session: AsyncSession,
        user_id: uuid.UUID,
        changes: Sequence[tuple[Kind, Channel, bool]],
        at: datetime,
    ) -> None:
        if not changes:
            return
        statement = insert(preferences).values(
            [
                {
                    "user_id": user_id,
                    "kind": kind.value,
                    "channel": channel.value,
                    "enabled": enabled,
                    "updated_at": at,
                }
                for kind, channel, enabled in changes
            ]
        )
        await session.execute(
            statement.on_conflict_do_update(
                index_elements=["user_id", "kind", "channel"],
                set_={"enabled": statement.excluded.enabled, "updated_at": at},
            )
        )

    async def save_settings(
        self,
        session: AsyncSession,
        user_id: uuid.UUID,
        at: datetime,
        *,
        time_zone: str | None = UNSET,
        quiet_hours: QuietHours | None = UNSET,
        saved_search_digest: bool = UNSET,
    ) -> None:
        """Change only the settings given (``UNSET`` leaves one as it is)."""
        values: dict[str, Any] = {"updated_at": at}
        if time_zone is not UNSET:
            values["time_zone"] = time_zone
        if quiet_hours is not UNSET:
            values["quiet_start"] = quiet_hours.start if quiet_hours else None
            values["quiet_end"] = quiet_hours.end if quiet_hours else None
        if saved_search_digest is not UNSET:
            values["saved_search_digest"] = saved_search_digest
        statement = insert(delivery_settings).values(user_id=user_id, **values)
        await session.execute(
            statement.on_conflict_do_update(index_elements=["user_id"], set_=values)
        )

    async def mark_digest_sent(
        self, session: AsyncSession, user_id: uuid.UUID, on: date, at: datetime
    ) -> None:
        statement = insert(delivery_settings).values(
            user_id=user_id, last_digest_on=on, updated_at=at
        )
        await session.execute(
            statement.on_conflict_do_update(
                index_elements=["user_id"], set_={"last_digest_on": on, "updated_at": at}
            )
        )


class PushDeviceRepository:
    async def register(
        self, session: AsyncSession, user_id: uuid.UUID, token: str, platform: str
    ) -> None:
        """Bind the token to this user (a device handed to another user moves with it)."""
        statement = insert(push_devices).values(token=token, user_id=user_id, platform=platform)
        await session.execute(
            statement.on_conflict_do_update(
                index_elements=["token"],
                set_={"user_id": user_id, "platform": platform, "created_at": func.now()},
            )
        )

    async def unregister(self, session: AsyncSession, user_id: uuid.UUID, token: str) -> bool:
        result = await session.execute(
            delete(push_devices).where(
                push_devices.c.token == token, push_devices.c.user_id == user_id
            )
        )
        return bool(result.rowcount)  # type: ignore[attr-defined]

    async def forget(self, session: AsyncSession, tokens: Sequence[str]) -> None:
        await session.execute(delete(push_devices).where(push_devices.c.token.in_(list(tokens))))

    async def tokens(
        self, session: AsyncSession, user_ids: Collection[uuid.UUID]
    ) -> dict[uuid.UUID, list[str]]:
        ids = list(user_ids)
        found: dict[uuid.UUID, list[str]] = {u: [] for u in ids}
        if not ids:
            return found
        rows = await session.execute(
            select(push_devices.c.user_id, push_devices.c.token)
            .where(push_devices.c.user_id.in_(ids))
            .order_by(push_devices.c.created_at)
        )
        for row in rows:
            found[row.user_id].append(row.token)
        return found
