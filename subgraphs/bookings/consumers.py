"""The property events bookings consumes: its projection of listings (decision 0011).

Handlers run inside the consumer's transaction, which also records the event as processed,
so the projection, the cancellations of an ended listing's viewings and their events commit
together.
"""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from common.events import ConsumerSpec, Event, EventHandler
from subgraphs.bookings.service.projection import ProjectionService

GROUP = "bookings-listings"
PROPERTIES_TOPIC = "realio.properties"

PROPERTY_CREATED = "property.created"
PROPERTY_UPDATED = "property.updated"
PROPERTY_DELETED = "property.deleted"


class PropertyEventHandlers:
    def __init__(self, projection: ProjectionService) -> None:
        self.projection = projection

    async def on_upserted(self, session: AsyncSession, event: Event) -> None:
        snapshot: dict[str, Any] = dict(event.payload.get("property") or {})
        version = int(event.payload.get("version") or snapshot.get("version") or 0)
        await self.projection.apply_snapshot(session, snapshot, version)

    async def on_deleted(self, session: AsyncSession, event: Event) -> None:
        property_id = uuid.UUID(str(event.payload.get("id") or event.aggregate_id))
        owner_id = uuid.UUID(str(event.payload["owner_id"]))
        version = int(event.payload.get("version") or 0)
        await self.projection.apply_deletion(session, property_id, owner_id, version)

    def table(self) -> dict[str, EventHandler]:
        return {
            PROPERTY_CREATED: self.on_upserted,
            PROPERTY_UPDATED: self.on_upserted,
            PROPERTY_DELETED: self.on_deleted,
        }


def property_consumer(projection: ProjectionService, *, max_attempts: int = 5) -> ConsumerSpec:
    """Bookings' consumer group on ``realio.properties``."""
    return ConsumerSpec(
        group=GROUP,
        topics=[PROPERTIES_TOPIC],
        handlers=PropertyEventHandlers(projection).table(),
        max_attempts=max_attempts,
    )
