"""Chat through the router: a buyer messages a seller about a listing found by search; both
hold subscriptions through the router (graphql-transport-ws, token in connection_init)."""

from __future__ import annotations

import uuid

from tests.integration.messaging.client import CONVERSATION_FIELDS, MESSAGE_FIELDS
from tests.integration.messaging.live_client import LiveSocket, live_socket, sse_events
from tests.support.graph import Graph
from tests.support.listings import listing_input

CREATE = "mutation($input: CreatePropertyInput!) { createProperty(input: $input) { id } }"
SEARCH = """query($text: String!) {
  search(filter: {text: $text}, first: 5) { edges { node { id title owner { id name } } } }
}"""
SEND = f"""mutation($input: SendMessageInput!) {{
  sendMessage(input: $input) {{ {MESSAGE_FIELDS} }} }}"""
EVENTS = """subscription($c: ID!, $after: String) {
  conversationEvents(conversationId: $c, after: $after) {
    kind readUpTo user { id name }
    message { id content cursor sender { id name } }
  }
}"""
INBOX_EVENTS = """subscription {
  inboxEvents { kind conversation { id unreadCount property { id title } } } }"""
UNREAD = "{ me { id unreadMessageCount } }"


async def _found_listing(graph: Graph) -> tuple[str, str]:
    """A listing a seller created, found by a buyer's search: its id and owner id."""
    seller = await graph.login("seller@realio.demo")
    word = f"chat{uuid.uuid4().hex[:8]}"
    await graph.data(CREATE, {"input": listing_input(title=f"Quiet {word} cottage")}, seller)
    await graph.settle()
    [node] = (await graph.data(SEARCH, {"text": word}))["search"]["edges"]
    return node["node"]["id"], node["node"]["owner"]["id"]


async def _live(socket: LiveSocket, operation_id: str, field: str) -> dict:
    return await socket.next_data(operation_id, field)


async def test_buyer_messages_seller_about_a_found_listing_and_both_see_it_live(
    graph: Graph,
) -> None:
    property_id, owner_id = await _found_listing(graph)
    buyer = await graph.login("buyer@realio.demo")
    seller = await graph.login("seller@realio.demo")

    async with live_socket(graph.base_url, seller) as seller_live:
        await seller_live.subscribe("inbox", INBOX_EVENTS)
        first = await graph.data(
            SEND,
            {
                "input": {
                    "content": "Is it still available?",
                    "receiverId": owner_id,
                    "propertyId": property_id,
                }
            },
            buyer,
        )
        conversation = first["sendMessage"]["conversationId"]
        sent_before = ["Is it still available?"]
        last_cursor = first["sendMessage"]["cursor"]
        # The router acknowledges nothing when the subgraph's subscription is in place, and
        # inboxEvents replays nothing: until an event arrives, each further message is a probe
        # that a live subscription must deliver.
        inbox = None
        for attempt in range(20):
            try:
                inbox = await seller_live.receive("inbox", timeout=1.0)
                break
            except TimeoutError:
                probe = f"Still there? ({attempt})"
                probed = await graph.data(
                    SEND, {"input": {"content": probe, "conversationId": conversation}}, buyer
                )
                sent_before.append(probe)
                last_cursor = probed["sendMessage"]["cursor"]
        assert inbox is not None and inbox["type"] == "next", inbox
        event = inbox["payload"]["data"]["inboxEvents"]
        assert event["conversation"]["id"] == conversation
        assert event["conversation"]["property"]["id"] == property_id

        async with live_socket(graph.base_url, buyer) as buyer_live:
            await seller_live.subscribe("c", EVENTS, {"c": conversation, "after": last_cursor})
            await buyer_live.subscribe("c", EVENTS, {"c": conversation, "after": last_cursor})
            sent = await graph.data(
                SEND,
                {"input": {"content": "Can I visit Saturday?", "conversationId": conversation}},
                buyer,
            )
            received = await _live(seller_live, "c", "conversationEvents")
            assert received["kind"] == "MESSAGE_SENT"
            assert received["message"]["content"] == "Can I visit Saturday?"
            assert received["message"]["sender"]["name"] == "Bea Buyer"
            assert (await _live(buyer_live, "c", "conversationEvents"))["kind"] == "MESSAGE_SENT"

            before = await graph.data(UNREAD, token=seller)
            assert before["me"]["unreadMessageCount"] >= 2
            await graph.data(
                "mutation($c: ID!) { markConversationRead(conversationId: $c) { unreadCount } }",
                {"c": conversation},
                seller,
            )
            receipt = await _live(buyer_live, "c", "conversationEvents")
            assert receipt["kind"] == "READ"
            assert receipt["user"] == {"id": owner_id, "name": "Sam Seller"}
            assert receipt["readUpTo"] == sent["sendMessage"]["cursor"]

    after = await graph.data(UNREAD, token=seller)
    assert after == {"me": {"id": owner_id, "unreadMessageCount": 0}}
    listed = await graph.data(
        """query($c: ID!) { messages(conversationId: $c) {
            edges { node { content read sender { name } } } } }""",
        {"c": conversation},
        buyer,
    )
    assert [e["node"] for e in listed["messages"]["edges"]] == [
        {"content": content, "read": True, "sender": {"name": "Bea Buyer"}}
        for content in ["Can I visit Saturday?", *reversed(sent_before)]
    ]


