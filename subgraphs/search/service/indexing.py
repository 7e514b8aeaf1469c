"""Keeping the index in step with listings, and telling saved searches about matches.

Every write runs in the caller's transaction (the consumer's, or one per repaired listing in
reconciliation); a saved-search match is recorded in the outbox of that same transaction, so
a match is announced exactly when the listing change that caused it is committed.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from decimal import Decimal
from enum import StrEnum

from sqlalchemy import Integer, Numeric, func, literal, or_, select
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.ext.asyncio import AsyncSession

from common.events import Event, new_event, record_event
from subgraphs.search.index.port import SearchIndex
from subgraphs.search.models import saved_searches
from subgraphs.search.service.filter_codec import filter_from_json
from subgraphs.search.service.query import ListingDocument, UpsertOutcome

PRODUCER = "search"
AGGREGATE_TYPE = "searches"
SAVED_SEARCH_MATCHED = "search.saved_search_matched"


class MatchReason(StrEnum):
    NEW_LISTING = "NEW_LISTING"
    PRICE_DROP = "PRICE_DROP"


@dataclass(frozen=True, slots=True)
class SavedSearchMatch:
    saved_search_id: uuid.UUID
    user_id: uuid.UUID
    property_id: uuid.UUID
    reason: MatchReason


def _reason(
    outcome: UpsertOutcome, document: ListingDocument, event_old_price: Decimal | None
) -> MatchReason | None:
    if not outcome.applied:
        return None
    if outcome.created:
        return MatchReason.NEW_LISTING
    previous = outcome.previous_price if outcome.previous_price is not None else event_old_price
    if previous is not None and document.price < previous:
        return MatchReason.PRICE_DROP
    return None


class IndexingService:
    def __init__(self, index: SearchIndex) -> None:
        self.index = index

    async def index_listing(
        self,
        session: AsyncSession,
        document: ListingDocument,
        *,
        event_old_price: Decimal | None = None,
    ) -> tuple[UpsertOutcome, list[SavedSearchMatch]]:
        """Upsert ``document``; on a new listing or a price drop, announce saved-search matches."""
        outcome = await self.index.upsert(session, document)
        reason = _reason(outcome, document, event_old_price)
        if reason is None:
            return outcome, []
        matches = await self._matching_saved_searches(session, document, reason)
        for match in matches:
            await record_event(session, _matched_event(match))
        return outcome, matches

    async def remove_listing(
        self, session: AsyncSession, listing_id: uuid.UUID, version: int
    ) -> bool:
        return await self.index.delete(session, listing_id, version)

    async def _matching_saved_searches(
        self, session: AsyncSession, document: ListingDocument, reason: MatchReason
    ) -> list[SavedSearchMatch]:
        # Cheap JSON prefilter on price, type and bedrooms; the index decides the rest (text,
        # geography, …) with the very code that serves searches.
        f = saved_searches.c.filter
        conditions = [
            or_(
                f["price_max"].astext.is_(None),
                f["price_max"].astext.cast(Numeric) >= document.price,
            ),
            or_(
                f["price_min"].astext.is_(None),
                f["price_min"].astext.cast(Numeric) <= document.price,
            ),
            or_(
                func.jsonb_array_length(f["types"]) == 0,
                f["types"].contains(literal([document.type], JSONB)),
            ),
            or_(
                f["min_bedrooms"].astext.is_(None),
                f["min_bedrooms"].astext.cast(Integer) <= document.bedrooms,
            ),
        ]
        if document.owner_id is not None:
            # Owners are not told about their own listings.
            conditions.append(saved_searches.c.user_id != document.owner_id)
        candidates = select(saved_searches.c.id, saved_searches.c.user_id, f).where(*conditions)
        matches: list[SavedSearchMatch] = []
        for row in (await session.execute(candidates)).all():
            if await self.index.matches(session, filter_from_json(row.filter), document.id):
                matches.append(SavedSearchMatch(row.id, row.user_id, document.id, reason))
        return matches


def _matched_event(match: SavedSearchMatch) -> Event:
    return new_event(
        SAVED_SEARCH_MATCHED,
        match.saved_search_id,
        {
            "saved_search_id": str(match.saved_search_id),
            "user_id": str(match.user_id),
            "property_id": str(match.property_id),
            "reason": match.reason.value,
        },
        producer=PRODUCER,
        aggregate_type=AGGREGATE_TYPE,
    )
