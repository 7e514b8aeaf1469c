"""Notifications through the router: a buyer books a viewing and the owner's
``notificationReceived`` subscription (graphql-transport-ws through the router) receives it;
``me.unreadNotificationCount`` counts it and ``markAllNotificationsRead`` clears it."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

from tests.e2e.test_bookings_through_the_router import BOOK, CREATE_PROPERTY, EVERY_DAY, OPEN, iso
from tests.integration.messaging.live_client import LiveSocket, live_socket
from tests.support.graph import Graph
from tests.support.listings import listing_input

RECEIVED = """subscription { notificationReceived {
  id kind title bookingId property { id title } booking { id status } } }"""
SLOTS = """query($id: ID!, $from: DateTime!, $to: DateTime!) {
  property(id: $id) { availableSlots(from: $from, to: $to) { startsAt } } }"""
ME = """{ me { id unreadNotificationCount
  notifications(first: 5) { edges { node { id kind readAt } } } } }"""
ANNOUNCE = """mutation($input: SendNotificationInput!) { sendNotification(input: $input) { id } }"""
MARK_ALL = "mutation { markAllNotificationsRead }"


async def _until_live(graph: Graph, socket: LiveSocket, admin: str, user_id: str) -> None:
    """Announce to the user until the subscription delivers one: it is listening."""
    for attempt in range(20):
        sent = await graph.data(
            ANNOUNCE,
            {"input": {"userId": user_id, "title": "Ping", "body": f"Are you there? {attempt}"}},
            admin,
        )
        try:
            message = await socket.receive("n", timeout=1)
        except TimeoutError:
            continue
        assert message["type"] == "next", message
        assert (
            message["payload"]["data"]["notificationReceived"]["id"]
            == sent["sendNotification"]["id"]
        )
        return
    raise AssertionError("the subscription never delivered a notification")


async def test_the_owner_is_notified_live_of_a_booking_and_clears_it(graph: Graph) -> None:
    seller = await graph.login("seller2@realio.demo")
    buyer = await graph.login("buyer2@realio.demo")
    admin = await graph.login("admin@realio.demo")
    word = f"n{uuid.uuid4().hex[:10]}"
    created = await graph.data(
        CREATE_PROPERTY, {"input": listing_input(title=f"Notified {word} loft")}, seller
    )
    property_id = created["createProperty"]["id"]
    await graph.settle()
    await graph.data(
        OPEN,
        {"id": property_id, "input": {"weeklyHours": EVERY_DAY, "minimumNoticeMinutes": 0}},
        seller,
    )
    seller_id = (await graph.data(ME, None, seller))["me"]["id"]

    async with live_socket(graph.base_url, seller) as live:
        await live.subscribe("n", RECEIVED)
        await _until_live(graph, live, admin, seller_id)
        await graph.data(MARK_ALL, None, seller)
        assert (await graph.data(ME, None, seller))["me"]["unreadNotificationCount"] == 0

        now = datetime.now(UTC)
        slots = await graph.data(
            SLOTS, {"id": property_id, "from": iso(now), "to": iso(now + timedelta(days=2))}, buyer
        )
        # The shared demo buyer may hold viewings from other tests: take the first slot free
        # for them too (a CONFLICT creates nothing, so no notification either).
        booking_id = None
        for slot in slots["property"]["availableSlots"]:
            variables = {"propertyId": property_id, "startsAt": slot["startsAt"]}
            body = await graph.call(BOOK, variables, buyer)
            if not body.get("errors"):
                booking_id = body["data"]["createBooking"]["id"]
                break
            assert body["errors"][0]["extensions"]["code"] == "CONFLICT", body
        assert booking_id is not None

        received = await live.next_data("n", "notificationReceived")
        assert received["kind"] == "BOOKING_REQUESTED"
        assert received["bookingId"] == booking_id
        assert received["booking"] == {"id": booking_id, "status": "PENDING"}
        assert received["property"] == {"id": property_id, "title": f"Notified {word} loft"}

    me = (await graph.data(ME, None, seller))["me"]
    assert me["unreadNotificationCount"] == 1
    assert me["notifications"]["edges"][0]["node"] == {
        "id": received["id"],
        "kind": "BOOKING_REQUESTED",
        "readAt": None,
    }
    assert (await graph.data(MARK_ALL, None, seller))["markAllNotificationsRead"] == 1
    assert (await graph.data(ME, None, seller))["me"]["unreadNotificationCount"] == 0
