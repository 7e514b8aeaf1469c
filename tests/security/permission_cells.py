"""What each cell of the permission matrix sends, and the resources it acts on.

Resources belong to someone else (a fresh seller, the "owner"), created fresh for each cell by
``World``, so the matrix shows who may touch other people's things and destructive operations
never disturb another cell. Subscriptions are asked over graphql-transport-ws through the
router; public operations limited per client address are sent from an address of their own.
"""

from __future__ import annotations

import io
import itertools
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
from PIL import Image

from common.auth.viewer import Role
from tests.integration.messaging.live_client import live_socket
from tests.security.accounts import PASSWORD, Account, SignedIn, new_account, sign_in
from tests.support.graph import SERVICE_TOKEN, Graph
from tests.support.graphql import GraphQLClient
from tests.support.listings import listing_input

EVERY_DAY = [
    {"weekday": d, "start": "00:00", "end": "23:55"}
    for d in ("MONDAY", "TUESDAY", "WEDNESDAY", "THURSDAY", "FRIDAY", "SATURDAY", "SUNDAY")
]
OPEN = """mutation($id: ID!, $input: ViewingSettingsInput!) {
  setViewingSettings(propertyId: $id, input: $input) { slotMinutes } }"""
SLOTS = """query($id: ID!, $from: DateTime!, $to: DateTime!) {
  property(id: $id) { availableSlots(from: $from, to: $to) { startsAt } } }"""
BOOK = """mutation($p: ID!, $s: DateTime!) { createBooking(propertyId: $p, startsAt: $s) { id } }"""
SEND = """mutation($input: SendMessageInput!) {
  sendMessage(input: $input) { id conversationId cursor } }"""
NOTIFY = "mutation($input: SendNotificationInput!) { sendNotification(input: $input) { id } }"
UNKNOWN = str(uuid.UUID(int=7))
_addresses = itertools.count(1)


def png() -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (4, 4), (30, 144, 255)).save(buffer, format="PNG")
    return buffer.getvalue()


def iso(value: datetime) -> str:
    return value.isoformat().replace("+00:00", "Z")


def own_address() -> str:
    """A loopback address no other cell uses: per-address limits start afresh for it."""
    index = next(_addresses)
    return f"127.0.{100 + index // 250}.{1 + index % 250}"


@dataclass
class Cell:
    """What one caller sends: a query, its variables, for uploads a file, extra headers, the
    client address to send from; for a subscription, what makes it deliver an event."""

    query: str
    variables: dict[str, Any]
    file: tuple[str, bytes, str] | None = None
    headers: dict[str, str] | None = None
    local_address: str | None = None
    subscription: bool = False
    trigger: Callable[[], Awaitable[object]] | None = None


class World:
    """Creates the owner's resources a cell acts on, fresh for each cell."""

    def __init__(self, graph: Graph) -> None:
        self.graph = graph

    async def owner(self) -> SignedIn:
        return await sign_in(self.graph, await new_account(self.graph, Role.SELLER))

    async def listing(self, owner: SignedIn | None = None) -> str:
        owner = owner or await self.owner()
        created = await self.graph.data(
            "mutation($input: CreatePropertyInput!) { createProperty(input: $input) { id } }",
            {"input": listing_input()},
            owner.access_token,
        )
        listing_id: str = created["createProperty"]["id"]
        return listing_id

    async def saved_search(self) -> str:
        owner = await self.owner()
        saved = await self.graph.data(
            'mutation { saveSearch(name: "Mine", filter: {text: "garden"}) { id } }',
            token=owner.access_token,
        )
        saved_id: str = saved["saveSearch"]["id"]
        return saved_id

    async def open_listing(self) -> tuple[str, SignedIn]:
        """The owner's listing, open for viewings every day with no notice, known to bookings."""
        owner = await self.owner()
        listing = await self.listing(owner)
        await self.graph.settle()
        settings = {"weeklyHours": EVERY_DAY, "minimumNoticeMinutes": 0}
        await self.graph.data(OPEN, {"id": listing, "input": settings}, owner.access_token)
        return listing, owner

    async def free_slot(self, listing: str, index: int = 0) -> str:
        now = datetime.now(UTC)
        window = {
            "id": listing,
            "from": iso(now + timedelta(hours=2)),
            "to": iso(now + timedelta(days=2)),
        }
        slots = (await self.graph.data(SLOTS, window))["property"]["availableSlots"]
        slot: str = slots[index]["startsAt"]
        return slot

    async def booking(self) -> tuple[str, str]:
        """A pending booking of another buyer on the owner's listing, and that listing."""
        listing, _ = await self.open_listing()
        buyer = await sign_in(self.graph, await new_account(self.graph, Role.BUYER))
        slot = await self.free_slot(listing)
        booked = await self.graph.data(BOOK, {"p": listing, "s": slot}, buyer.access_token)
        booking_id: str = booked["createBooking"]["id"]
        return booking_id, listing

    async def conversation(self) -> dict[str, str]:
        """The owner's conversation with another user: its id and its message's id and cursor."""
        owner = await self.owner()
        other: Account = await new_account(self.graph, Role.BUYER)
        await self.graph.settle()  # messaging knows both from users' events
        sent = await self.graph.data(
            SEND, {"input": {"content": "private", "receiverId": other.id}}, owner.access_token
        )
        message: dict[str, str] = sent["sendMessage"]
        return message

    async def notification(self) -> str:
        """A notification for the owner (sent with the graph's service credential)."""
        owner = await self.owner()
        await self.graph.settle()
        sent = await self.graph.data(NOTIFY, notice(owner.account.id), SERVICE_TOKEN)
        notification_id: str = sent["sendNotification"]["id"]
        return notification_id