async def test_owner_sees_inquiries_on_the_listing_and_in_their_inbox(graph: Graph) -> None:
    property_id, owner_id = await _found_listing(graph)
    buyer = await graph.login("buyer2@realio.demo")
    seller = await graph.login("seller@realio.demo")
    await graph.data(
        SEND,
        {"input": {"content": "Hello!", "receiverId": owner_id, "propertyId": property_id}},
        buyer,
    )
    data = await graph.data(
        f"""query {{ me {{ conversations(first: 5) {{ edges {{ node {{ {CONVERSATION_FIELDS}
            participants {{ name }} }} }} }} }} }}""",
        token=seller,
    )
    [latest, *_] = data["me"]["conversations"]["edges"]
    assert latest["node"]["property"] == {"id": property_id}
    assert sorted(p["name"] for p in latest["node"]["participants"]) == ["Ben Buyer", "Sam Seller"]

    search = await graph.data(
        """query($text: String!) { search(filter: {text: $text}) { edges { node {
            conversations { totalCount edges { node { lastMessage { content } } } } } } } }""",
        {"text": "Quiet"},
        seller,
    )
    inquiries = [
        e["node"]["conversations"]
        for e in search["search"]["edges"]
        if e["node"]["conversations"]["totalCount"]
    ]
    assert any(c["edges"][0]["node"]["lastMessage"]["content"] == "Hello!" for c in inquiries)


async def test_a_subscription_over_sse_through_the_router_receives_messages(graph: Graph) -> None:
    buyer = await graph.login("buyer@realio.demo")
    agent = await graph.login("agent@realio.demo")
    agent_id = (await graph.data("{ me { id } }", token=agent))["me"]["id"]
    first = await graph.data(SEND, {"input": {"content": "first", "receiverId": agent_id}}, buyer)
    conversation = first["sendMessage"]["conversationId"]
    second = await graph.data(
        SEND, {"input": {"content": "second", "conversationId": conversation}}, buyer
    )
    stream = sse_events(
        graph.http,
        graph.url,
        EVENTS,
        {"c": conversation, "after": first["sendMessage"]["cursor"]},
        agent,
    )
    replayed = await anext(stream)
    assert replayed["data"]["conversationEvents"]["message"]["id"] == second["sendMessage"]["id"]
    await graph.data(SEND, {"input": {"content": "third", "conversationId": conversation}}, buyer)
    live = await anext(stream)
    assert live["data"]["conversationEvents"]["message"]["content"] == "third"
    assert live["data"]["conversationEvents"]["message"]["sender"]["name"] == "Bea Buyer"
    await stream.aclose()


async def test_subscribing_to_someone_elses_conversation_through_the_router_is_not_found(
    graph: Graph,
) -> None:
    buyer = await graph.login("buyer@realio.demo")
    other = await graph.login("buyer2@realio.demo")
    agent_id = (await graph.data("{ me { id } }", token=await graph.login("agent2@realio.demo")))[
        "me"
    ]["id"]
    sent = await graph.data(SEND, {"input": {"content": "private", "receiverId": agent_id}}, buyer)
    async with live_socket(graph.base_url, other) as live:
        await live.subscribe("c", EVENTS, {"c": sent["sendMessage"]["conversationId"]})
        message = await live.receive("c")
    errors = message["payload"] if message["type"] == "error" else message["payload"]["errors"]
    assert errors[0]["extensions"]["code"] == "NOT_FOUND"
