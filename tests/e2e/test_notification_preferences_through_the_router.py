"""Notification preferences, push devices and the unsubscribe link through the real router."""

from __future__ import annotations

import uuid

import httpx

from subgraphs.notifications.records import Kind
from tests.support.graph import Graph

ME = """{ me { id notificationPreferences { timeZone quietHours { start end } savedSearchDigest
  channels { kind channel enabled } } } }"""
PREFERENCES = """query($userId: ID) { notificationPreferences(userId: $userId) {
  userId timeZone quietHours { start end } } }"""
UPDATE = """mutation($input: UpdateNotificationPreferencesInput!) {
  updateNotificationPreferences(input: $input) {
    timeZone quietHours { start end } savedSearchDigest
    channels { kind channel enabled } } }"""
REGISTER = """mutation($token: String!) {
  registerPushDevice(token: $token, platform: ANDROID) { token platform } }"""
UNREGISTER = "mutation($token: String!) { unregisterPushDevice(token: $token) }"


def setting(prefs: dict[str, object], kind: str, channel: str) -> bool:
    channels = prefs["channels"]
    assert isinstance(channels, list)
    [found] = [c for c in channels if (c["kind"], c["channel"]) == (kind, channel)]
    return bool(found["enabled"])


async def test_a_user_reads_and_changes_their_preferences_through_the_router(
    graph: Graph,
) -> None:
    buyer = await graph.login("agent2@realio.demo")
    updated = await graph.data(
        UPDATE,
        {
            "input": {
                "timeZone": "Europe/Lisbon",
                "quietHours": {"start": "23:00", "end": "07:30"},
                "savedSearchDigest": True,
                "channels": [{"kind": "BOOKING_REMINDER", "channel": "SMS", "enabled": True}],
            }
        },
        buyer,
    )
    prefs = updated["updateNotificationPreferences"]
    assert (prefs["timeZone"], prefs["quietHours"]) == (
        "Europe/Lisbon",
        {"start": "23:00", "end": "07:30"},
    )
    me = (await graph.data(ME, None, buyer))["me"]
    assert me["notificationPreferences"]["timeZone"] == "Europe/Lisbon"
    assert me["notificationPreferences"]["savedSearchDigest"] is True
    assert setting(me["notificationPreferences"], "BOOKING_REMINDER", "SMS") is True
    assert setting(me["notificationPreferences"], "BOOKING_REMINDER", "EMAIL") is True
    # Back to the defaults, for the other tests sharing the demo users.
    restored = await graph.data(
        UPDATE,
        {
            "input": {
                "timeZone": None,
                "quietHours": None,
                "savedSearchDigest": False,
                "channels": [{"kind": "BOOKING_REMINDER", "channel": "SMS", "enabled": False}],
            }
        },
        buyer,
    )
    assert restored["updateNotificationPreferences"]["quietHours"] is None


async def test_bad_preferences_and_other_users_are_refused_through_the_router(
    graph: Graph,
) -> None:
    buyer = await graph.login("agent2@realio.demo")
    seller = await graph.login("seller2@realio.demo")
    seller_id = (await graph.data("{ me { id } }", None, seller))["me"]["id"]

    body = await graph.call(UPDATE, {"input": {"timeZone": "Atlantis/Capital"}}, buyer)
    [error] = body["errors"]
    assert error["extensions"]["code"] == "BAD_USER_INPUT"
    assert error["extensions"]["field"] == "input.timeZone"
    body = await graph.call(
        UPDATE,
        {"input": {"channels": [{"kind": "NOPE", "channel": "EMAIL", "enabled": True}]}},
        buyer,
    )
    assert body["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT"
    body = await graph.call(PREFERENCES, {"userId": seller_id}, buyer)
    assert body["errors"][0]["extensions"]["code"] == "NOT_FOUND"


async def test_push_devices_register_and_unregister_through_the_router(graph: Graph) -> None:
    buyer = await graph.login("agent2@realio.demo")
    token = f"e2e-device-{uuid.uuid4().hex}"
    registered = await graph.data(REGISTER, {"token": token}, buyer)
    assert registered["registerPushDevice"] == {"token": token, "platform": "ANDROID"}
    assert (await graph.data(UNREGISTER, {"token": token}, buyer)) == {"unregisterPushDevice": True}
    assert (await graph.data(UNREGISTER, {"token": token}, buyer)) == {
        "unregisterPushDevice": False
    }


async def test_the_unsubscribe_link_works_through_the_routers_links_without_signing_in(
    graph: Graph,
) -> None:
    seller = await graph.login("seller2@realio.demo")
    seller_id = uuid.UUID((await graph.data("{ me { id } }", None, seller))["me"]["id"])
    links = graph.apps["notifications"].state.services.unsubscribe.links
    token = links.token(seller_id, Kind.ANNOUNCEMENT)
    url = f"{graph.base_url}/links/notifications/unsubscribe/{token}"
    assert links.url(seller_id, Kind.ANNOUNCEMENT).endswith(url.split("/links", 1)[1])

    async with httpx.AsyncClient() as browser:
        page = await browser.get(url)
        assert page.status_code == 200 and "Stop announcement emails?" in page.text
        done = await browser.post(url, data={"List-Unsubscribe": "One-Click"})
        assert done.status_code == 200 and "You are unsubscribed" in done.text
        # Nothing but plain link paths reaches the subgraph (dot segments, even encoded).
        for bad in ("%2e%2e/graphql", "unsubscribe/%2e%2e/%2e%2e/graphql", "%2E%2E%2Fgraphql"):
            sneaky = await browser.get(f"{graph.base_url}/links/notifications/{bad}")
            assert sneaky.status_code == 404
        assert (
            await browser.get(f"{graph.base_url}/links/nosuch/unsubscribe/x")
        ).status_code == 404

    me = (await graph.data(ME, None, seller))["me"]
    assert setting(me["notificationPreferences"], "ANNOUNCEMENT", "EMAIL") is False
    assert setting(me["notificationPreferences"], "BOOKING_CONFIRMED", "EMAIL") is True
    await graph.data(
        UPDATE,
        {"input": {"channels": [{"kind": "ANNOUNCEMENT", "channel": "EMAIL", "enabled": True}]}},
        seller,
    )