def notice(user_id: str) -> dict[str, Any]:
    return {"input": {"userId": user_id, "title": "Hello", "body": "A test notice"}}


Setup = Callable[[World, SignedIn | None], Awaitable[Cell]]


def fixed(query: str, variables: dict[str, Any] | None = None) -> Setup:
    async def setup(world: World, caller: SignedIn | None) -> Cell:
        return Cell(query, variables or {})

    return setup


def on_listing(query: str, **extra: Any) -> Setup:
    async def setup(world: World, caller: SignedIn | None) -> Cell:
        return Cell(query, {"id": await world.listing(), **extra})

    return setup


def on_listing_with_file(query: str) -> Setup:
    async def setup(world: World, caller: SignedIn | None) -> Cell:
        return Cell(query, {"id": await world.listing()}, ("a.png", png(), "image/png"))

    return setup


def on_booking(query: str, **extra: Any) -> Setup:
    """``query`` on another buyer's pending booking of the owner's listing (``$id``)."""

    async def setup(world: World, caller: SignedIn | None) -> Cell:
        booking, _ = await world.booking()
        return Cell(query, {"id": booking, **extra})

    return setup


def on_conversation(query: str, *, with_message: bool = False) -> Setup:
    """``query`` on the owner's conversation with someone else (``$id``; ``$message``)."""

    async def setup(world: World, caller: SignedIn | None) -> Cell:
        sent = await world.conversation()
        variables = {"id": sent["conversationId"]}
        if with_message:
            variables = {"id": sent["id"]}
        return Cell(query, variables)

    return setup


def on_owner(query: str, **extra: Any) -> Setup:
    """``query`` naming the owner (``$user``), known to every subgraph."""

    async def setup(world: World, caller: SignedIn | None) -> Cell:
        owner = await world.owner()
        await world.graph.settle()
        return Cell(query, {"user": owner.account.id, **extra})

    return setup


async def profile(world: World, caller: SignedIn | None) -> Cell:
    owner = await world.owner()
    return Cell("query($id: ID!) { profile(userId: $id) { id name } }", {"id": owner.account.id})


async def login(world: World, caller: SignedIn | None) -> Cell:
    account: Account = await new_account(world.graph)
    return Cell(
        "mutation($input: LoginInput!) { login(input: $input) { accessToken } }",
        {"input": {"email": account.email, "password": account.password}},
    )


async def refresh(world: World, caller: SignedIn | None) -> Cell:
    # The refresh token is the credential here: anyone holding one may use it.
    holder = caller or await world.owner()
    return Cell(
        "mutation($t: String!) { refreshToken(refreshToken: $t) { accessToken } }",
        {"t": holder.refresh_token},
    )


async def change_password(world: World, caller: SignedIn | None) -> Cell:
    return Cell(
        "mutation($c: String!, $n: String!) { changePassword(currentPassword: $c, "
        "newPassword: $n) { revokedSessionCount } }",
        {"c": PASSWORD, "n": "a brand new passphrase"},
    )


async def upload_avatar(world: World, caller: SignedIn | None) -> Cell:
    return Cell(
        "mutation($file: Upload!) { uploadAvatar(file: $file) { user { id } } }",
        {},
        ("a.png", png(), "image/png"),
    )


async def revoke_session(world: World, caller: SignedIn | None) -> Cell:
    owner = await world.owner()
    return Cell(
        "mutation($id: ID!) { revokeSession(sessionId: $id) { session { id } } }",
        {"id": owner.session_id},
    )


async def set_role(world: World, caller: SignedIn | None) -> Cell:
    owner = await world.owner()
    return Cell(
        "mutation($id: ID!) { setUserRole(userId: $id, role: AGENT) { user { role } } }",
        {"id": owner.account.id},
    )


async def register(world: World, caller: SignedIn | None) -> Cell:
    values = {
        "name": "New Person",
        "email": f"new-{uuid.uuid4().hex[:12]}@example.com",
        "password": "correct horse battery",
        "role": "BUYER",
    }
    return Cell(
        "mutation($input: RegisterInput!) { register(input: $input) { user { id } } }",
        {"input": values},
        local_address=own_address(),
    )


async def verify_user(world: World, caller: SignedIn | None) -> Cell:
    pending = await new_account(world.graph, verified=False, otp="246810")
    return Cell(
        "mutation($e: String!, $c: String!) { verifyUser(email: $e, code: $c) { user { id } } }",
        {"e": pending.email, "c": "246810"},
        local_address=own_address(),
    )


