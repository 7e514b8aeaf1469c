"""The README's chat clients, run as written: a subscription through the router, and the
Socket.IO events on the messaging subgraph."""

from __future__ import annotations

import asyncio
from typing import Any

from tests.support.graph import Graph
from tests.support.readme import readme_block

SEND = """mutation($input: SendMessageInput!) {
  sendMessage(input: $input) { id conversationId cursor } }"""


def _namespace(marker: str) -> dict[str, Any]:
    namespace: dict[str, Any] = {}
    exec(compile(readme_block("python", marker), "README.md", "exec"), namespace)
    return namespace


async def _conversation(graph: Graph, buyer: str, seller: str) -> dict[str, Any]:
    seller_id = (await graph.data("{ me { id } }", token=seller))["me"]["id"]
    await graph.settle()  # messaging has consumed users' user.registered of the demo accounts
    data = await graph.data(
        SEND, {"input": {"content": "Hello from the README", "receiverId": seller_id}}, buyer
    )
    message: dict[str, Any] = data["sendMessage"]
    return message


async def test_the_readme_subscription_client_receives_messages_through_the_router(
    graph: Graph,
) -> None:
    watch = _namespace("async def watch")["watch"]
    buyer = await graph.login("buyer2@realio.demo")
    seller = await graph.login("agent2@realio.demo")
    first = await _conversation(graph, buyer, seller)
    conversation = first["conversationId"]
    await graph.data(SEND, {"input": {"content": "missed", "conversationId": conversation}}, buyer)

    url = graph.base_url.replace("http://", "ws://") + "/graphql"
    watching = asyncio.ensure_future(watch(url, seller, conversation, first["cursor"], count=2))
    # Sent while the client may still be connecting: resuming `after` a cursor delivers it
    # exactly once either way (replayed from the store, or live).
    await graph.data(SEND, {"input": {"content": "live", "conversationId": conversation}}, buyer)
    events = await asyncio.wait_for(watching, 15)

    assert [e["message"]["content"] for e in events] == ["missed", "live"]
    assert events[1]["message"]["sender"] == {"name": "Ben Buyer"}


async def test_the_readme_socketio_client_sends_and_receives(graph: Graph) -> None:
    chat = _namespace("async def chat")["chat"]
    buyer = await graph.login("buyer@realio.demo")
    seller = await graph.login("seller2@realio.demo")
    conversation = (await _conversation(graph, buyer, seller))["conversationId"]

    received = await chat(graph.subgraph_urls["messaging"], seller, conversation, "over socket.io")

    assert received["content"] == "over socket.io"
    assert received["conversation_id"] == conversation
