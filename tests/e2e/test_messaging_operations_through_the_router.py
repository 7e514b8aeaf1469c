"""The rest of messaging's operations through the router: conversation(id), conversations,
sendTyping (live), deleteMessage (a tombstone for both, live) and deleteMessages (the viewer's
copy only)."""

from __future__ import annotations

from tests.integration.messaging.live_client import live_socket
from tests.support.graph import Graph

SEND = """mutation($input: SendMessageInput!) {
  sendMessage(input: $input) { id conversationId cursor } }"""
EVENTS = """subscription($c: ID!, $after: String) {
  conversationEvents(conversationId: $c, after: $after) {
    kind user { name } message { id content deleted } } }"""
MESSAGES = """query($c: ID!) { messages(conversationId: $c) {
  totalCount edges { node { content deleted } } } }"""


async def test_typing_deleting_and_clearing_through_the_router(graph: Graph) -> None:
    buyer = await graph.login("buyer2@realio.demo")
    seller = await graph.login("seller@realio.demo")
    seller_id = (await graph.data("{ me { id } }", token=seller))["me"]["id"]
    first = await graph.data(SEND, {"input": {"content": "first", "receiverId": seller_id}}, buyer)
    conversation = first["sendMessage"]["conversationId"]
    second = await graph.data(
        SEND, {"input": {"content": "second", "conversationId": conversation}}, buyer
    )

    one = await graph.data(
        "query($c: ID!) { conversation(id: $c) { id unreadCount lastMessage { content } } }",
        {"c": conversation},
        seller,
    )
    assert one["conversation"]["lastMessage"] == {"content": "second"}
    assert one["conversation"]["unreadCount"] >= 2
    inbox = await graph.data("{ conversations(first: 50) { edges { node { id } } } }", token=seller)
    assert conversation in [e["node"]["id"] for e in inbox["conversations"]["edges"]]

    async with live_socket(graph.base_url, seller) as live:
        await live.subscribe(
            "c", EVENTS, {"c": conversation, "after": first["sendMessage"]["cursor"]}
        )
        replayed = await live.next_data("c", "conversationEvents")
        assert replayed["message"]["id"] == second["sendMessage"]["id"]  # the stream is live

        typing = await graph.data(
            "mutation($c: ID!) { sendTyping(conversationId: $c) }", {"c": conversation}, buyer
        )
        assert typing == {"sendTyping": True}
        event = await live.next_data("c", "conversationEvents")
        assert (event["kind"], event["user"]) == ("TYPING", {"name": "Ben Buyer"})

        deleted = await graph.data(
            "mutation($id: ID!) { deleteMessage(id: $id) { deleted content } }",
            {"id": first["sendMessage"]["id"]},
            buyer,
        )
        assert deleted == {"deleteMessage": {"deleted": True, "content": None}}
        event = await live.next_data("c", "conversationEvents")
        assert event["kind"] == "MESSAGE_DELETED"
        assert event["message"] == {
            "id": first["sendMessage"]["id"],
            "content": None,
            "deleted": True,
        }

    cleared = await graph.data(
        "mutation($c: ID!) { deleteMessages(conversationId: $c) }", {"c": conversation}, seller
    )
    assert cleared == {"deleteMessages": 2}
    assert (await graph.data(MESSAGES, {"c": conversation}, seller))["messages"]["totalCount"] == 0
    kept = (await graph.data(MESSAGES, {"c": conversation}, buyer))["messages"]
    assert [e["node"] for e in kept["edges"]] == [
        {"content": "second", "deleted": False},
        {"content": None, "deleted": True},
    ]
