"""Use cases of a buyer's booking: create it on a free slot, move it to another."""

from __future__ import annotations

import secrets
import uuid
from datetime import datetime

from common.analytics import BOOKING_REQUESTED
from common.auth import Viewer, require_authenticated
from common.errors import BadUserInput, Forbidden
from subgraphs.bookings.records import Booking, BookingStatus, Listing, Slot, ViewingSettings
from subgraphs.bookings.service import events
from subgraphs.bookings.service.dependencies import Dependencies, UnitOfWork, unit_of_work
from subgraphs.bookings.service.rules import (
    bookable,
    require_holding,
    schedule_reminders,
    slot_error,
    visible,
)
from subgraphs.bookings.service.validation import check_start_instant
from subgraphs.bookings.slots import SlotRejected, check_start


class BookingWrites:
    def __init__(self, deps: Dependencies) -> None:
        self.deps = deps

    async def _bookable_slot(
        self, work: UnitOfWork, property_id: uuid.UUID, starts_at: datetime, now: datetime
    ) -> tuple[Listing, ViewingSettings, Slot]:
        found = await self.deps.listings.get_settings(work.session, [property_id], share=True)
        listing, settings = bookable(property_id, found.get(property_id))
        try:
            slot = check_start(settings, starts_at, now=now)
        except SlotRejected as rejected:
            raise slot_error(rejected) from rejected
        return listing, settings, slot

    async def create(
        self,
        viewer: Viewer,
        property_id: uuid.UUID,
        starts_at: datetime,
        *,
        idempotency_key: str | None = None,
    ) -> Booking:
        """Book a viewing: PENDING, or CONFIRMED when the property confirms automatically.

        Exactly one of several buyers asking for one slot at once succeeds; the others get
        CONFLICT from the database's unique cells (decision 0011), with nothing written. With
        ``idempotency_key``, a retry (same key, property and time) returns the booking the
        first request made instead of conflicting with it; the same key otherwise: CONFLICT.
        """
        buyer_id = require_authenticated(viewer)
        starts_at = check_start_instant(starts_at)
        now = self.deps.clock()
        created: list[Booking] = []
        async with unit_of_work(self.deps) as work:

            async def book() -> str:
                booking = await self._book(work, buyer_id, property_id, starts_at, now)
                created.append(booking)
                return str(booking.id)

            outcome = await self.deps.idempotency.run(
                work.session,
                idempotency_key,
                user_id=buyer_id,
                operation="createBooking",
                payload={"property_id": property_id, "starts_at": starts_at.isoformat()},
                create=book,
            )
        if created:
            # Counted once per booking made (a retry returning the first one is not counted).
            self.deps.analytics.track(
                viewer,
                BOOKING_REQUESTED,
                {"item_id": str(property_id), "status": created[0].status.value},
            )
            return created[0]
        async with self.deps.sessions() as session:
            booking = await self.deps.bookings.get(session, uuid.UUID(outcome.result_id))
        return visible(viewer, uuid.UUID(outcome.result_id), booking)

    async def _book(
        self,
        work: UnitOfWork,
        buyer_id: uuid.UUID,
        property_id: uuid.UUID,
        starts_at: datetime,
        now: datetime,
    ) -> Booking:
        listing, settings, slot = await self._bookable_slot(work, property_id, starts_at, now)
        if buyer_id in (listing.owner_id, settings.agent_id or listing.agent_id):
            raise Forbidden("You host this property; buyers book its viewings.")
        status = BookingStatus.CONFIRMED if settings.auto_confirm else BookingStatus.PENDING
        booking = await self.deps.bookings.insert(
            work.session,
            {
                "id": uuid.uuid4(),
                "property_id": property_id,
                "user_id": buyer_id,
                "starts_at": slot.starts_at,
                "duration_minutes": settings.slot_minutes,
                "time_zone": settings.time_zone,
                "status": status.value,
                "calendar_token": secrets.token_urlsafe(24),
            },
        )
        await self.deps.bookings.occupy(work.session, booking)
        work.publish(events.booking_event(events.REQUESTED, booking))
        if status is BookingStatus.CONFIRMED:
            work.publish(events.booking_event(events.CONFIRMED, booking))
        await schedule_reminders(self.deps, work, booking, now)
        return booking

    async def reschedule(
        self, viewer: Viewer, booking_id: uuid.UUID, starts_at: datetime
    ) -> Booking:
        """Move a pending or confirmed booking to another free slot (the buyer only). It goes
        back to PENDING unless the property confirms automatically."""
        require_authenticated(viewer)
        starts_at = check_start_instant(starts_at)
        now = self.deps.clock()
        async with unit_of_work(self.deps) as work:
            # Lock order as everywhere: the listing (FOR SHARE, in _bookable_slot), then the
            # booking; the property-event consumer locks them in the same order.
            seen = visible(
                viewer, booking_id, await self.deps.bookings.get(work.session, booking_id)
            )
            if viewer.user_id != seen.user_id:
                raise Forbidden("Only the buyer who booked a viewing may reschedule it.")
            require_holding(seen, "rescheduled")
            if starts_at == seen.starts_at:
                raise BadUserInput(
                    "startsAt is the booking's current time.", field="startsAt", reason="UNCHANGED"
                )
            _, settings, slot = await self._bookable_slot(work, seen.property_id, starts_at, now)
            current = await self.deps.bookings.get(work.session, booking_id, for_update=True)
            assert current is not None  # bookings are never deleted
            require_holding(current, "rescheduled")
            await self.deps.bookings.release(work.session, booking_id)
            status = BookingStatus.CONFIRMED if settings.auto_confirm else BookingStatus.PENDING
            booking = await self.deps.bookings.update(
                work.session,
                booking_id,
                {
                    "starts_at": slot.starts_at,
                    "duration_minutes": settings.slot_minutes,
                    "time_zone": settings.time_zone,
                    "status": status.value,
                    "sequence": current.sequence + 1,
                },
            )
            await self.deps.bookings.occupy(work.session, booking)
            work.publish(events.rescheduled(booking, current.starts_at))
            if status is BookingStatus.CONFIRMED:
                work.publish(events.booking_event(events.CONFIRMED, booking))
            await schedule_reminders(self.deps, work, booking, now)
        return booking
