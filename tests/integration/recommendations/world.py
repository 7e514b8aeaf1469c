"""The recommendations subgraph on loopback, fed by events its tests publish into the outboxes
of the real producers' databases (properties, search, bookings, messaging), as those
subgraphs would (decision 0031)."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncEngine
from starlette.applications import Starlette

from common.auth.tokens import TokenSigner
from common.auth.viewer import Role
from common.config import Settings
from common.db import session_factory, transaction
from common.events import Event, EventRuntime, new_event, record_events
from subgraphs.recommendations.service import RecommendationsServices
from tests.support.graphql import GraphQLClient
from tests.support.personas import Persona, persona

# Producer subgraph → (aggregate type, the topic's producer name in envelopes).
AGGREGATES = {
    "properties": "properties",
    "search": "searches",
    "bookings": "bookings",
    "messaging": "messages",
}
TOWNS = {
    "Austin": ("TX", 30.2672, -97.7431),
    "Denver": ("CO", 39.7392, -104.9903),
    "Boise": ("ID", 43.6150, -116.2023),
}


def event_of(producer: str, type_: str, aggregate_id: uuid.UUID, payload: dict[str, Any]) -> Event:
    return new_event(
        type_, aggregate_id, payload, producer=producer, aggregate_type=AGGREGATES[producer]
    )


@dataclass
class Home:
    """One listing as properties publishes it (``property.created``/``updated`` snapshots)."""

    owner_id: uuid.UUID
    town: str = "Austin"
    n: int = 0
    id: uuid.UUID = field(default_factory=uuid.uuid4)
    version: int = 1
    status: str = "available"
    price: int = 400_000
    title: str = ""

    def snapshot(self) -> dict[str, Any]:
        state, latitude, longitude = TOWNS[self.town]
        return {
            "id": str(self.id),
            "owner_id": str(self.owner_id),
            "title": self.title or f"{self.town} home {self.n}",
            "description": f"A bright {2 + self.n % 3} bedroom house in {self.town}.",
            "price": str(self.price + self.n * 5_000),
            "currency": "USD",
            "type": "house",
            "address": f"{10 + self.n} Main St, {self.town}, {state}",
            "zip_code": "00000",
            "no_of_bed_rooms": 2 + self.n % 3,
            "no_of_bath_rooms": 2,
            "no_of_toilets": 2,
            "latitude": latitude + self.n * 0.003,
            "longitude": longitude - self.n * 0.003,
            "status": self.status,
            "floor_area": str(120 + self.n * 5),
            "created_at": datetime.now(UTC).isoformat(),
            "updated_at": datetime.now(UTC).isoformat(),
            "version": self.version,
            "photos": [],
        }

    def created(self) -> Event:
        return event_of(
            "properties",
            "property.created",
            self.id,
            {"version": self.version, "property": self.snapshot()},
        )

    def updated(self, **changes: Any) -> Event:
        for name, value in changes.items():
            setattr(self, name, value)
        self.version += 1
        return event_of(
            "properties",
            "property.updated",
            self.id,
            {"version": self.version, "property": self.snapshot(), "changes": {}},
        )

    def deleted(self) -> Event:
        self.version += 1
        payload = {"version": self.version, "id": str(self.id), "owner_id": str(self.owner_id)}
        return event_of("properties", "property.deleted", self.id, payload)


def favorited(home: Home, user_id: uuid.UUID, *, added: bool = True) -> Event:
    payload = {
        "version": home.version,
        "property_id": str(home.id),
        "user_id": str(user_id),
        "at": datetime.now(UTC).isoformat(),
    }
    kind = "property.favorited" if added else "property.unfavorited"
    return event_of("properties", kind, home.id, payload)


@dataclass
class RecsWorld:
    settings: Settings
    signer: TokenSigner
    client: GraphQLClient
    app: Starlette
    producers: dict[str, AsyncEngine]
    relays: dict[str, EventRuntime]

    @property
    def services(self) -> RecommendationsServices:
        services: RecommendationsServices = self.app.state.services
        return services

    @property
    def engine(self) -> AsyncEngine:
        engine: AsyncEngine = self.app.state.engine
        return engine

    def persona(self, role: Role = Role.BUYER) -> Persona:
        return persona(self.signer, role)

    async def publish(self, producer: str, *events: Event) -> None:
        """Write ``events`` to ``producer``'s outbox, then wait until recommendations has
        applied them."""
        async with transaction(session_factory(self.producers[producer])) as session:
            await record_events(session, list(events))
        await self.settle()

    async def settle(self) -> None:
        for relay in self.relays.values():
            await relay.wait_until_idle(timeout=30)
        runtime: EventRuntime = self.app.state.runtime
        await runtime.wait_until_idle(timeout=30)

    async def homes(self, owner: uuid.UUID, town: str, count: int, start: int = 0) -> list[Home]:
        homes = [Home(owner, town, n) for n in range(start, start + count)]
        await self.publish("properties", *(home.created() for home in homes))
        return homes

    async def train(self) -> str:
        record = await self.services.training.train()
        await self.services.model.refresh()
        return record.version
