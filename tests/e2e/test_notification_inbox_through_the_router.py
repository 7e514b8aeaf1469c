"""The inbox operations through the router: ``notificationReceived`` over graphql-sse, the
root ``notifications`` query (newest first, cursor pages, unread only; admins read anyone's,
anyone else gets NOT_FOUND), ``markNotificationRead`` by its recipient only, and
``sendNotification`` refused to non-admins."""

from __future__ import annotations

import asyncio
import contextlib
import uuid
from typing import Any

from tests.integration.messaging.live_client import sse_events
from tests.support.graph import Graph

RECEIVED = "subscription { notificationReceived { id kind title } }"
ANNOUNCE = """mutation($input: SendNotificationInput!) { sendNotification(input: $input) { id } }"""
LIST = """query($userId: ID, $first: Int, $after: String, $unreadOnly: Boolean!) {
  notifications(userId: $userId, first: $first, after: $after, unreadOnly: $unreadOnly) {
    edges { node { id title readAt } cursor } pageInfo { hasNextPage endCursor } } }"""
MARK = "mutation($id: ID!) { markNotificationRead(id: $id) { id readAt } }"


async def announce(graph: Graph, admin: str, user_id: str, title: str) -> str:
    variables = {"input": {"userId": user_id, "title": title, "body": "Through the router."}}
    sent = await graph.data(ANNOUNCE, variables, admin)
    notification_id: str = sent["sendNotification"]["id"]
    return notification_id


async def page(graph: Graph, token: str, **variables: Any) -> dict[str, Any]:
    found: dict[str, Any] = (await graph.data(LIST, {"unreadOnly": False, **variables}, token))[
        "notifications"
    ]
    return found


async def test_notifications_over_sse_and_the_inbox_through_the_router(graph: Graph) -> None:
    buyer = await graph.login("buyer2@realio.demo")
    admin = await graph.login("admin@realio.demo")
    other = await graph.login("agent@realio.demo")
    buyer_id = (await graph.data("{ me { id } }", None, buyer))["me"]["id"]
    received: asyncio.Queue[dict[str, Any]] = asyncio.Queue()

    async def read() -> None:
        async for payload in sse_events(graph.http, graph.url, RECEIVED, {}, buyer):
            await received.put(payload["data"]["notificationReceived"])

    reader = asyncio.create_task(read())
    try:
        # Announce until the stream delivers one: then it is listening.
        for attempt in range(20):
            sent = await announce(graph, admin, buyer_id, f"Ping {attempt}")
            try:
                first = await asyncio.wait_for(received.get(), 1)
            except TimeoutError:
                continue
            assert first["id"] == sent
            break
        else:
            raise AssertionError("the SSE subscription never delivered")
        while not received.empty():  # earlier pings that arrived late
            received.get_nowait()

        word = uuid.uuid4().hex[:8]
        made = [await announce(graph, admin, buyer_id, f"{word} {n}") for n in range(3)]
        live = [await asyncio.wait_for(received.get(), 10) for _ in made]
        assert [(n["id"], n["kind"], n["title"]) for n in live] == [
            (made[n], "ANNOUNCEMENT", f"{word} {n}") for n in range(3)
        ]
    finally:
        reader.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await reader

    # Newest first, two a page; an admin reads the buyer's.
    one = await page(graph, admin, userId=buyer_id, first=2)
    assert [e["node"]["id"] for e in one["edges"]] == [made[2], made[1]]
    assert one["pageInfo"]["hasNextPage"] is True
    two = await page(graph, admin, userId=buyer_id, first=2, after=one["pageInfo"]["endCursor"])
    assert two["edges"][0]["node"]["id"] == made[0]

    # Someone else neither reads nor marks them.
    refused = await graph.call(LIST, {"userId": buyer_id, "unreadOnly": False}, other)
    assert refused["errors"][0]["extensions"]["code"] == "NOT_FOUND"
    refused = await graph.call(MARK, {"id": made[2]}, other)
    assert refused["errors"][0]["extensions"]["code"] == "NOT_FOUND"
    refused = await graph.call(
        ANNOUNCE, {"input": {"userId": buyer_id, "title": "Hi", "body": "x"}}, other
    )
    assert refused["errors"][0]["extensions"]["code"] == "FORBIDDEN"
    bad = await graph.call(LIST, {"userId": "not-an-id", "unreadOnly": False}, admin)
    assert bad["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT"

    # Its recipient marks one read: the unread-only list leaves it out.
    marked = (await graph.data(MARK, {"id": made[2]}, buyer))["markNotificationRead"]
    assert marked["id"] == made[2] and marked["readAt"] is not None
    unread = await page(graph, buyer, first=100, unreadOnly=True)
    ids = [e["node"]["id"] for e in unread["edges"]]
    assert made[2] not in ids and made[1] in ids and made[0] in ids
