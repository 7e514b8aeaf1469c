"""The bookings subgraph's GraphQL schema: parse arguments, call a service, map the result."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

import strawberry
import strawberry.federation as federation

from common.auth import require_authenticated
from common.graphql_app import schema_extensions
from common.idempotency import ARGUMENT_DESCRIPTION as IDEMPOTENCY_KEY_DESCRIPTION
from common.metrics import GraphQLMetrics
from common.pagination import Connection
from subgraphs.bookings import records
from subgraphs.bookings.inputs import BookingFilterInput, ViewingSettingsInput
from subgraphs.bookings.schema_types import (
    Booking,
    BookingsInfo,
    Property,
    User,
    ViewingSettings,
    page_of,
)
from subgraphs.bookings.service.validation import parse_id


@strawberry.type
class Query:
    @strawberry.field(
        description="The viewer's bookings (as buyer by default; filter.role HOST for those of "
        "their listings), upcoming first (soonest first), then past ones (latest first)."
    )
    async def bookings(
        self,
        info: BookingsInfo,
        filter: BookingFilterInput | None = None,
        first: int | None = 20,
        after: str | None = None,
    ) -> Connection[Booking] | None:
        viewer_id = require_authenticated(info.context.viewer)
        booking_filter = (filter or BookingFilterInput()).to_service(viewer_id)
        return await page_of(info, booking_filter, first, after)

    @strawberry.field(
        description="One booking: its buyer, its property's owner or agent, or an admin; null "
        "with NOT_FOUND for anyone else."
    )
    async def booking(self, info: BookingsInfo, id: strawberry.ID) -> Booking | None:
        booking = await info.context.services.reads.get(info.context.viewer, parse_id(id, "id"))
        return Booking.of(booking)


@strawberry.type
class Mutation:
    @strawberry.mutation(
        description="Book a free viewing slot (startsAt: one of Property.availableSlots). "
        "PENDING until the host confirms, unless the property confirms automatically. A slot "
        "someone else just took, or a time the buyer already has a viewing: CONFLICT."
    )
    async def create_booking(
        self,
        info: BookingsInfo,
        property_id: strawberry.ID,
        starts_at: datetime,
        idempotency_key: Annotated[
            str | None, strawberry.argument(description=IDEMPOTENCY_KEY_DESCRIPTION)
        ] = None,
    ) -> Booking:
        booking = await info.context.services.writes.create(
            info.context.viewer,
            parse_id(property_id, "propertyId"),
            starts_at,
            idempotency_key=idempotency_key,
        )
        return Booking.of(booking)

    @strawberry.mutation(
        description="The buyer moves a pending or confirmed booking to another free slot; it "
        "is PENDING again unless the property confirms automatically."
    )
    async def reschedule_booking(
        self, info: BookingsInfo, id: strawberry.ID, starts_at: datetime
    ) -> Booking:
        booking = await info.context.services.writes.reschedule(
            info.context.viewer, parse_id(id, "id"), starts_at
        )
        return Booking.of(booking)

    @strawberry.mutation(
        description="The buyer, the owner, the agent or an admin cancels a booking that has "
        "not started; its slot is free again."
    )
    async def cancel_booking(
        self, info: BookingsInfo, id: strawberry.ID, reason: str | None = None
    ) -> Booking:
        booking = await info.context.services.workflow.cancel(
            info.context.viewer, parse_id(id, "id"), reason
        )
        return Booking.of(booking)

    @strawberry.mutation(description="The owner, the agent or an admin confirms a pending one.")
    async def confirm_booking(self, info: BookingsInfo, id: strawberry.ID) -> Booking:
        booking = await info.context.services.workflow.confirm(
            info.context.viewer, parse_id(id, "id")
        )
        return Booking.of(booking)

    @strawberry.mutation(
        description="The owner, the agent or an admin declines a pending one; its slot is "
        "free again."
    )
    async def decline_booking(
        self, info: BookingsInfo, id: strawberry.ID, reason: str | None = None
    ) -> Booking:
        booking = await info.context.services.workflow.decline(
            info.context.viewer, parse_id(id, "id"), reason
        )
        return Booking.of(booking)

    @strawberry.mutation(
        description="The owner, the agent or an admin sets when the property can be viewed "
        "(replacing its previous settings). Bookings already made keep their slots."
    )
    async def set_viewing_settings(
        self, info: BookingsInfo, property_id: strawberry.ID, input: ViewingSettingsInput
    ) -> ViewingSettings:
        settings = await info.context.services.availability.set_settings(
            info.context.viewer, parse_id(property_id, "propertyId"), input.to_service()
        )
        return ViewingSettings.of(settings)


def build_schema(metrics: GraphQLMetrics) -> federation.Schema:
    """The schema with the extensions of one application (its metrics registry)."""
    return federation.Schema(
        query=Query,
        mutation=Mutation,
        types=[Booking, Property, User],
        extensions=schema_extensions(metrics),
    )


# What ``python -m common.sdl_export`` prints; apps build their own with their metrics.
schema = build_schema(GraphQLMetrics("bookings"))

__all__ = ["records", "schema", "build_schema"]
