"""What the recommendations subgraph learns from other subgraphs' events.

- ``realio.properties``: the listings projection (created/updated snapshots, deletions) and
  favourites (``property.favorited``/``unfavorited`` → favorite/unfavorite interactions);
- ``realio.searches``: saved searches (city, price band, type of the filter);
- ``realio.bookings``: a requested viewing → a booking interaction of the buyer;
- ``realio.messages``: a conversation about a home → a message interaction of the buyer.

Handlers run in the consumer's transaction, which also records the event as processed; an
interaction keeps the id of the event it came from (unique), so a redelivered event changes
nothing.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from common.events import Event
from subgraphs.recommendations import repository
from subgraphs.recommendations.models import interactions, listings
from subgraphs.recommendations.service.feed_cache import FeedCache
from subgraphs.recommendations.service.impressions import Rewards


def city_of(address: str | None) -> str | None:
    """The city of an address as properties writes them: ``"12 Main St, Austin, TX"`` →
    ``"Austin"`` (the part before the state); one comma: the part after it."""
    parts = [part.strip() for part in (address or "").split(",") if part.strip()]
    if len(parts) >= 3:
        return parts[-2]
    if len(parts) == 2:
        return parts[1]
    return None


def _float(value: Any) -> float | None:
    try:
        return None if value is None else float(value)
    except (TypeError, ValueError):
        return None


def _int(value: Any) -> int | None:
    try:
        return None if value is None else int(value)
    except (TypeError, ValueError):
        return None


def _decimal(value: Any) -> Decimal | None:
    try:
        return None if value is None else Decimal(str(value))
    except InvalidOperation:
        return None


def listing_values(snapshot: dict[str, Any], version: int) -> dict[str, Any]:
    """A projection row from a ``property.created``/``updated`` snapshot."""
    title = str(snapshot.get("title") or "")
    description = str(snapshot.get("description") or "")
    return {
        "id": uuid.UUID(str(snapshot["id"])),
        "owner_id": uuid.UUID(str(snapshot["owner_id"])),
        "type": str(snapshot.get("type") or "").lower(),
        "price": _decimal(snapshot.get("price")) or Decimal(0),
        "currency": str(snapshot.get("currency") or "USD").upper()[:3],
        "bedrooms": _int(snapshot.get("no_of_bed_rooms")),
        "bathrooms": _int(snapshot.get("no_of_bath_rooms")),
        "area": _float(snapshot.get("floor_area")),
        "city": city_of(snapshot.get("address")),
        "latitude": _float(snapshot.get("latitude")),
        "longitude": _float(snapshot.get("longitude")),
        "text": f"{title}\n{description}".strip(),
        "status": str(snapshot.get("status") or "available").lower(),
        "version": version,
        "created_at": datetime.fromisoformat(str(snapshot["created_at"])),
    }


def saved_search_values(payload: dict[str, Any], at: datetime) -> dict[str, Any]:
    """A saved search's segment: city (the filter's city, else its text), price band, type."""
    search_filter = payload.get("filter") or {}
    types = search_filter.get("types") or []
    city = search_filter.get("city") or search_filter.get("text")
    return {
        "id": uuid.UUID(str(payload["saved_search_id"])),
        "user_id": uuid.UUID(str(payload["user_id"])),
        "city": str(city)[:120] if city else None,
        "min_price": _decimal(search_filter.get("price_min")),
        "max_price": _decimal(search_filter.get("price_max")),
        "type": str(types[0]).lower() if len(types) == 1 else None,
        "at": at,
        "deleted": False,
    }


class Projection:
    """See the module docstring."""

    def __init__(self, feed_cache: FeedCache, rewards: Rewards) -> None:
        self.feed_cache = feed_cache
        self.rewards = rewards

    # ---- realio.properties ---------------------------------------------------------------

    async def on_listing(self, session: AsyncSession, event: Event) -> None:
        snapshot = dict(event.payload.get("property") or {})
        version = int(event.payload.get("version") or snapshot.get("version") or 0)
        await repository.upsert_listing(session, listing_values(snapshot, version))

    async def on_listings(self, session: AsyncSession, events: Sequence[Event]) -> None:
        """``on_listing`` for a run of created/updated events: one statement (a burst of
        listings written, or one listing edited several times, between two fetches)."""
        rows = []
        for event in events:
            snapshot = dict(event.payload.get("property") or {})
            version = int(event.payload.get("version") or snapshot.get("version") or 0)
            rows.append(listing_values(snapshot, version))
        await repository.upsert_listings(session, rows)

    async def on_listing_deleted(self, session: AsyncSession, event: Event) -> None:
        property_id = uuid.UUID(str(event.payload.get("id") or event.aggregate_id))
        owner_id = uuid.UUID(str(event.payload["owner_id"]))
        await repository.delete_listing(
            session, property_id, owner_id, int(event.payload.get("version") or 0)
        )

    async def on_favorite(self, session: AsyncSession, event: Event) -> None:
        payload = event.payload
        kind = "favorite" if event.type == "property.favorited" else "unfavorite"
        at = _moment(payload.get("at"), event)
        await self._interaction(
            session,
            event,
            uuid.UUID(str(payload["user_id"])),
            uuid.UUID(str(payload["property_id"])),
            kind,
            at,
        )

    # ---- realio.searches -----------------------------------------------------------------

    async def on_saved_search(self, session: AsyncSession, event: Event) -> None:
        values = saved_search_values(event.payload, event.occurred_at)
        await repository.upsert_saved_search(session, values)
        await self.feed_cache.invalidate(values["user_id"])

    async def on_saved_search_deleted(self, session: AsyncSession, event: Event) -> None:
        await repository.delete_saved_search(
            session, uuid.UUID(str(event.payload["saved_search_id"]))
        )
        if event.payload.get("user_id"):
            await self.feed_cache.invalidate(uuid.UUID(str(event.payload["user_id"])))

    # ---- realio.bookings -----------------------------------------------------------------

    async def on_booking_requested(self, session: AsyncSession, event: Event) -> None:
        payload = event.payload
        await self._interaction(
            session,
            event,
            uuid.UUID(str(payload["buyer_id"])),
            uuid.UUID(str(payload["property_id"])),
            "booking",
            event.occurred_at,
        )

    # ---- realio.messages -----------------------------------------------------------------

    async def on_conversation_started(self, session: AsyncSession, event: Event) -> None:
        property_id = event.payload.get("property_id")
        if not property_id:
            return
        home = uuid.UUID(str(property_id))
        owner = await _owner_of(session, home)
        for participant in event.payload.get("participant_ids") or []:
            user_id = uuid.UUID(str(participant))
            if user_id != owner:
                await self._interaction(
                    session, event, user_id, home, "message", event.occurred_at, per_user=True
                )

    async def on_message_sent(self, session: AsyncSession, event: Event) -> None:
        """The sender's first message about a home counts (one conversation, one signal)."""
        property_id = event.payload.get("property_id")
        if not property_id:
            return
        home = uuid.UUID(str(property_id))
        sender = uuid.UUID(str(event.payload["sender_id"]))
        if sender == await _owner_of(session, home):
            return
        already = await session.execute(
            select(interactions.c.id)
            .where(
                interactions.c.user_id == sender,
                interactions.c.property_id == home,
                interactions.c.kind == "message",
            )
            .limit(1)
        )
        if already.first() is None:
            await self._interaction(session, event, sender, home, "message", event.occurred_at)

    # ---- shared ----------------------------------------------------------------------------

    async def _interaction(
        self,
        session: AsyncSession,
        event: Event,
        user_id: uuid.UUID,
        property_id: uuid.UUID,
        kind: str,
        at: datetime,
        *,
        per_user: bool = False,
    ) -> None:
        event_id = uuid.uuid5(event.id, str(user_id)) if per_user else event.id
        added = await repository.add_interaction(
            session,
            user_id=user_id,
            property_id=property_id,
            kind=kind,
            origin=event.type,
            at=at,
            event_id=event_id,
        )
        if not added:
            return
        rewarded = await self.rewards.record(session, user_id, property_id, kind, at)
        await self.feed_cache.invalidate(user_id)
        self.rewards.apply(rewarded)


async def _owner_of(session: AsyncSession, property_id: uuid.UUID) -> uuid.UUID | None:
    found = await session.execute(select(listings.c.owner_id).where(listings.c.id == property_id))
    return found.scalar_one_or_none()


def _moment(value: Any, event: Event) -> datetime:
    try:
        return datetime.fromisoformat(str(value)) if value else event.occurred_at
    except ValueError:
        return event.occurred_at
