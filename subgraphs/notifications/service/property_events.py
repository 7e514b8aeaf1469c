"""Favourites and what happens to them (decision 0026).

notifications keeps its own projection of favourites from ``property.favorited`` and
``property.unfavorited`` (events of one listing arrive in order, so the latest wins), and
drops a deleted listing's. A ``property.updated`` whose price went down, or whose status
became pending (under offer), sold, rented or off market, notifies each user who favourited
the listing, once per event: a price drop and a status change in one update make one
notification (the status wins the title).
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping, Sequence
from datetime import datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from common.events import Event
from subgraphs.notifications.records import Draft, Kind, Links
from subgraphs.notifications.repository_projections import FavoritesRepository

FAVORITED = "property.favorited"
UNFAVORITED = "property.unfavorited"
UPDATED = "property.updated"
DELETED = "property.deleted"
PROPERTY_EVENTS = (FAVORITED, UNFAVORITED, UPDATED, DELETED)
FAVORITE_EVENTS = (FAVORITED, UNFAVORITED)

STATUS_NEWS = {
    "pending": ("is under offer", "Act fast if you still want to view it."),
    "sold": ("has sold", "Keep your saved searches on to hear about similar homes."),
    "rented": ("has been let", "Keep your saved searches on to hear about similar homes."),
    "off_market": ("is off the market", "It may come back; we will tell you if it does."),
}


def _decimal(value: object) -> Decimal | None:
    try:
        return None if value is None else Decimal(str(value))
    except InvalidOperation:
        return None


def _title_of(snapshot: Mapping[str, Any]) -> str:
    return str(snapshot.get("title") or "A listing you saved")


def _news(payload: Mapping[str, Any]) -> tuple[Kind, str, str] | None:
    """What an update tells favouriting users, if anything."""
    snapshot: Mapping[str, Any] = payload.get("property") or {}
    changes: Mapping[str, Any] = payload.get("changes") or {}
    title = _title_of(snapshot)
    status = changes.get("status")
    if isinstance(status, Mapping) and status.get("new") in STATUS_NEWS:
        said, advice = STATUS_NEWS[str(status["new"])]
        return Kind.FAVORITE_STATUS, f"{title} {said}"[:200], advice
    price = changes.get("price")
    if isinstance(price, Mapping):
        old, new = _decimal(price.get("old")), _decimal(price.get("new"))
        if old is not None and new is not None and new < old:
            currency = str(snapshot.get("currency") or "")
            return (
                Kind.FAVORITE_PRICE_DROP,
                f"Price drop: {title}"[:200],
                f"Now {new} {currency}, down from {old} {currency}.".replace("  ", " "),
            )
    return None


def _favorite(event: Event) -> tuple[uuid.UUID, uuid.UUID, datetime]:
    """(property, user, when) of a favourite event."""
    payload = event.payload
    at = payload.get("at")
    when = datetime.fromisoformat(str(at)) if at else event.occurred_at
    return uuid.UUID(str(payload["property_id"])), uuid.UUID(str(payload["user_id"])), when


class PropertyTriggers:
    def __init__(self) -> None:
        self.favorites = FavoritesRepository()

    async def apply_favorites(self, session: AsyncSession, events: Sequence[Event]) -> None:
        """A run of ``property.favorited`` (or of ``property.unfavorited``) events at once:
        what ``apply`` does one by one, in a statement or two (a run has one type, so the
        order between adding and removing is kept by the consumer)."""
        if not events:
            return
        if {e.type for e in events} - {FAVORITED, UNFAVORITED} or len({e.type for e in events}) > 1:
            raise ValueError("a run of favourites is of one type, favorited or unfavorited")
        if events[0].type == FAVORITED:
            await self.favorites.add_many(session, [_favorite(e) for e in events])
        else:
            pairs = [_favorite(e)[:2] for e in events]
            await self.favorites.remove_many(session, [(p, u) for p, u in pairs])

    async def apply(self, session: AsyncSession, event: Event) -> list[Draft]:
        """Update the projection and return the notifications the event causes."""
        payload = event.payload
        if event.type in (FAVORITED, UNFAVORITED):
            await self.apply_favorites(session, [event])
            return []
        if event.type == DELETED:
            await self.favorites.remove(session, uuid.UUID(str(payload["id"])))
            return []
        if event.type != UPDATED:
            return []
        news = _news(payload)
        if news is None:
            return []
        kind, title, body = news
        snapshot = payload["property"]
        property_id = uuid.UUID(str(snapshot["id"]))
        owner = snapshot.get("owner_id")
        users = await self.favorites.users_of(session, property_id)
        return [
            Draft(
                user_id=u,
                kind=kind,
                title=title,
                body=body,
                links=Links(property_id=property_id),
                source_event_id=event.id,
            )
            for u in users
            if str(u) != str(owner)
        ]
