"""Federation entities resolve in one SQL statement per ``_entities`` request; every booking
event carries both parties' ids and the property id; the subgraph serves its probes."""

from __future__ import annotations

from sqlalchemy import select

from common.auth.viewer import Role
from subgraphs.bookings.models import outbox
from tests.integration.bookings.world import (
    CANCEL,
    CONFIRM,
    DECLINE,
    RESCHEDULE,
    SET_SETTINGS,
    World,
)
from tests.support.statements import count_statements

ENTITIES = """query($reps: [_Any!]!) {
  _entities(representations: $reps) {
    ... on Booking { id status property { id } buyer { id } }
    ... on Property { viewingSettings { timeZone slotMinutes } }
  }
}"""


async def test_entities_of_many_bookings_and_properties_take_one_statement_per_type(
    world: World,
) -> None:
    seller, buyer = world.persona(Role.SELLER), world.persona(Role.BUYER)
    properties = [await world.open_listing(seller) for _ in range(3)]
    slots = [s["startsAt"] for s in await world.slots(properties[0])]
    made = [await world.book(buyer, properties[i], slots[i * 3]) for i in range(3)]
    reps = [{"__typename": "Booking", "id": b["id"]} for b in made] + [
        {"__typename": "Property", "id": p} for p in properties
    ]

    with count_statements(world.engine) as statements:
        data = await world.bookings.data(ENTITIES, {"reps": reps}, buyer.token)

    bookings_part, properties_part = data["_entities"][:3], data["_entities"][3:]
    assert [b["id"] for b in bookings_part] == [b["id"] for b in made]
    assert all(b["buyer"]["id"] == str(buyer.id) for b in bookings_part)
    assert [p["viewingSettings"]["slotMinutes"] for p in properties_part] == [30, 30, 30]
    assert len(statements) == 2, statements


async def test_someone_elses_booking_resolves_to_null(world: World) -> None:
    seller, buyer, other = (world.persona(r) for r in (Role.SELLER, Role.BUYER, Role.BUYER))
    property_id = await world.open_listing(seller)
    booking = await world.book(buyer, property_id, (await world.slots(property_id))[0]["startsAt"])
    data = await world.bookings.data(
        ENTITIES, {"reps": [{"__typename": "Booking", "id": booking["id"]}]}, other.token
    )
    assert data["_entities"] == [None]


async def test_every_booking_event_names_the_booking_both_parties_and_the_property(
    world: World,
) -> None:
    seller, agent, buyer = (world.persona(r) for r in (Role.SELLER, Role.AGENT, Role.BUYER))
    property_id = await world.open_listing(seller)
    await world.bookings.data(
        SET_SETTINGS,
        {
            "id": property_id,
            "input": {
                "weeklyHours": [
                    {"weekday": d, "start": "00:00", "end": "23:55"}
                    for d in ("MONDAY", "TUESDAY", "WEDNESDAY", "THURSDAY", "FRIDAY")
                    + ("SATURDAY", "SUNDAY")
                ],
                "minimumNoticeMinutes": 0,
                "agentId": str(agent.id),
            },
        },
        seller.token,
    )
    slots = [s["startsAt"] for s in await world.slots(property_id)]
    first = await world.book(buyer, property_id, slots[0])
    await world.bookings.data(CONFIRM, {"id": first["id"]}, agent.token)
    await world.bookings.data(RESCHEDULE, {"id": first["id"], "startsAt": slots[2]}, buyer.token)
    await world.bookings.data(CANCEL, {"id": first["id"], "reason": "Busy"}, buyer.token)
    second = await world.book(buyer, property_id, slots[4])
    await world.bookings.data(DECLINE, {"id": second["id"], "reason": "Closed"}, seller.token)

    async with world.engine.connect() as conn:
        rows = (
            await conn.execute(
                select(outbox.c.type, outbox.c.topic, outbox.c.payload)
                .where(outbox.c.aggregate_id.in_([first["id"], second["id"]]))
                .order_by(outbox.c.seq)
            )
        ).all()
    assert [r.type for r in rows] == [
        "booking.requested",
        "booking.confirmed",
        "booking.rescheduled",
        "booking.cancelled",
        "booking.requested",
        "booking.declined",
    ]
    for row in rows:
        assert row.topic == "realio.bookings"
        assert row.payload["property_id"] == property_id
        assert row.payload["buyer_id"] == str(buyer.id)
        assert row.payload["owner_id"] == str(seller.id)
        assert row.payload["agent_id"] == str(agent.id)
        assert row.payload["booking_id"] in (first["id"], second["id"])
        assert row.payload["starts_at"]
    assert rows[2].payload["previous_starts_at"] == slots[0]
    assert rows[3].payload["reason"] == "Busy"
    assert rows[3].payload["cancelled_by"] == str(buyer.id)
    assert rows[5].payload["reason"] == "Closed"


async def test_the_subgraph_serves_health_readiness_and_metrics(world: World) -> None:
    http = world.bookings.http
    health = await http.get(f"{world.bookings.base_url}/health")
    assert health.json() == {"status": "ok", "subgraph": "bookings"}
    ready = await http.get(f"{world.bookings.base_url}/ready")
    assert ready.status_code == 200 and ready.json()["checks"] == {"database": True}
    metrics = await http.get(f"{world.bookings.base_url}/metrics")
    assert "realio_event_consumer_lag" in metrics.text or "realio_graphql" in metrics.text
