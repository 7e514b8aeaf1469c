"""Notifications delivered on every channel, end to end through the router: each trigger's
event, from the real producer, becomes a stored notification and an email at a real SMTP
server on loopback; a booking request also goes out by SMS (Twilio's API) and push (FCM HTTP
v1) to local servers speaking those APIs; the email's one-click unsubscribe link, followed
through the router's /links, stops the next one.

This graph has its own databases and channels (the shared e2e graph logs mail to the console).
Its dispatcher loop is off: each test runs a pass after ``settle`` (every event applied), so
what was queued is sent before the assertions, without waiting on a timer.
"""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from email.message import Message
from typing import Any

import httpx
import pytest

from common.config import Settings
from common.demo import DEMO_USERS
from subgraphs.notifications.service import NotificationsServices
from tests.e2e.test_bookings_through_the_router import (
    BOOK,
    CONFIRM,
    CREATE_PROPERTY,
    EVERY_DAY,
    OPEN,
    RESCHEDULE,
    iso,
)
from tests.integration.notifications.delivery.world import bodies
from tests.integration.users.client import OTP_PATTERN, REGISTER, VERIFY, unique_email
from tests.support.graph import Graph, running_graph
from tests.support.listings import listing_input
from tests.support.providers import Providers
from tests.support.servers import SmtpSink, serve_asgi, smtp_server

# The module's fixture starts a second whole graph; on a loaded machine that alone can take
# most of the default 120 s.
pytestmark = pytest.mark.timeout(600)

SLOTS = """query($id: ID!, $from: DateTime!, $to: DateTime!) {
  property(id: $id) { availableSlots(from: $from, to: $to) { startsAt } } }"""
LATEST = """{ me { notifications(first: 1) { edges { node {
  id kind title deliveries { channel status attempts lastError } } } } } }"""
PREFERENCES = """{ me { notificationPreferences { channels { kind channel enabled } } } }"""
UPDATE_PREFERENCES = """mutation($input: UpdateNotificationPreferencesInput!) {
  updateNotificationPreferences(input: $input) { timeZone } }"""
REGISTER_DEVICE = """mutation($token: String!) {
  registerPushDevice(token: $token, platform: ANDROID) { token } }"""
FAVORITE = "mutation($id: ID!) { favoriteProperty(id: $id) { id } }"
UPDATE = """mutation($id: ID!, $input: UpdatePropertyInput!) {
  updateProperty(id: $id, input: $input) { id } }"""
SAVE_SEARCH = """mutation($name: String!, $filter: SearchFilterInput!) {
  saveSearch(name: $name, filter: $filter) { id } }"""
SEND_MESSAGE = """mutation($input: SendMessageInput!) { sendMessage(input: $input) {
  conversationId } }"""
ANNOUNCE = """mutation($input: SendNotificationInput!) { sendNotification(input: $input) { id } }"""
LOGIN = """mutation($input: LoginInput!) { login(input: $input) { accessToken } }"""


class Channels:
    def __init__(self, graph: Graph, sink: SmtpSink, providers: Providers) -> None:
        self.graph = graph
        self.sink = sink
        self.providers = providers

    @property
    def services(self) -> NotificationsServices:
        services: NotificationsServices = self.graph.apps["notifications"].state.services
        return services

    async def deliver(self) -> None:
        """Every event applied, then one dispatcher pass: what was queued is sent."""
        await self.graph.settle()
        await self.services.dispatcher.run_once()

    def count(self, to: str, subject: str) -> int:
        return sum(1 for m in self.sink.messages if m["To"] == to and m["Subject"] == subject)

    async def another(self, to: str, subject: str, before: int) -> Message:
        """The next email to ``to`` with ``subject`` after ``before`` such (waits, bounded)."""
        found = await self.sink.wait_for(to, count=before + 1, timeout=30, subject=subject)
        return found[-1]

    async def mail(self, to: str, subject: str) -> Message:
        """The one email to ``to`` with ``subject`` (waits for it, bounded)."""
        found = await self.sink.wait_for(to, timeout=30)
        matching = [m for m in found if m["Subject"] == subject]
        assert len(matching) == 1, [m["Subject"] for m in found]
        return matching[0]


