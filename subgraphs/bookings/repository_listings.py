"""Persistence of bookings' listing projection and of viewing settings (SQLAlchemy Core)."""

from __future__ import annotations

import uuid
from collections.abc import Mapping, Sequence
from datetime import date, time
from typing import TYPE_CHECKING, Any

from sqlalchemy import bindparam, func, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.ext.asyncio import AsyncSession

from subgraphs.bookings.models import listings, viewing_settings
from subgraphs.bookings.records import (
    DateException,
    Listing,
    OpeningInterval,
    ViewingSettings,
    Weekday,
    WeeklyHours,
)

if TYPE_CHECKING:  # the service package imports this module; a runtime import would cycle
    from subgraphs.bookings.service.validation import CheckedSettings


def _time(value: str) -> time:
    return time.fromisoformat(value)


def settings_of(row: Mapping[Any, Any], listing_time_zone: str) -> ViewingSettings:
    return ViewingSettings(
        property_id=row["property_id"],
        time_zone=row["time_zone"] or listing_time_zone,
        weekly_hours=tuple(
            WeeklyHours(Weekday(h["weekday"]), _time(h["start"]), _time(h["end"]))
            for h in row["weekly_hours"]
        ),
        exceptions=tuple(
            DateException(
                date.fromisoformat(e["date"]),
                bool(e["closed"]),
                tuple(OpeningInterval(_time(h["start"]), _time(h["end"])) for h in e["hours"]),
            )
            for e in row["exceptions"]
        ),
        slot_minutes=row["slot_minutes"],
        minimum_notice_minutes=row["minimum_notice_minutes"],
        horizon_days=row["horizon_days"],
        auto_confirm=row["auto_confirm"],
        agent_id=row["agent_id"],
    )


def _listing(row: Mapping[Any, Any]) -> Listing:
    return Listing(
        id=row["id"],
        owner_id=row["owner_id"],
        status=row["status"],
        time_zone=row["time_zone"],
        version=row["version"],
        deleted=row["deleted"],
        agent_id=row["agent_id"],
    )


# The projection's statements, built once with bound parameters: SQLAlchemy memoises a
# statement object's cache key, where one built per event had it computed every time.
_GET = select(listings).where(listings.c.id == bindparam("id"))
_GET_FOR_UPDATE = _GET.with_for_update()


def _upsert_statement() -> Any:
    statement = pg_insert(listings)
    changed = {
        name: statement.excluded[name]
        for name in ("owner_id", "agent_id", "status", "time_zone", "version", "deleted")
    }
    return statement.on_conflict_do_update(
        index_elements=[listings.c.id],
        set_={**changed, "updated_at": func.now()},
        where=listings.c.version < statement.excluded.version,
    ).returning(listings.c.id)


_UPSERT = _upsert_statement()


class ListingRepository:
    async def get(
        self, session: AsyncSession, property_id: uuid.UUID, *, for_update: bool = False
    ) -> Listing | None:
        query = _GET_FOR_UPDATE if for_update else _GET
        row = (await session.execute(query, {"id": property_id})).mappings().first()
        return None if row is None else _listing(row)

    async def upsert(self, session: AsyncSession, listing: Listing) -> bool:
        """Store ``listing`` unless a newer version is already there; True when stored."""
        values = {
            "id": listing.id,
            "owner_id": listing.owner_id,
            "agent_id": listing.agent_id,
            "status": listing.status,
            "time_zone": listing.time_zone,
            "version": listing.version,
            "deleted": listing.deleted,
        }
        return (await session.execute(_UPSERT, values)).first() is not None

    async def get_settings(
        self, session: AsyncSession, property_ids: Sequence[uuid.UUID], *, share: bool = False
    ) -> dict[uuid.UUID, tuple[Listing, ViewingSettings | None]]:
        """Listings and their settings (None when unset), one statement for all ids.

        ``share`` locks the listings FOR SHARE until the transaction ends: a booking being made
        and the property event that ends the listing's viewings then run one after the other.
        """
        query = (
            select(listings, viewing_settings)
            .select_from(listings.outerjoin(viewing_settings))
            .where(listings.c.id.in_(list(property_ids)))
        )
        if share:
            query = query.with_for_update(read=True, of=listings)
        found: dict[uuid.UUID, tuple[Listing, ViewingSettings | None]] = {}
        for row in (await session.execute(query)).mappings():
            listing = _listing(row)
            has_settings = row["property_id"] is not None
            found[listing.id] = (
                listing,
                settings_of(row, listing.time_zone) if has_settings else None,
            )
        return found

    async def put_settings(
        self,
        session: AsyncSession,
        property_id: uuid.UUID,
        checked: CheckedSettings,
        agent_id: uuid.UUID | None,
    ) -> None:
        values = {
            "property_id": property_id,
            "time_zone": checked.time_zone,
            "weekly_hours": [
                {"weekday": h.weekday.value, "start": h.start.isoformat(), "end": h.end.isoformat()}
                for h in checked.weekly_hours
            ],
            "exceptions": [
                {
                    "date": e.date.isoformat(),
                    "closed": e.closed,
                    "hours": [
                        {"start": h.start.isoformat(), "end": h.end.isoformat()} for h in e.hours
                    ],
                }
                for e in checked.exceptions
            ],
            "slot_minutes": checked.slot_minutes,
            "minimum_notice_minutes": checked.minimum_notice_minutes,
            "horizon_days": checked.horizon_days,
            "auto_confirm": checked.auto_confirm,
            "agent_id": agent_id,
        }
        statement = pg_insert(viewing_settings).values(values)
        statement = statement.on_conflict_do_update(
            index_elements=[viewing_settings.c.property_id],
            set_={
                **{k: statement.excluded[k] for k in values if k != "property_id"},
                "updated_at": func.now(),
            },
        )
        await session.execute(statement)
