"""The host's and both parties' workflow: confirm, decline, cancel; and the listing's end
cancelling its future viewings."""

from __future__ import annotations

import uuid

from sqlalchemy.ext.asyncio import AsyncSession

from common.auth import Viewer, require_authenticated
from common.errors import Conflict
from common.events import Event
from subgraphs.bookings.records import Booking, BookingStatus
from subgraphs.bookings.service import events
from subgraphs.bookings.service.dependencies import Dependencies, UnitOfWork, unit_of_work
from subgraphs.bookings.service.rules import (
    require_holding,
    require_host,
    require_not_started,
    schedule_reminders,
    visible,
)
from subgraphs.bookings.service.validation import check_reason


class Workflow:
    def __init__(self, deps: Dependencies) -> None:
        self.deps = deps

    async def _pending_for_host(
        self, work: UnitOfWork, viewer: Viewer, booking_id: uuid.UUID, action: str
    ) -> Booking:
        """The booking, locked, when the viewer hosts it (or is an admin) and it is pending."""
        current = visible(
            viewer,
            booking_id,
            await self.deps.bookings.get(work.session, booking_id, for_update=True),
        )
        require_host(viewer, current.host, "confirm or decline a viewing")
        if current.status is not BookingStatus.PENDING:
            raise Conflict(
                f"Only a pending booking can be {action}; this one is {current.status.value}.",
                field="id",
                status=current.status.name,
            )
        return current

    async def confirm(self, viewer: Viewer, booking_id: uuid.UUID) -> Booking:
        """The owner, agent or an admin confirms a pending booking."""
        require_authenticated(viewer)
        now = self.deps.clock()
        async with unit_of_work(self.deps) as work:
            current = await self._pending_for_host(work, viewer, booking_id, "confirmed")
            require_not_started(current, now, "confirmed")
            booking = await self.deps.bookings.update(
                work.session,
                booking_id,
                {"status": BookingStatus.CONFIRMED.value, "sequence": current.sequence + 1},
            )
            work.publish(events.booking_event(events.CONFIRMED, booking))
            await schedule_reminders(self.deps, work, booking, now)
        return booking

    async def decline(
        self, viewer: Viewer, booking_id: uuid.UUID, reason: str | None = None
    ) -> Booking:
        """The owner, agent or an admin declines a pending booking; its slot is free again."""
        require_authenticated(viewer)
        reason = check_reason(reason)
        async with unit_of_work(self.deps) as work:
            current = await self._pending_for_host(work, viewer, booking_id, "declined")
            await self.deps.bookings.release(work.session, booking_id)
            booking = await self.deps.bookings.update(
                work.session,
                booking_id,
                {
                    "status": BookingStatus.DECLINED.value,
                    "reason": reason,
                    "sequence": current.sequence + 1,
                },
            )
            await self.deps.reminders.clear(work.session, booking_id)
            work.publish(events.booking_event(events.DECLINED, booking))
        return booking

    async def cancel(
        self, viewer: Viewer, booking_id: uuid.UUID, reason: str | None = None
    ) -> Booking:
        """The buyer, the owner, the agent or an admin cancels a booking not yet started."""
        require_authenticated(viewer)
        reason = check_reason(reason)
        now = self.deps.clock()
        async with unit_of_work(self.deps) as work:
            current = visible(
                viewer,
                booking_id,
                await self.deps.bookings.get(work.session, booking_id, for_update=True),
            )
            require_holding(current, "cancelled")
            require_not_started(current, now, "cancelled")
            booking, event = await self._cancel(work.session, current, reason, viewer.user_id)
            work.publish(event)
        return booking

    async def _cancel(
        self,
        session: AsyncSession,
        current: Booking,
        reason: str | None,
        by: uuid.UUID | None,
    ) -> tuple[Booking, Event]:
        await self.deps.bookings.release(session, current.id)
        await self.deps.reminders.clear(session, current.id)
        booking = await self.deps.bookings.update(
            session,
            current.id,
            {
                "status": BookingStatus.CANCELLED.value,
                "reason": reason,
                "cancelled_by": by,
                "sequence": current.sequence + 1,
            },
        )
        return booking, events.cancelled(booking, by)

    async def cancel_future_of_listing(
        self, session: AsyncSession, property_id: uuid.UUID, reason: str
    ) -> list[Event]:
        """Inside a consumer's transaction: cancel every viewing of a listing that ended
        (sold, rented, off market, deleted) not yet started; one event each."""
        cancelled = []
        for current in await self.deps.bookings.future_holding(
            session, property_id, self.deps.clock()
        ):
            _, event = await self._cancel(session, current, reason, None)
            cancelled.append(event)
        return cancelled