@pytest.fixture(scope="module")
async def channels(
    settings: Settings, tmp_path_factory: pytest.TempPathFactory
) -> AsyncIterator[Channels]:
    providers = Providers()
    async with serve_asgi(providers.app()) as providers_url, smtp_server() as (smtp_url, sink):
        providers.base_url = providers_url
        configured = settings.model_copy(
            update={
                "smtp_url": smtp_url,
                **providers.channel_settings(tmp_path_factory.mktemp("fcm")),
                "notifications_dispatch_interval_seconds": 0,
                "notifications_digest_interval_seconds": 0,
                "register_rate_limit": 1000,
                "login_rate_limit": 1000,
            }
        )
        async with running_graph(configured, "e2ech") as graph:
            yield Channels(graph, sink, providers)


def phone_of(email: str) -> str:
    return next(u.phone for u in DEMO_USERS if u.email == email)


async def book_first_free_slot(graph: Graph, property_id: str, buyer: str) -> str:
    now = datetime.now(UTC)
    window = {"id": property_id, "from": iso(now), "to": iso(now + timedelta(days=2))}
    slots = await graph.data(SLOTS, window, buyer)
    for slot in slots["property"]["availableSlots"]:
        body = await graph.call(
            BOOK, {"propertyId": property_id, "startsAt": slot["startsAt"]}, buyer
        )
        if not body.get("errors"):
            booking_id: str = body["data"]["createBooking"]["id"]
            return booking_id
        assert body["errors"][0]["extensions"]["code"] == "CONFLICT", body
    raise AssertionError("no free slot")


async def open_listing(graph: Graph, seller: str, title: str, price: str = "500000") -> str:
    created = await graph.data(
        CREATE_PROPERTY, {"input": listing_input(title=title, price=price)}, seller
    )
    property_id: str = created["createProperty"]["id"]
    await graph.settle()
    settings = {"weeklyHours": EVERY_DAY, "minimumNoticeMinutes": 0}
    await graph.data(OPEN, {"id": property_id, "input": settings}, seller)
    return property_id


def deliveries(latest: dict[str, Any]) -> dict[str, tuple[str, int, str | None]]:
    [edge] = latest["me"]["notifications"]["edges"]
    return {
        d["channel"]: (d["status"], d["attempts"], d["lastError"])
        for d in edge["node"]["deliveries"]
    }


