"""The events the bookings subgraph publishes on ``realio.bookings`` (key: booking id).

Every payload carries, for notifications to deliver: ``booking_id``, ``property_id``,
``buyer_id``, ``owner_id``, ``agent_id`` (null when the listing has none), ``starts_at`` and
``ends_at`` (UTC ISO-8601), ``time_zone``, ``status``, ``reason`` (null unless cancelled or
declined with one) and the booking's ``version``. ``booking.rescheduled`` adds
``previous_starts_at``; ``booking.reminder_due`` adds ``reminder`` (``24h`` or ``1h``);
``booking.cancelled`` adds ``cancelled_by`` (null when the listing's end cancelled it).
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from common.events import Event, new_event
from subgraphs.bookings.records import Booking

PRODUCER = "bookings"
AGGREGATE_TYPE = "bookings"

REQUESTED = "booking.requested"
CONFIRMED = "booking.confirmed"
DECLINED = "booking.declined"
RESCHEDULED = "booking.rescheduled"
CANCELLED = "booking.cancelled"
REMINDER_DUE = "booking.reminder_due"
COMPLETED = "booking.completed"


def payload(booking: Booking) -> dict[str, Any]:
    return {
        "version": booking.version,
        "booking_id": str(booking.id),
        "property_id": str(booking.property_id),
        "buyer_id": str(booking.user_id),
        "owner_id": str(booking.owner_id),
        "agent_id": None if booking.agent_id is None else str(booking.agent_id),
        "starts_at": booking.starts_at.isoformat(),
        "ends_at": booking.ends_at.isoformat(),
        "time_zone": booking.time_zone,
        "status": booking.status.value.upper(),
        "reason": booking.reason,
    }


def booking_event(type_: str, booking: Booking, **extra: Any) -> Event:
    return new_event(
        type_,
        booking.id,
        {**payload(booking), **extra},
        producer=PRODUCER,
        aggregate_type=AGGREGATE_TYPE,
    )


def rescheduled(booking: Booking, previous_starts_at: datetime) -> Event:
    return booking_event(RESCHEDULED, booking, previous_starts_at=previous_starts_at.isoformat())


def cancelled(booking: Booking, by: uuid.UUID | None) -> Event:
    return booking_event(CANCELLED, booking, cancelled_by=None if by is None else str(by))


def reminder_due(booking: Booking, kind: str) -> Event:
    return booking_event(REMINDER_DUE, booking, reminder=kind)
