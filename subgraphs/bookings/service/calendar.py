"""A booking as an iCalendar file (RFC 5545, written with the ``icalendar`` library).

The event's UID is fixed per booking and its SEQUENCE is the booking's, which grows with
every reschedule, confirmation, decline or cancellation, so a calendar that imported the file
replaces the old version instead of adding a second event.
"""

from __future__ import annotations

import hmac
import uuid

from icalendar import Calendar, Event

from common.errors import NotFound
from subgraphs.bookings.records import Booking, BookingStatus
from subgraphs.bookings.service.dependencies import Dependencies

PRODUCT_ID = "-//Realio//Bookings//EN"
_STATUS = {
    BookingStatus.PENDING: "TENTATIVE",
    BookingStatus.CONFIRMED: "CONFIRMED",
    BookingStatus.COMPLETED: "CONFIRMED",
    BookingStatus.DECLINED: "CANCELLED",
    BookingStatus.CANCELLED: "CANCELLED",
}


def calendar_uid(booking: Booking) -> str:
    return f"booking-{booking.id}@realio"


def to_ics(booking: Booking) -> bytes:
    calendar = Calendar()
    calendar.add("prodid", PRODUCT_ID)
    calendar.add("version", "2.0")
    calendar.add("method", "PUBLISH")
    event = Event()
    event.add("uid", calendar_uid(booking))
    event.add("sequence", booking.sequence)
    event.add("dtstamp", booking.updated_at)
    event.add("dtstart", booking.starts_at)
    event.add("dtend", booking.ends_at)
    event.add("summary", "Property viewing")
    local = booking.local_starts_at
    event.add(
        "description",
        f"Viewing of property {booking.property_id} at {local:%Y-%m-%d %H:%M} "
        f"({booking.time_zone}). Status: {booking.status.value}.",
    )
    event.add("status", _STATUS[booking.status])
    calendar.add_component(event)
    return bytes(calendar.to_ical())


def calendar_path(booking: Booking) -> str:
    return f"/bookings/{booking.id}/calendar.ics?token={booking.calendar_token}"


class CalendarService:
    def __init__(self, deps: Dependencies) -> None:
        self.deps = deps

    def url_of(self, booking: Booking) -> str:
        return f"{self.deps.public_url.rstrip('/')}{calendar_path(booking)}"

    async def file(self, booking_id: uuid.UUID, token: str) -> bytes:
        """The booking's .ics when ``token`` is its calendar secret; NOT_FOUND otherwise."""
        async with self.deps.sessions() as session:
            booking = await self.deps.bookings.get(session, booking_id)
        if booking is None or not hmac.compare_digest(booking.calendar_token, token):
            raise NotFound("No calendar at this address.")
        return to_ics(booking)
