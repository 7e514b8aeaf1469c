"""Who hears about a booking event, and what it says (decision 0018).

``booking.requested`` and ``booking.rescheduled`` (only the buyer reschedules) go to the host:
the owner and, when the listing has one, the agent. ``booking.confirmed`` and
``booking.declined`` go to the buyer. ``booking.cancelled`` goes to the side that did not
cancel (the buyer when the listing's end cancelled it). ``booking.reminder_due`` goes to both.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from datetime import datetime
from typing import Any

from common.events import Event
from subgraphs.notifications.records import Draft, Kind, Links

REQUESTED = "booking.requested"
CONFIRMED = "booking.confirmed"
DECLINED = "booking.declined"
RESCHEDULED = "booking.rescheduled"
CANCELLED = "booking.cancelled"
REMINDER_DUE = "booking.reminder_due"

BOOKING_EVENTS = (REQUESTED, CONFIRMED, DECLINED, RESCHEDULED, CANCELLED, REMINDER_DUE)


def _id(payload: Mapping[str, Any], key: str) -> uuid.UUID | None:
    value = payload.get(key)
    return None if value in (None, "") else uuid.UUID(str(value))


def _when(payload: Mapping[str, Any]) -> str:
    starts_at = datetime.fromisoformat(str(payload["starts_at"]))
    return f"{starts_at:%Y-%m-%d %H:%M} UTC"


def _with_reason(text: str, payload: Mapping[str, Any]) -> str:
    reason = payload.get("reason")
    return f"{text} Reason: {reason}" if reason else text


def recipients(event: Event) -> list[uuid.UUID]:
    """The users ``event`` notifies, without duplicates, in a stable order."""
    payload = event.payload
    buyer = _id(payload, "buyer_id")
    hosts = [h for h in (_id(payload, "owner_id"), _id(payload, "agent_id")) if h is not None]
    if event.type in (REQUESTED, RESCHEDULED):
        chosen = hosts
    elif event.type in (CONFIRMED, DECLINED):
        chosen = [buyer] if buyer else []
    elif event.type == CANCELLED:
        by = _id(payload, "cancelled_by")
        chosen = hosts if by is not None and by == buyer else [buyer] if buyer else []
    elif event.type == REMINDER_DUE:
        chosen = [*([buyer] if buyer else []), *hosts]
    else:
        chosen = []
    by_actor = _id(payload, "cancelled_by")
    unique = list(dict.fromkeys(chosen))
    return [u for u in unique if u != by_actor]


def _text(event: Event) -> tuple[Kind, str, str]:
    payload = event.payload
    when = _when(payload)
    if event.type == REQUESTED:
        return Kind.BOOKING_REQUESTED, "New viewing request", f"A buyer asked to view on {when}."
    if event.type == CONFIRMED:
        return Kind.BOOKING_CONFIRMED, "Viewing confirmed", f"Your viewing on {when} is confirmed."
    if event.type == DECLINED:
        return (
            Kind.BOOKING_DECLINED,
            "Viewing declined",
            _with_reason(f"Your viewing request for {when} was declined.", payload),
        )
    if event.type == RESCHEDULED:
        return Kind.BOOKING_RESCHEDULED, "Viewing rescheduled", f"A viewing moved to {when}."
    if event.type == CANCELLED:
        return (
            Kind.BOOKING_CANCELLED,
            "Viewing cancelled",
            _with_reason(f"The viewing on {when} was cancelled.", payload),
        )
    lead = "in 1 hour" if payload.get("reminder") == "1h" else "tomorrow"
    return Kind.BOOKING_REMINDER, "Viewing reminder", f"You have a viewing {lead}: {when}."


def drafts_for(event: Event) -> list[Draft]:
    """One draft per recipient of a booking event (none for the types not listed above)."""
    if event.type not in BOOKING_EVENTS:
        return []
    kind, title, body = _text(event)
    links = Links(
        property_id=_id(event.payload, "property_id"),
        booking_id=_id(event.payload, "booking_id"),
    )
    return [
        Draft(user_id=u, kind=kind, title=title, body=body, links=links, source_event_id=event.id)
        for u in recipients(event)
    ]
