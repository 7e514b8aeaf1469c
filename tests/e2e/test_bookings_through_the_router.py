"""A buyer's viewing through the router: found by search, free slots read, booked, confirmed
by the owner, rescheduled; the owner sees it on the property; property and buyer resolve from
their subgraphs in the same query."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

from tests.support.graph import Graph
from tests.support.listings import listing_input

CREATE_PROPERTY = "mutation($input: CreatePropertyInput!) { createProperty(input: $input) { id } }"
OPEN = """mutation($id: ID!, $input: ViewingSettingsInput!) {
  setViewingSettings(propertyId: $id, input: $input) { timeZone slotMinutes } }"""
FIND_WITH_SLOTS = """query($text: String!, $from: DateTime!, $to: DateTime!) {
  search(filter: { text: $text }, first: 5) {
    edges { node { id title availableSlots(from: $from, to: $to) { startsAt localStartsAt } } }
  }
}"""
BOOK = """mutation($propertyId: ID!, $startsAt: DateTime!, $key: String) {
  createBooking(propertyId: $propertyId, startsAt: $startsAt, idempotencyKey: $key) {
    id status } }"""
CONFIRM = "mutation($id: ID!) { confirmBooking(id: $id) { id status } }"
RESCHEDULE = """mutation($id: ID!, $startsAt: DateTime!) {
  rescheduleBooking(id: $id, startsAt: $startsAt) { id status startsAt } }"""
OWNER_VIEW = """query($id: ID!) {
  property(id: $id) {
    title
    viewingSettings { timeZone }
    bookings { totalCount edges { node { id status startsAt buyer { name } } } }
  }
}"""
BOOKING_ACROSS = """query($id: ID!) {
  booking(id: $id) {
    id status startsAt timeZone
    property { id title owner { name } }
    buyer { id name }
  }
}"""
MY_BOOKINGS = """{ me { name bookings(when: UPCOMING) { totalCount edges { node { id } } } } }"""
EVERY_DAY = [
    {"weekday": d, "start": "00:00", "end": "23:55"}
    for d in ("MONDAY", "TUESDAY", "WEDNESDAY", "THURSDAY", "FRIDAY", "SATURDAY", "SUNDAY")
]


def iso(value: datetime) -> str:
    return value.isoformat().replace("+00:00", "Z")


async def test_a_buyer_books_a_viewing_found_by_search_and_the_owner_confirms(
    graph: Graph,
) -> None:
    seller = await graph.login("seller@realio.demo")
    buyer = await graph.login("buyer@realio.demo")
    word = f"w{uuid.uuid4().hex[:10]}"
    created = await graph.data(
        CREATE_PROPERTY, {"input": listing_input(title=f"Viewable {word} cottage")}, seller
    )
    property_id = created["createProperty"]["id"]
    await graph.settle()
    opened = await graph.data(
        OPEN,
        {"id": property_id, "input": {"weeklyHours": EVERY_DAY, "minimumNoticeMinutes": 0}},
        seller,
    )
    assert opened["setViewingSettings"]["timeZone"] == "America/Chicago"

    now = datetime.now(UTC)
    found = await graph.data(
        FIND_WITH_SLOTS,
        {"text": word, "from": iso(now), "to": iso(now + timedelta(days=2))},
        buyer,
    )
    [node] = [e["node"] for e in found["search"]["edges"]]
    assert node["id"] == property_id
    slots = [s["startsAt"] for s in node["availableSlots"]]
    assert len(slots) > 10

    attempt = {"propertyId": property_id, "startsAt": slots[2], "key": f"k-{word}"}
    booked = await graph.data(BOOK, attempt, buyer)
    booking_id = booked["createBooking"]["id"]
    assert booked["createBooking"]["status"] == "PENDING"
    retried = await graph.data(BOOK, attempt, buyer)  # a client retrying after a timeout
    assert retried["createBooking"]["id"] == booking_id
    confirmed = await graph.data(CONFIRM, {"id": booking_id}, seller)
    assert confirmed["confirmBooking"]["status"] == "CONFIRMED"
    moved = await graph.data(RESCHEDULE, {"id": booking_id, "startsAt": slots[6]}, buyer)
    assert moved["rescheduleBooking"]["status"] == "PENDING"

    owner_view = await graph.data(OWNER_VIEW, {"id": property_id}, seller)
    assert owner_view["property"]["viewingSettings"]["timeZone"] == "America/Chicago"
    [edge] = owner_view["property"]["bookings"]["edges"]
    assert edge["node"]["id"] == booking_id
    assert edge["node"]["buyer"]["name"] == "Bea Buyer"

    across = await graph.data(BOOKING_ACROSS, {"id": booking_id}, buyer)
    assert across["booking"]["property"]["title"] == f"Viewable {word} cottage"
    assert across["booking"]["property"]["owner"]["name"] == "Sam Seller"
    assert across["booking"]["buyer"]["name"] == "Bea Buyer"

    mine = await graph.data(MY_BOOKINGS, token=buyer)
    assert booking_id in [e["node"]["id"] for e in mine["me"]["bookings"]["edges"]]


async def test_someone_elses_booking_and_property_bookings_are_refused_through_the_router(
    graph: Graph,
) -> None:
    seller = await graph.login("seller2@realio.demo")
    buyer = await graph.login("buyer2@realio.demo")
    other = await graph.login("agent2@realio.demo")
    created = await graph.data(CREATE_PROPERTY, {"input": listing_input()}, seller)
    property_id = created["createProperty"]["id"]
    await graph.settle()
    await graph.data(
        OPEN,
        {"id": property_id, "input": {"weeklyHours": EVERY_DAY, "minimumNoticeMinutes": 0}},
        seller,
    )
    now = datetime.now(UTC)
    slots_body = await graph.data(
        """query($id: ID!, $from: DateTime!, $to: DateTime!) {
          property(id: $id) { availableSlots(from: $from, to: $to) { startsAt } } }""",
        {"id": property_id, "from": iso(now), "to": iso(now + timedelta(days=1))},
    )
    start = slots_body["property"]["availableSlots"][0]["startsAt"]
    booked = await graph.data(BOOK, {"propertyId": property_id, "startsAt": start}, buyer)

    body = await graph.call(BOOKING_ACROSS, {"id": booked["createBooking"]["id"]}, other)
    assert body["errors"][0]["extensions"]["code"] == "NOT_FOUND"
    body = await graph.call(OWNER_VIEW, {"id": property_id}, other)
    assert body["errors"][0]["extensions"]["code"] == "FORBIDDEN"
    taken = await graph.call(BOOK, {"propertyId": property_id, "startsAt": start}, other)
    assert taken["errors"][0]["extensions"]["code"] == "CONFLICT"