async def resend_otp(world: World, caller: SignedIn | None) -> Cell:
    pending = await new_account(world.graph, verified=False)
    return Cell(
        "mutation($e: String!) { resendOtp(email: $e) { email } }",
        {"e": pending.email},
        local_address=own_address(),
    )


async def delete_saved_search(world: World, caller: SignedIn | None) -> Cell:
    return Cell(
        "mutation($id: ID!) { deleteSavedSearch(id: $id) }", {"id": await world.saved_search()}
    )


async def create_booking(world: World, caller: SignedIn | None) -> Cell:
    listing, _ = await world.open_listing()
    return Cell(BOOK, {"p": listing, "s": await world.free_slot(listing)})


async def reschedule_booking(world: World, caller: SignedIn | None) -> Cell:
    booking, listing = await world.booking()
    return Cell(
        "mutation($id: ID!, $s: DateTime!) { rescheduleBooking(id: $id, startsAt: $s) { id } }",
        {"id": booking, "s": await world.free_slot(listing, 1)},
    )


async def set_viewing_settings(world: World, caller: SignedIn | None) -> Cell:
    listing, _ = await world.open_listing()
    return Cell(OPEN, {"id": listing, "input": {"weeklyHours": EVERY_DAY}})


async def send_message(world: World, caller: SignedIn | None) -> Cell:
    owner = await world.owner()
    await world.graph.settle()  # messaging knows the owner and the caller
    return Cell(
        SEND, {"input": {"content": "Is it still for sale?", "receiverId": owner.account.id}}
    )


async def mark_notification_read(world: World, caller: SignedIn | None) -> Cell:
    return Cell(
        "mutation($id: ID!) { markNotificationRead(id: $id) { id } }",
        {"id": await world.notification()},
    )


async def record_interaction(world: World, caller: SignedIn | None) -> Cell:
    listing = await world.listing()
    await world.graph.settle()  # recommendations knows the listing from its events
    return Cell(
        "mutation($id: ID!) { recordInteraction(propertyId: $id, kind: VIEW) { kind } }",
        {"id": listing},
    )


async def conversation_events(world: World, caller: SignedIn | None) -> Cell:
    sent = await world.conversation()
    return Cell(
        "subscription($id: ID!, $after: String) { conversationEvents(conversationId: $id, "
        "after: $after) { kind } }",
        {"id": sent["conversationId"], "after": None},
        subscription=True,
    )


async def inbox_events(world: World, caller: SignedIn | None) -> Cell:
    owner = await world.owner()
    await world.graph.settle()

    async def message_the_caller() -> object:
        assert caller is not None
        content = {"content": "Are you there?", "receiverId": caller.account.id}
        return await world.graph.call(SEND, {"input": content}, owner.access_token)

    return Cell(
        "subscription { inboxEvents { kind } }",
        {},
        subscription=True,
        trigger=message_the_caller if caller else None,
    )


async def notification_received(world: World, caller: SignedIn | None) -> Cell:
    await world.graph.settle()

    async def notify_the_caller() -> object:
        assert caller is not None
        return await world.graph.call(NOTIFY, notice(caller.account.id), SERVICE_TOKEN)

    return Cell(
        "subscription { notificationReceived { id } }",
        {},
        subscription=True,
        trigger=notify_the_caller if caller else None,
    )


def outcome(body: dict[str, Any]) -> str:
    errors = body.get("errors")
    if not errors:
        return "ok"
    return str(errors[0].get("extensions", {}).get("code"))


async def ask(graph: Graph, cell: Cell, token: str | None) -> str:
    """The outcome of ``cell`` for a caller holding ``token``: "ok" or the error's code."""
    if cell.subscription:
        return await _ask_subscription(graph, cell, token)
    if cell.file is not None:
        return outcome(await graph.upload(cell.query, cell.variables, cell.file, token))
    if cell.local_address is not None:
        transport = httpx.AsyncHTTPTransport(local_address=cell.local_address)
        async with httpx.AsyncClient(transport=transport, timeout=30, trust_env=False) as http:
            client = GraphQLClient(graph.base_url, http)
            return outcome(await client.call(cell.query, cell.variables, token))
    return outcome(await graph.call(cell.query, cell.variables, token, headers=cell.headers))


async def _ask_subscription(graph: Graph, cell: Cell, token: str | None) -> str:
    """Subscribe through the router; the first message decides: data is "ok", else its code.

    A refused subscription answers at once; an allowed one delivers once ``trigger`` makes an
    event (sent again until one arrives: the first may precede the subscription).
    """
    async with live_socket(graph.base_url, token) as live:
        await live.subscribe("cell", cell.query, cell.variables)
        for _ in range(20):
            if cell.trigger is not None:
                await cell.trigger()
            try:
                message = await live.receive("cell", timeout=1)
            except TimeoutError:
                continue
            if message["type"] == "error":
                return outcome({"errors": message["payload"]})
            return outcome(message["payload"])
    raise AssertionError("the subscription neither delivered nor refused")
