"""Rules every booking use case shares: who may see or act on a booking, which listings
accept viewings, and how a refused slot becomes an error naming ``startsAt``."""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta

from common.auth.viewer import Viewer
from common.errors import BadUserInput, Conflict, Forbidden, NotFound
from subgraphs.bookings.records import (
    HOLDING_STATUSES,
    Booking,
    BookingStatus,
    Host,
    Listing,
    ViewingSettings,
)
from subgraphs.bookings.service.dependencies import Dependencies, UnitOfWork
from subgraphs.bookings.slots import SlotRejected

REMINDERS = (("24h", timedelta(hours=24)), ("1h", timedelta(hours=1)))


def not_found(booking_id: uuid.UUID) -> NotFound:
    return NotFound(f"No booking has the id {booking_id}.", id=str(booking_id), field="id")


def visible(viewer: Viewer, booking_id: uuid.UUID, booking: Booking | None) -> Booking:
    """The booking when the viewer is its buyer, its host or an admin; NOT_FOUND otherwise
    (someone else's booking is indistinguishable from a missing one)."""
    if booking is None or not booking.visible_to(viewer):
        raise not_found(booking_id)
    return booking


def require_host(viewer: Viewer, host: Host, action: str) -> None:
    if not (viewer.is_admin or host.includes(viewer)):
        raise Forbidden(f"Only the property's owner, its agent or an admin may {action}.")


def require_holding(booking: Booking, action: str) -> None:
    """CONFLICT naming ``id`` when the booking is no longer pending or confirmed."""
    if booking.status not in HOLDING_STATUSES:
        raise Conflict(
            f"A {booking.status.value} booking cannot be {action}.",
            field="id",
            status=booking.status.name,
        )


def require_not_started(booking: Booking, now: datetime, action: str) -> None:
    if booking.starts_at <= now:
        raise Conflict(f"The viewing has already started; it cannot be {action}.", field="id")


def bookable(
    property_id: uuid.UUID,
    found: tuple[Listing, ViewingSettings | None] | None,
    field: str = "propertyId",
) -> tuple[Listing, ViewingSettings]:
    """The listing and its settings when it accepts viewings; a clear error otherwise."""
    if found is None or found[0].deleted:
        raise NotFound(f"No property has the id {property_id}.", id=str(property_id), field=field)
    listing, settings = found
    if not listing.bookable:
        raise BadUserInput(
            f"The property is {listing.status.replace('_', ' ')} and accepts no viewings.",
            field=field,
            reason="PROPERTY_NOT_BOOKABLE",
        )
    if settings is None or not (settings.weekly_hours or settings.exceptions):
        raise BadUserInput(
            "The property has no viewing hours yet.", field=field, reason="NO_VIEWING_HOURS"
        )
    return listing, settings


def slot_error(rejected: SlotRejected, field: str = "startsAt") -> BadUserInput:
    return BadUserInput(rejected.message, field=field, reason=rejected.reason)


async def schedule_reminders(
    deps: Dependencies, work: UnitOfWork, booking: Booking, now: datetime
) -> None:
    """Replace the booking's reminders: 24 h and 1 h before a confirmed viewing, each only
    when still ahead (a viewing confirmed 3 h ahead gets the 1 h one alone)."""
    await deps.reminders.clear(work.session, booking.id)
    if booking.status is not BookingStatus.CONFIRMED:
        return
    due = [(kind, booking.starts_at - ahead) for kind, ahead in REMINDERS]
    await deps.reminders.schedule(work.session, booking.id, [(k, at) for k, at in due if at > now])
