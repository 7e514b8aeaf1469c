"""Bookings' view of listings, kept from property events (decision 0011).

A listing that is sold, rented, taken off the market or deleted accepts no new bookings, and
the event that ends it cancels its viewings not yet started, each with a booking.cancelled
event, in the consumer's transaction (so the cancellations and the processed mark commit
together). Older versions than the one stored are dropped.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from common.events import record_events
from subgraphs.bookings.records import Listing
from subgraphs.bookings.service.dependencies import Dependencies
from subgraphs.bookings.service.workflow import Workflow

ENDED_REASONS = {
    "sold": "The property has been sold.",
    "rented": "The property has been rented.",
    "off_market": "The property was taken off the market.",
    "deleted": "The property was removed.",
}


def _uuid(value: Any) -> uuid.UUID | None:
    try:
        return None if value is None else uuid.UUID(str(value))
    except ValueError:
        return None


class ProjectionService:
    def __init__(self, deps: Dependencies, workflow: Workflow) -> None:
        self.deps = deps
        self.workflow = workflow

    async def apply_snapshot(
        self, session: AsyncSession, snapshot: Mapping[str, Any], version: int
    ) -> None:
        property_id, owner_id = _uuid(snapshot.get("id")), _uuid(snapshot.get("owner_id"))
        if property_id is None or owner_id is None:
            raise ValueError("a property snapshot needs id and owner_id")
        existing = await self.deps.listings.get(session, property_id, for_update=True)
        listing = Listing(
            id=property_id,
            owner_id=owner_id,
            status=str(snapshot.get("status") or "available"),
            time_zone=self.deps.time_zones.of_coordinates(
                snapshot.get("latitude"), snapshot.get("longitude")
            ),
            version=version,
            agent_id=_uuid(snapshot.get("agent_id")),
        )
        if existing is not None and existing.deleted:
            return  # a tombstone outlives every update
        if await self.deps.listings.upsert(session, listing) and not listing.bookable:
            await self._end(session, property_id, ENDED_REASONS.get(listing.status, "ended"))

    async def apply_deletion(
        self, session: AsyncSession, property_id: uuid.UUID, owner_id: uuid.UUID, version: int
    ) -> None:
        existing = await self.deps.listings.get(session, property_id, for_update=True)
        tombstone = Listing(
            id=property_id,
            owner_id=existing.owner_id if existing else owner_id,
            status="deleted",
            time_zone=existing.time_zone if existing else self.deps.time_zones.default,
            version=version,
            deleted=True,
            agent_id=existing.agent_id if existing else None,
        )
        if await self.deps.listings.upsert(session, tombstone):
            await self._end(session, property_id, ENDED_REASONS["deleted"])

    async def _end(self, session: AsyncSession, property_id: uuid.UUID, reason: str) -> None:
        cancelled = await self.workflow.cancel_future_of_listing(session, property_id, reason)
        await record_events(session, cancelled)