async def test_a_booking_request_reaches_the_owner_by_email_sms_and_push_and_unsubscribes(
    channels: Channels,
) -> None:
    graph = channels.graph
    seller = await graph.login("seller@realio.demo")
    buyer = await graph.login("buyer@realio.demo")
    device = f"fcm-{uuid.uuid4().hex}"
    await graph.data(REGISTER_DEVICE, {"token": device}, seller)
    sms_on = [{"kind": "BOOKING_REQUESTED", "channel": "SMS", "enabled": True}]
    await graph.data(UPDATE_PREFERENCES, {"input": {"channels": sms_on}}, seller)
    word = uuid.uuid4().hex[:8]
    property_id = await open_listing(graph, seller, f"Channels {word} house")

    await book_first_free_slot(graph, property_id, buyer)
    await channels.deliver()

    mail = await channels.mail("seller@realio.demo", "New viewing request")
    parts = bodies(mail)
    assert "A buyer asked to view" in parts["text/plain"]
    assert "A buyer asked to view" in parts["text/html"]
    [sms] = [m for m in channels.providers.sms if m["to"] == phone_of("seller@realio.demo")]
    assert sms["body"].startswith("Realio: New viewing request.")
    [push] = [p for p in channels.providers.pushes if p["token"] == device]
    assert push["notification"]["title"] == "New viewing request"
    latest = await graph.data(LATEST, None, seller)
    assert deliveries(latest) == {
        "IN_APP": ("DELIVERED", 1, None),
        "EMAIL": ("DELIVERED", 1, None),
        "SMS": ("DELIVERED", 1, None),
        "PUSH": ("DELIVERED", 1, None),
    }

    # The email's one-click link, through the router's /links, without signing in.
    link = mail["List-Unsubscribe"].strip("<>")
    path = link.split("/links/", 1)[1]
    async with httpx.AsyncClient(trust_env=False) as client:
        done = await client.post(
            f"{graph.base_url}/links/{path}", data={"List-Unsubscribe": "One-Click"}
        )
    assert done.status_code == 200 and "You are unsubscribed" in done.text
    prefs = (await graph.data(PREFERENCES, None, seller))["me"]["notificationPreferences"]
    [email_setting] = [
        c["enabled"]
        for c in prefs["channels"]
        if (c["kind"], c["channel"]) == ("BOOKING_REQUESTED", "EMAIL")
    ]
    assert email_setting is False

    await book_first_free_slot(graph, property_id, await graph.login("buyer2@realio.demo"))
    await channels.deliver()
    latest = await graph.data(LATEST, None, seller)
    assert deliveries(latest)["EMAIL"] == ("SKIPPED", 0, "turned off in preferences")
    assert len(await channels.sink.wait_for("seller@realio.demo")) == 1  # no second email
    await graph.data(
        UPDATE_PREFERENCES,
        {
            "input": {
                "channels": [
                    {"kind": "BOOKING_REQUESTED", "channel": "EMAIL", "enabled": True},
                    {"kind": "BOOKING_REQUESTED", "channel": "SMS", "enabled": False},
                ]
            }
        },
        seller,
    )


async def test_each_trigger_emails_its_recipient(channels: Channels) -> None:
    graph = channels.graph
    seller = await graph.login("seller2@realio.demo")
    buyer = await graph.login("buyer2@realio.demo")
    admin = await graph.login("admin@realio.demo")
    word = f"w{uuid.uuid4().hex[:10]}"

    # search: a saved search matched by a new listing.
    await graph.data(SAVE_SEARCH, {"name": "Mail me", "filter": {"text": word}}, buyer)
    property_id = await open_listing(graph, seller, f"Trigger {word} flat")
    await channels.deliver()
    match = await channels.mail("buyer2@realio.demo", "New listing for your saved search")
    assert "A new listing matches your search." in bodies(match)["text/plain"]

    # properties: a favourite's price dropped.
    await graph.data(FAVORITE, {"id": property_id}, buyer)
    await graph.settle()
    await graph.data(UPDATE, {"id": property_id, "input": {"price": "450000"}}, seller)
    await channels.deliver()
    drop = await channels.mail("buyer2@realio.demo", f"Price drop: Trigger {word} flat")
    assert "450000" in bodies(drop)["text/plain"]

    # bookings: requested → the owner; confirmed → the buyer.
    booking_id = await book_first_free_slot(graph, property_id, buyer)
    await channels.deliver()
    await channels.mail("seller2@realio.demo", "New viewing request")
    await graph.data(CONFIRM, {"id": booking_id}, seller)
    await channels.deliver()
    await channels.mail("buyer2@realio.demo", "Viewing confirmed")

    # messaging: a message left unread past the delay.
    agent = await graph.login("agent2@realio.demo")
    agent_id = (await graph.data("{ me { id } }", None, agent))["me"]["id"]
    await graph.data(SEND_MESSAGE, {"input": {"content": "Hi?", "receiverId": agent_id}}, buyer)
    await graph.settle()
    await channels.services.message_alerts.run_due(datetime.now(UTC) + timedelta(minutes=3))
    await channels.deliver()
    await channels.mail("agent2@realio.demo", "New message")

    # users: a sign-in from a new device.
    device = f"E2E tablet {uuid.uuid4().hex[:6]}"
    login = {
        "email": "agent2@realio.demo",
        "password": "demo-agent-pass-2024",
        "deviceInfo": device,
    }
    await graph.data(LOGIN, {"input": login})
    await channels.deliver()
    signed = await channels.mail("agent2@realio.demo", "New sign-in to your account")
    assert device in bodies(signed)["text/plain"]

    # an announcement by an admin.
    title = f"Maintenance {word}"
    await graph.data(
        ANNOUNCE, {"input": {"userId": agent_id, "title": title, "body": "Tonight."}}, admin
    )
    await channels.deliver()
    await channels.mail("agent2@realio.demo", title)


