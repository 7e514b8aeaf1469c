"""Reading bookings: one, many (for entity resolution), and pages of a viewer's."""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable, Sequence
from datetime import datetime
from typing import Any

from common.auth import Viewer, require_authenticated
from common.errors import BadUserInput, Forbidden
from subgraphs.bookings.records import Booking, BookingFilter, Host, Page
from subgraphs.bookings.service.dependencies import Dependencies
from subgraphs.bookings.service.rules import require_host, visible

Counter = Callable[[], Awaitable[int]]
Cursor = tuple[int, datetime, uuid.UUID]


def booking_cursor(booking: Booking, now: datetime) -> list[Any]:
    """Upcoming bookings come first (phase 0), then past ones (phase 1)."""
    return [0 if booking.starts_at >= now else 1, booking.starts_at.isoformat(), str(booking.id)]


def parse_cursor(key: Sequence[Any] | None) -> tuple[datetime | None, Cursor | None]:
    """(the page's reference time, the position after which to continue)."""
    if key is None:
        return None, None
    try:
        now = datetime.fromisoformat(str(key[0]))
        phase = int(key[1])
        if phase not in (0, 1):
            raise ValueError("phase")
        return now, (phase, datetime.fromisoformat(str(key[2])), uuid.UUID(str(key[3])))
    except (ValueError, IndexError, TypeError) as exc:
        raise BadUserInput("after is not a valid cursor.", field="after") from exc


class BookingReads:
    def __init__(self, deps: Dependencies) -> None:
        self.deps = deps

    async def get(self, viewer: Viewer, booking_id: uuid.UUID) -> Booking:
        require_authenticated(viewer)
        async with self.deps.sessions() as session:
            booking = await self.deps.bookings.get(session, booking_id)
        return visible(viewer, booking_id, booking)

    async def load_many(
        self, viewer: Viewer, booking_ids: Sequence[uuid.UUID]
    ) -> list[Booking | None]:
        """Bookings in the order asked, None where unknown or not the viewer's: one statement."""
        async with self.deps.sessions() as session:
            found = await self.deps.bookings.get_many(session, booking_ids)
        result: list[Booking | None] = []
        for booking_id in booking_ids:
            booking = found.get(booking_id)
            result.append(booking if booking is not None and booking.visible_to(viewer) else None)
        return result

    async def page(
        self,
        viewer: Viewer,
        booking_filter: BookingFilter,
        *,
        first: int,
        after: Sequence[Any] | None,
    ) -> tuple[Page[Booking], Counter, datetime]:
        """A page of ``booking_filter`` (already scoped to what the viewer may read), upcoming
        first, a counter of all, and the reference time the page's cursors carry."""
        cursor_now, cursor = parse_cursor(after)
        now = cursor_now or self.deps.clock()
        async with self.deps.sessions() as session:
            page = await self.deps.bookings.page(
                session, booking_filter, now=now, first=first, after=cursor
            )

        async def count_all() -> int:
            async with self.deps.sessions() as session:
                return await self.deps.bookings.count(session, booking_filter)

        return page, count_all, now

    async def scope_for_property(
        self, viewer: Viewer, property_id: uuid.UUID, booking_filter: BookingFilter
    ) -> BookingFilter:
        """``Property.bookings``: the owner, the agent and admins only (FORBIDDEN otherwise)."""
        require_authenticated(viewer)
        async with self.deps.sessions() as session:
            found = await self.deps.listings.get_settings(session, [property_id])
        entry = found.get(property_id)
        if entry is None:
            if not viewer.is_admin:
                raise Forbidden("Only the property's owner, its agent or an admin may do this.")
        else:
            listing, settings = entry
            agent = settings.agent_id if settings and settings.agent_id else listing.agent_id
            require_host(viewer, Host(property_id, listing.owner_id, agent), "see its bookings")
        return BookingFilter(
            statuses=booking_filter.statuses,
            property_id=property_id,
            starts_from=booking_filter.starts_from,
            starts_before=booking_filter.starts_before,
        )

    def scope_for_user(
        self, viewer: Viewer, user_id: uuid.UUID, booking_filter: BookingFilter
    ) -> BookingFilter:
        """``User.bookings``: the user themself and admins only (FORBIDDEN otherwise)."""
        require_authenticated(viewer)
        if not viewer.is_self_or_admin(user_id):
            raise Forbidden("Only the user themself or an admin may read their bookings.")
        return BookingFilter(
            statuses=booking_filter.statuses,
            buyer_id=user_id,
            starts_from=booking_filter.starts_from,
            starts_before=booking_filter.starts_before,
        )
