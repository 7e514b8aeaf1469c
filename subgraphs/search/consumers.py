"""The property events search consumes, and what each one does to the index.

Handlers run inside the consumer's transaction (which also records the event as processed),
so an event's effect on the index, its saved-search matches and its processed mark commit
together. Stale versions and tombstoned listings are dropped by the index itself.
"""

from __future__ import annotations

import uuid

from sqlalchemy.ext.asyncio import AsyncSession

from common.events import ConsumerSpec, Event, EventHandler
from subgraphs.search.service.documents import (
    document_from_snapshot,
    price_change,
    snapshot_of_payload,
)
from subgraphs.search.service.indexing import IndexingService

GROUP = "search-indexer"
PROPERTIES_TOPIC = "realio.properties"

PROPERTY_CREATED = "property.created"
PROPERTY_UPDATED = "property.updated"
PROPERTY_DELETED = "property.deleted"


class PropertyEventHandlers:
    def __init__(self, indexing: IndexingService) -> None:
        self.indexing = indexing

    async def on_upserted(self, session: AsyncSession, event: Event) -> None:
        document = document_from_snapshot(snapshot_of_payload(event.payload))
        change = price_change(event.payload)
        await self.indexing.index_listing(
            session, document, event_old_price=None if change is None else change[0]
        )

    async def on_deleted(self, session: AsyncSession, event: Event) -> None:
        listing_id = uuid.UUID(str(event.payload.get("id") or event.aggregate_id))
        version = int(event.payload.get("version") or 0)
        await self.indexing.remove_listing(session, listing_id, version)

    def table(self) -> dict[str, EventHandler]:
        return {
            PROPERTY_CREATED: self.on_upserted,
            PROPERTY_UPDATED: self.on_upserted,
            PROPERTY_DELETED: self.on_deleted,
        }


def property_consumer(indexing: IndexingService, *, max_attempts: int = 5) -> ConsumerSpec:
    """The search indexer's consumer group on ``realio.properties``."""
    return ConsumerSpec(
        group=GROUP,
        topics=[PROPERTIES_TOPIC],
        handlers=PropertyEventHandlers(indexing).table(),
        max_attempts=max_attempts,
    )
