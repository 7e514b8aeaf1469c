"""Writing property events as the properties subgraph does, for tests that need exact control
over what is in flight (bursts, replays). Payloads come from properties' own event builders."""

from __future__ import annotations

import uuid
from dataclasses import replace
from datetime import UTC, datetime
from decimal import Decimal

from sqlalchemy.ext.asyncio import AsyncEngine

from common.db import session_factory, transaction
from common.events import Event, record_events
from subgraphs.properties.records import Listing, PropertyStatus, PropertyType
from subgraphs.properties.service import events


def listing(listing_id: uuid.UUID, version: int = 1, **changes: object) -> Listing:
    now = datetime.now(UTC)
    base = Listing(
        id=listing_id,
        title="Burst listing",
        description="Written by a test",
        price=Decimal("300000.00"),
        currency="USD",
        type=PropertyType.APARTMENT,
        address="1 Test Street, Austin, TX",
        zip_code="78701",
        owner_id=uuid.uuid4(),
        no_of_bed_rooms=2,
        no_of_bath_rooms=1,
        no_of_toilets=1,
        latitude=30.27,
        longitude=-97.74,
        status=PropertyStatus.AVAILABLE,
        floor_area=None,
        created_at=now,
        updated_at=now,
        version=version,
    )
    return replace(base, **changes)  # type: ignore[arg-type]


def created(record: Listing) -> Event:
    return events.created(record)


def updated(before: Listing, after: Listing) -> Event:
    return events.updated(
        after, events.field_changes(before, after, {"title": None, "price": None})
    )


def deleted(record: Listing) -> Event:
    return events.deleted(record, record.version + 1)


async def publish(properties_engine: AsyncEngine, batch: list[Event]) -> None:
    """Record ``batch`` in the properties outbox in one transaction (its relay publishes it)."""
    async with transaction(session_factory(properties_engine)) as session:
        await record_events(session, batch)
