"""Through the router: listings created without coordinates are located, Property.mapUrl
links to them, and searches, listing views, booking requests and sent messages reach GA4 (a
local Measurement Protocol)."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from common.analytics import ANONYMOUS_CLIENT_ID, client_id_of
from common.auth.viewer import Role, Viewer
from common.config import Settings
from common.demo import DEMO_USERS
from tests.e2e.test_bookings_through_the_router import BOOK, EVERY_DAY, OPEN, iso
from tests.e2e.test_readme import readme_operations
from tests.ops.processes import drop_stack_databases
from tests.ops.receivers import Received, Recorder, recording_server
from tests.support.graph import Graph, running_graph
from tests.support.listings import listing_input

SLOTS = """query($id: ID!, $from: DateTime!, $to: DateTime!) {
  property(id: $id) { availableSlots(from: $from, to: $to) { startsAt } } }"""
SEND = """mutation($input: SendMessageInput!) { sendMessage(input: $input) { id } }"""
CREATE = """mutation($input: CreatePropertyInput!) {
  createProperty(input: $input) { id latitude longitude mapUrl }
}"""


@pytest.fixture(scope="module")
async def ga_and_graph(settings: Settings) -> AsyncIterator[tuple[Recorder, Graph]]:
    async with recording_server() as (url, ga):
        with_ga = settings.model_copy(
            update={
                "ga_measurement_id": "G-E2E",
                "ga_api_secret": "e2e-secret",
                "ga_endpoint": f"{url}/mp/collect",
                "ga_flush_interval_seconds": 0.05,
            }
        )
        async with running_graph(with_ga, "ops") as graph:
            yield ga, graph
    await drop_stack_databases(settings, f"{settings.database_prefix}ops_")


@pytest.fixture
def graph(ga_and_graph: tuple[Recorder, Graph]) -> Graph:
    return ga_and_graph[1]


async def test_a_listing_without_coordinates_is_located_from_its_postcode(graph: Graph) -> None:
    seller = await graph.login("seller@realio.demo")
    values = listing_input()
    del values["latitude"], values["longitude"]
    created = (await graph.data(CREATE, {"input": values}, token=seller))["createProperty"]
    assert (round(created["latitude"], 2), round(created["longitude"], 2)) == (30.27, -97.74)
    assert created["mapUrl"] == (
        "https://www.google.com/maps/dir/?api=1&destination="
        f"{created['latitude']:.6f}%2C{created['longitude']:.6f}"
    )


async def test_the_readme_listing_without_coordinates_is_located(graph: Graph) -> None:
    seller = await graph.login("seller@realio.demo")
    created = (await graph.data(readme_operations()["ListWithoutCoordinates"], token=seller))[
        "createProperty"
    ]
    assert (round(created["latitude"], 2), round(created["longitude"], 2)) == (30.27, -97.74)
    assert created["mapUrl"].startswith("https://www.google.com/maps/dir/?api=1&destination=")


async def test_given_coordinates_are_kept(graph: Graph) -> None:
    seller = await graph.login("seller@realio.demo")
    values = listing_input(latitude=30.2569, longitude=-97.7791)
    created = (await graph.data(CREATE, {"input": values}, token=seller))["createProperty"]
    assert (created["latitude"], created["longitude"]) == (30.2569, -97.7791)


async def test_an_address_that_cannot_be_located_is_bad_input_naming_the_address(
    graph: Graph,
) -> None:
    seller = await graph.login("seller@realio.demo")
    values = listing_input(address="42 Nowhere Lane, Qqqxville", zipCode="00000")
    del values["latitude"], values["longitude"]
    error = await graph.error(CREATE, {"input": values}, token=seller)
    assert error["extensions"]["code"] == "BAD_USER_INPUT"
    assert error["extensions"]["field"] == "input.address"


async def test_one_coordinate_alone_is_bad_input_naming_the_other(graph: Graph) -> None:
    seller = await graph.login("seller@realio.demo")
    values = listing_input()
    del values["longitude"]
    error = await graph.error(CREATE, {"input": values}, token=seller)
    assert error["extensions"] == {"code": "BAD_USER_INPUT", "field": "input.longitude"}


def _has(name: str) -> Any:
    return lambda r: any(e["name"] == name for e in json.loads(r.body)["events"])


async def test_searches_and_listing_views_reach_google_analytics(
    ga_and_graph: tuple[Recorder, Graph],
) -> None:
    ga, graph = ga_and_graph
    seller = await graph.login("seller@realio.demo")
    created = await graph.data(CREATE, {"input": listing_input()}, token=seller)
    listing_id = created["createProperty"]["id"]
    await graph.data("query($id: ID!) { property(id: $id) { title } }", {"id": listing_id})
    await graph.data('{ search(filter: { text: "bungalow" }, first: 5) { totalCount } }')

    views: list[Received] = await ga.wait_for(_has("view_item"))
    searches: list[Received] = await ga.wait_for(_has("search"))

    assert views[0].query == {"measurement_id": "G-E2E", "api_secret": "e2e-secret"}
    viewed = [e for r in views for e in json.loads(r.body)["events"] if e["name"] == "view_item"]
    assert {"name": "view_item", "params": {"item_id": listing_id}} in viewed
    searched = [e for r in searches for e in json.loads(r.body)["events"] if e["name"] == "search"]
    assert {"name": "search", "params": {"search_term": "bungalow"}} in searched
    assert all(json.loads(r.body)["client_id"] == ANONYMOUS_CLIENT_ID for r in searches)


async def test_booking_requests_and_sent_messages_reach_google_analytics(
    ga_and_graph: tuple[Recorder, Graph],
) -> None:
    ga, graph = ga_and_graph
    seller = await graph.login("seller2@realio.demo")
    buyer = await graph.login("buyer2@realio.demo")
    buyer_id = next(u.id for u in DEMO_USERS if u.email == "buyer2@realio.demo")
    seller_id = next(u.id for u in DEMO_USERS if u.email == "seller2@realio.demo")
    listing_id = (await graph.data(CREATE, {"input": listing_input()}, token=seller))[
        "createProperty"
    ]["id"]
    await graph.settle()  # bookings knows the listing
    settings = {"weeklyHours": EVERY_DAY, "minimumNoticeMinutes": 0}
    await graph.data(OPEN, {"id": listing_id, "input": settings}, seller)
    now = datetime.now(UTC)
    start, end = iso(now + timedelta(hours=2)), iso(now + timedelta(days=2))
    window = {"id": listing_id, "from": start, "to": end}
    slot = (await graph.data(SLOTS, window))["property"]["availableSlots"][0]["startsAt"]
    await graph.data(BOOK, {"propertyId": listing_id, "startsAt": slot}, buyer)
    message = {"content": "South-facing?", "receiverId": str(seller_id), "propertyId": listing_id}
    await graph.data(SEND, {"input": message}, buyer)

    booked: list[Received] = await ga.wait_for(_has("booking_requested"))
    sent: list[Received] = await ga.wait_for(_has("message_sent"))

    buyer_client = client_id_of(Viewer(user_id=buyer_id, role=Role.BUYER))
    bookings = [
        (json.loads(r.body)["client_id"], e)
        for r in booked
        for e in json.loads(r.body)["events"]
        if e["name"] == "booking_requested"
    ]
    assert (
        buyer_client,
        {"name": "booking_requested", "params": {"item_id": listing_id, "status": "pending"}},
    ) in bookings
    messages = [
        (json.loads(r.body)["client_id"], e)
        for r in sent
        for e in json.loads(r.body)["events"]
        if e["name"] == "message_sent"
    ]
    assert (buyer_client, {"name": "message_sent", "params": {"item_id": listing_id}}) in messages
    assert str(buyer_id) not in json.dumps([r.body.decode() for r in booked + sent])
