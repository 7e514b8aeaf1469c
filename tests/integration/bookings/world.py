"""The bookings tests' world: the real properties subgraph feeding the real bookings subgraph,
operations they send, and helpers to list a property and open it for viewings."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy.ext.asyncio import AsyncEngine
from starlette.applications import Starlette

from common.auth.tokens import TokenSigner
from common.auth.viewer import Role
from common.events import EventRuntime
from subgraphs.bookings.service import BookingsServices
from tests.support.graphql import GraphQLClient
from tests.support.listings import listing_input
from tests.support.personas import Persona, persona

BOOKING_FIELDS = """id status startsAt endsAt durationMinutes timeZone localStartsAt bookingDate
  reason version calendarUrl property { id } buyer { id }"""
CREATE_PROPERTY = "mutation($input: CreatePropertyInput!) { createProperty(input: $input) { id } }"
UPDATE_PROPERTY = """mutation($id: ID!, $input: UpdatePropertyInput!) {
  updateProperty(id: $id, input: $input) { id status } }"""
DELETE_PROPERTY = "mutation($id: ID!) { deleteProperty(id: $id) }"
SET_SETTINGS = """mutation($id: ID!, $input: ViewingSettingsInput!) {
  setViewingSettings(propertyId: $id, input: $input) {
    timeZone slotMinutes minimumNoticeMinutes horizonDays autoConfirm agent { id }
    weeklyHours { weekday start end } exceptions { date closed hours { start end } } } }"""
SLOTS = """query($id: ID!, $from: DateTime!, $to: DateTime!) {
  _entities(representations: [{__typename: "Property", id: $id}]) {
    ... on Property {
      availableSlots(from: $from, to: $to) { startsAt endsAt localStartsAt } } } }"""
CREATE = f"""mutation($propertyId: ID!, $startsAt: DateTime!) {{
  createBooking(propertyId: $propertyId, startsAt: $startsAt) {{ {BOOKING_FIELDS} }} }}"""
RESCHEDULE = f"""mutation($id: ID!, $startsAt: DateTime!) {{
  rescheduleBooking(id: $id, startsAt: $startsAt) {{ {BOOKING_FIELDS} }} }}"""
CANCEL = f"""mutation($id: ID!, $reason: String) {{
  cancelBooking(id: $id, reason: $reason) {{ {BOOKING_FIELDS} }} }}"""
CONFIRM = f"mutation($id: ID!) {{ confirmBooking(id: $id) {{ {BOOKING_FIELDS} }} }}"
DECLINE = f"""mutation($id: ID!, $reason: String) {{
  declineBooking(id: $id, reason: $reason) {{ {BOOKING_FIELDS} }} }}"""
GET = f"query($id: ID!) {{ booking(id: $id) {{ {BOOKING_FIELDS} }} }}"
LIST = """query($filter: BookingFilterInput, $first: Int, $after: String) {
  bookings(filter: $filter, first: $first, after: $after) {
    totalCount edges { cursor node { id status startsAt } }
    pageInfo { hasNextPage endCursor } } }"""

ALL_DAY = [
    {"weekday": day, "start": "00:00", "end": "23:55"}
    for day in ("MONDAY", "TUESDAY", "WEDNESDAY", "THURSDAY", "FRIDAY", "SATURDAY", "SUNDAY")
]


def iso(value: datetime) -> str:
    return value.astimezone(UTC).isoformat().replace("+00:00", "Z")


def parse(value: str) -> datetime:
    return datetime.fromisoformat(value.replace("Z", "+00:00"))


@dataclass
class World:
    signer: TokenSigner
    properties: GraphQLClient
    bookings: GraphQLClient
    bookings_app: Starlette
    properties_engine: AsyncEngine

    @property
    def runtime(self) -> EventRuntime:
        runtime: EventRuntime = self.bookings_app.state.runtime
        return runtime

    @property
    def services(self) -> BookingsServices:
        services: BookingsServices = self.bookings_app.state.services
        return services

    @property
    def engine(self) -> AsyncEngine:
        engine: AsyncEngine = self.bookings_app.state.engine
        return engine

    def persona(self, role: Role) -> Persona:
        return persona(self.signer, role)

    async def settle(self) -> None:
        await self.runtime.wait_until_idle(timeout=30)

    async def listing(self, owner: Persona, **overrides: Any) -> str:
        data = await self.properties.data(
            CREATE_PROPERTY, {"input": listing_input(**overrides)}, owner.token
        )
        property_id: str = data["createProperty"]["id"]
        await self.settle()
        return property_id

    async def open_listing(
        self, owner: Persona, settings: dict[str, Any] | None = None, **overrides: Any
    ) -> str:
        """A new listing (Austin) open for viewings all day, every day, without notice."""
        property_id = await self.listing(owner, **overrides)
        values = {"weeklyHours": ALL_DAY, "minimumNoticeMinutes": 0, **(settings or {})}
        await self.bookings.data(SET_SETTINGS, {"id": property_id, "input": values}, owner.token)
        return property_id

    async def slots(
        self, property_id: str, start: datetime | None = None, days: float = 2
    ) -> list[dict[str, Any]]:
        start = start or datetime.now(UTC)
        data = await self.bookings.data(
            SLOTS,
            {"id": property_id, "from": iso(start), "to": iso(start + timedelta(days=days))},
        )
        slots: list[dict[str, Any]] = data["_entities"][0]["availableSlots"]
        return slots

    async def book(self, buyer: Persona, property_id: str, starts_at: str) -> dict[str, Any]:
        data = await self.bookings.data(
            CREATE, {"propertyId": property_id, "startsAt": starts_at}, buyer.token
        )
        booking: dict[str, Any] = data["createBooking"]
        return booking
