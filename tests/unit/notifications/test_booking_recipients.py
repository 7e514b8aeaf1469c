"""Who a booking event notifies (pure mapping, no I/O)."""

from __future__ import annotations

import uuid
from typing import Any

from common.events import Event, new_event
from subgraphs.notifications.records import Kind
from subgraphs.notifications.service.booking_events import drafts_for, recipients

BUYER, OWNER, AGENT = uuid.uuid4(), uuid.uuid4(), uuid.uuid4()


def event(type_: str, **extra: Any) -> Event:
    payload = {
        "booking_id": str(uuid.uuid4()),
        "property_id": str(uuid.uuid4()),
        "buyer_id": str(BUYER),
        "owner_id": str(OWNER),
        "agent_id": str(AGENT),
        "starts_at": "2026-12-05T15:00:00+00:00",
        "reason": None,
        **extra,
    }
    return new_event(
        type_, payload["booking_id"], payload, producer="bookings", aggregate_type="bookings"
    )


def test_requests_and_reschedules_go_to_owner_and_agent() -> None:
    assert recipients(event("booking.requested")) == [OWNER, AGENT]
    assert recipients(event("booking.rescheduled")) == [OWNER, AGENT]
    assert recipients(event("booking.requested", agent_id=None)) == [OWNER]


def test_answers_go_to_the_buyer() -> None:
    assert recipients(event("booking.confirmed")) == [BUYER]
    assert recipients(event("booking.declined")) == [BUYER]


def test_a_cancellation_goes_to_the_side_that_did_not_cancel() -> None:
    assert recipients(event("booking.cancelled", cancelled_by=str(BUYER))) == [OWNER, AGENT]
    assert recipients(event("booking.cancelled", cancelled_by=str(OWNER))) == [BUYER]
    assert recipients(event("booking.cancelled", cancelled_by=str(AGENT))) == [BUYER]
    assert recipients(event("booking.cancelled", cancelled_by=None)) == [BUYER]


def test_a_reminder_goes_to_everyone_once_even_when_the_owner_is_the_agent() -> None:
    assert recipients(event("booking.reminder_due", reminder="24h")) == [BUYER, OWNER, AGENT]
    assert recipients(event("booking.reminder_due", agent_id=str(OWNER))) == [BUYER, OWNER]


def test_drafts_carry_the_event_links_and_reason_and_other_types_make_none() -> None:
    declined = event("booking.declined", reason="Sold")
    [draft] = drafts_for(declined)
    assert draft.kind is Kind.BOOKING_DECLINED
    assert draft.source_event_id == declined.id
    assert str(draft.links.booking_id) == declined.payload["booking_id"]
    assert "Reason: Sold" in draft.body
    assert drafts_for(event("booking.completed")) == []
