"""The README's booking operations work against the real graph, as written."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from tests.e2e.test_readme import readme_operations
from tests.support.graph import Graph
from tests.support.listings import listing_input

OPEN = """mutation($id: ID!, $input: ViewingSettingsInput!) {
  setViewingSettings(propertyId: $id, input: $input) { timeZone } }"""


async def test_the_readme_property_viewings_query_and_book_viewing_mutation_run(
    graph: Graph,
) -> None:
    operations = readme_operations()
    agent = await graph.login("agent@realio.demo")
    buyer = await graph.login("buyer2@realio.demo")
    created = await graph.data(
        "mutation($input: CreatePropertyInput!) { createProperty(input: $input) { id } }",
        {"input": listing_input(title="Readme viewing house")},
        agent,
    )
    property_id = created["createProperty"]["id"]
    await graph.settle()
    hours = [
        {"weekday": d, "start": "00:00", "end": "23:55"}
        for d in ("MONDAY", "TUESDAY", "WEDNESDAY", "THURSDAY", "FRIDAY", "SATURDAY", "SUNDAY")
    ]
    await graph.data(
        OPEN, {"id": property_id, "input": {"weeklyHours": hours, "slotMinutes": 45}}, agent
    )
    now = datetime.now(UTC)
    window = {"from": now.isoformat(), "to": (now + timedelta(days=3)).isoformat()}

    viewings = await graph.data(operations["PropertyViewings"], {"id": property_id, **window})
    prop = viewings["property"]
    assert prop["title"] == "Readme viewing house"
    assert prop["viewingSettings"]["slotMinutes"] == 45
    first = prop["availableSlots"][0]
    assert first["localStartsAt"].endswith(("-05:00", "-06:00"))  # America/Chicago

    booked = await graph.data(
        operations["BookViewing"], {"propertyId": property_id, "startsAt": first["startsAt"]}, buyer
    )
    booking = booked["createBooking"]
    assert booking["status"] == "PENDING"
    assert booking["property"] == {"title": "Readme viewing house", "owner": {"name": "Alex Agent"}}
    assert booking["buyer"] == {"name": "Ben Buyer"}
    assert booking["calendarUrl"].endswith(".ics?token=" + booking["calendarUrl"].split("=")[-1])
    again = await graph.data(operations["PropertyViewings"], {"id": property_id, **window})
    assert first["startsAt"] not in [s["startsAt"] for s in again["property"]["availableSlots"]]
