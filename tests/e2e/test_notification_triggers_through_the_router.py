"""Each trigger's notification, read through the router with its entities resolved across
subgraphs: a favourite's price drop, a saved-search match, an unread message, a sign-in from a
new device, and an announcement to a role by an admin and by a service credential."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

from subgraphs.notifications.service import NotificationsServices
from tests.e2e.test_bookings_through_the_router import CREATE_PROPERTY
from tests.support.graph import SERVICE_TOKEN, Graph
from tests.support.listings import listing_input

MINE = """query($first: Int) { me { id unreadNotificationCount
  notifications(first: $first) { edges { node {
    id kind title propertyId savedSearchId conversationId
    property { id title price { amount } } } } } } }"""
FAVORITE = "mutation($id: ID!) { favoriteProperty(id: $id) { id } }"
UPDATE = """mutation($id: ID!, $input: UpdatePropertyInput!) {
  updateProperty(id: $id, input: $input) { id } }"""
SAVE_SEARCH = """mutation($name: String!, $filter: SearchFilterInput!) {
  saveSearch(name: $name, filter: $filter) { id } }"""
SEND_MESSAGE = """mutation($input: SendMessageInput!) { sendMessage(input: $input) {
  conversationId } }"""
TO_ROLE = """mutation($input: SendRoleNotificationInput!) {
  sendNotificationToRole(input: $input) }"""
LOGIN = """mutation($input: LoginInput!) { login(input: $input) { accessToken } }"""


async def mine(graph: Graph, token: str) -> list[dict[str, Any]]:
    data = await graph.data(MINE, {"first": 50}, token)
    return [e["node"] for e in data["me"]["notifications"]["edges"]]


def services(graph: Graph) -> NotificationsServices:
    found: NotificationsServices = graph.apps["notifications"].state.services
    return found


async def test_a_favourites_price_drop_and_a_saved_search_match_reach_the_buyer(
    graph: Graph,
) -> None:
    seller = await graph.login("seller@realio.demo")
    buyer = await graph.login("buyer@realio.demo")
    word = f"t{uuid.uuid4().hex[:10]}"
    saved = await graph.data(SAVE_SEARCH, {"name": "Triggers", "filter": {"text": word}}, buyer)
    created = await graph.data(
        CREATE_PROPERTY, {"input": listing_input(title=f"Trigger {word} house")}, seller
    )
    property_id = created["createProperty"]["id"]
    await graph.settle()
    await graph.data(FAVORITE, {"id": property_id}, buyer)
    await graph.settle()
    await graph.data(UPDATE, {"id": property_id, "input": {"price": "499000"}}, seller)
    await graph.settle()

    about = [n for n in await mine(graph, buyer) if n["propertyId"] == property_id]
    by_kind = {n["kind"]: n for n in about}
    assert set(by_kind) == {"FAVORITE_PRICE_DROP", "SAVED_SEARCH_MATCH"}
    drop = by_kind["FAVORITE_PRICE_DROP"]
    assert drop["property"] == {
        "id": property_id,
        "title": f"Trigger {word} house",
        "price": {"amount": "499000.00"},
    }
    # The match of the new listing (the drop matched the saved search too: two matches).
    matches = [n for n in about if n["kind"] == "SAVED_SEARCH_MATCH"]
    assert {n["savedSearchId"] for n in matches} == {saved["saveSearch"]["id"]}


async def test_an_unread_message_past_the_delay_reaches_its_receiver(graph: Graph) -> None:
    buyer = await graph.login("buyer@realio.demo")
    agent = await graph.login("agent@realio.demo")
    agent_id = (await graph.data("{ me { id } }", None, agent))["me"]["id"]
    sent = await graph.data(
        SEND_MESSAGE, {"input": {"content": "Still there?", "receiverId": agent_id}}, buyer
    )
    conversation_id = sent["sendMessage"]["conversationId"]
    await graph.settle()
    await services(graph).message_alerts.run_due(datetime.now(UTC) + timedelta(minutes=3))
    told = [n for n in await mine(graph, agent) if n["conversationId"] == conversation_id]
    assert [n["kind"] for n in told] == ["MESSAGE_UNREAD"]


async def test_a_sign_in_from_a_new_device_is_reported(graph: Graph) -> None:
    await graph.login("agent2@realio.demo")  # a device it has used
    device = f"E2E phone {uuid.uuid4().hex[:6]}"
    signed = await graph.data(
        LOGIN,
        {
            "input": {
                "email": "agent2@realio.demo",
                "password": "demo-agent-pass-2024",
                "deviceInfo": device,
            }
        },
    )
    await graph.settle()
    token = signed["login"]["accessToken"]
    alerts = [n for n in await mine(graph, token) if n["kind"] == "NEW_SIGN_IN"]
    assert alerts
    bodies = await graph.data(
        "{ me { notifications(first: 50) { edges { node { kind body } } } } }", None, token
    )
    said = [
        e["node"]["body"]
        for e in bodies["me"]["notifications"]["edges"]
        if e["node"]["kind"] == "NEW_SIGN_IN"
    ]
    assert sum(device in body for body in said) == 1


async def test_an_admin_and_a_service_announce_to_every_agent(graph: Graph) -> None:
    admin = await graph.login("admin@realio.demo")
    agent = await graph.login("agent2@realio.demo")
    buyer = await graph.login("buyer2@realio.demo")
    title = f"Agents {uuid.uuid4().hex[:6]}"
    variables = {"input": {"role": "AGENT", "title": title, "body": "Meeting at 10."}}
    await graph.settle()  # users' events of the demo accounts are in the projection
    by_admin = await graph.data(TO_ROLE, variables, admin)
    assert by_admin["sendNotificationToRole"] >= 2  # agent@ and agent2@, at least
    by_service = await graph.data(TO_ROLE, variables, SERVICE_TOKEN)
    assert by_service["sendNotificationToRole"] == by_admin["sendNotificationToRole"]
    assert [n["kind"] for n in await mine(graph, agent) if n["title"] == title] == [
        "ANNOUNCEMENT",
        "ANNOUNCEMENT",
    ]
    assert [n for n in await mine(graph, buyer) if n["title"] == title] == []
    refused = await graph.call(TO_ROLE, variables, buyer)
    assert refused["errors"][0]["extensions"]["code"] == "FORBIDDEN"
