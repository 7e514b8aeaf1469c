"""``search.saved_search_matched``: a new listing or a price drop matched a saved search, so
the user who saved it hears about it (the listing and the search linked)."""

from __future__ import annotations

import uuid

from common.events import Event
from subgraphs.notifications.records import Draft, Kind, Links

SAVED_SEARCH_MATCHED = "search.saved_search_matched"

REASONS = {
    "NEW_LISTING": ("New listing for your saved search", "A new listing matches your search."),
    "PRICE_DROP": (
        "Price drop in your saved search",
        "A listing that matches your search is now cheaper.",
    ),
}


def drafts_for(event: Event) -> list[Draft]:
    if event.type != SAVED_SEARCH_MATCHED:
        return []
    payload = event.payload
    title, body = REASONS.get(
        str(payload.get("reason")), ("Your saved search matched", "A listing matches your search.")
    )
    return [
        Draft(
            user_id=uuid.UUID(str(payload["user_id"])),
            kind=Kind.SAVED_SEARCH_MATCH,
            title=title,
            body=body,
            links=Links(
                property_id=uuid.UUID(str(payload["property_id"])),
                saved_search_id=uuid.UUID(str(payload["saved_search_id"])),
            ),
            source_event_id=event.id,
        )
    ]