async def test_a_new_user_is_welcomed_by_email_once_verified(channels: Channels) -> None:
    graph = channels.graph
    email = unique_email("welcome")
    variables = {
        "input": {
            "name": "Wendy Welcome",
            "email": email,
            "password": "correct horse battery",
            "role": "BUYER",
            "phone": "+14155550177",
        }
    }
    await graph.data(REGISTER, variables)
    [code_mail] = await channels.sink.wait_for(email, timeout=30)
    code = OTP_PATTERN.search(bodies(code_mail)["text/plain"])
    assert code is not None
    await graph.data(VERIFY, {"email": email, "code": code.group(1)})
    await channels.deliver()
    welcome = await channels.mail(email, "Welcome to Realio, Wendy Welcome!")
    assert "Your email is verified" in bodies(welcome)["text/plain"]


DECLINE = 'mutation($id: ID!) { declineBooking(id: $id, reason: "Under offer") { id } }'
CANCEL = 'mutation($id: ID!) { cancelBooking(id: $id, reason: "Plans changed") { id } }'


async def test_each_booking_event_emails_the_other_party(channels: Channels) -> None:
    graph = channels.graph
    owner_email, buyer_email = "seller@realio.demo", "buyer2@realio.demo"
    owner = await graph.login(owner_email)
    buyer = await graph.login(buyer_email)
    property_id = await open_listing(graph, owner, f"Lifecycle {uuid.uuid4().hex[:8]} barn")
    now = datetime.now(UTC)
    window = {"id": property_id, "from": iso(now), "to": iso(now + timedelta(days=2))}
    # Slots at least two hours ahead: a reminder is due before each.
    soon = now + timedelta(hours=2)
    free = [
        s["startsAt"]
        for s in (await graph.data(SLOTS, window, buyer))["property"]["availableSlots"]
        if datetime.fromisoformat(s["startsAt"].replace("Z", "+00:00")) > soon
    ]

    async def book(at: str) -> str:
        made = await graph.data(BOOK, {"propertyId": property_id, "startsAt": at}, buyer)
        booking_id: str = made["createBooking"]["id"]
        return booking_id

    async def expect(to: str, subject: str, action: Any) -> Message:
        before = channels.count(to, subject)
        await action
        await channels.deliver()
        return await channels.another(to, subject, before)

    declined = await book(free[0])
    await channels.deliver()
    mail = await expect(
        buyer_email, "Viewing declined", graph.data(DECLINE, {"id": declined}, owner)
    )
    assert "Under offer" in bodies(mail)["text/plain"]

    moved = await book(free[1])
    await expect(
        owner_email,
        "Viewing rescheduled",
        graph.data(RESCHEDULE, {"id": moved, "startsAt": free[2]}, buyer),
    )
    await graph.data(CONFIRM, {"id": moved}, owner)
    starts = datetime.fromisoformat(free[2].replace("Z", "+00:00"))
    bookings_schedule = graph.apps["bookings"].state.services.schedule
    before = {to: channels.count(to, "Viewing reminder") for to in (owner_email, buyer_email)}
    await bookings_schedule.run_due(starts - timedelta(minutes=30))
    await channels.deliver()
    for to, count in before.items():
        reminder = await channels.another(to, "Viewing reminder", count)
        assert "in 1 hour" in bodies(reminder)["text/plain"]

    mail = await expect(buyer_email, "Viewing cancelled", graph.data(CANCEL, {"id": moved}, owner))
    assert "Plans changed" in bodies(mail)["text/plain"]
