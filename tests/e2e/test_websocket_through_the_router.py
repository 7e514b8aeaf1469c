"""A browser's WebSocket to the router: the token travels in ``connection_init``, as the README
shows, and the viewer reaches the subgraphs for queries and mutations."""

from __future__ import annotations

import asyncio
from typing import Any

import orjson
from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosed

from tests.support.graph import Graph
from tests.support.readme import readme_block

WAIT = 10.0
ME = "query { me { email } }"


def _ws_url(graph: Graph) -> str:
    return "ws" + graph.url[len("http") :]


async def _receive(ws: ClientConnection) -> Any:
    return orjson.loads(await asyncio.wait_for(ws.recv(), WAIT))


async def _open(graph: Graph, init: dict[str, Any]) -> ClientConnection:
    ws = await connect(_ws_url(graph), subprotocols=["graphql-transport-ws"], proxy=None)  # type: ignore[list-item]
    await ws.send(orjson.dumps(init).decode())
    return ws


async def _me(ws: ClientConnection) -> Any:
    await ws.send(orjson.dumps({"id": "1", "type": "subscribe", "payload": {"query": ME}}).decode())
    return (await _receive(ws))["payload"]


async def test_readme_connection_init_signs_the_websocket_in(graph: Graph) -> None:
    token = await graph.login("buyer@realio.demo")
    init = orjson.loads(readme_block("json", "connection_init").replace("<accessToken>", token))
    ws = await _open(graph, init)
    assert await _receive(ws) == {"type": "connection_ack"}

    result = await _me(ws)
    await ws.close()

    assert result == {"data": {"me": {"email": "buyer@realio.demo"}}}


async def test_auth_token_key_and_mutations_over_websocket_act_as_the_viewer(graph: Graph) -> None:
    token = await graph.login("seller@realio.demo")
    ws = await _open(graph, {"type": "connection_init", "payload": {"authToken": token}})
    assert await _receive(ws) == {"type": "connection_ack"}
    mutation = {
        "query": """mutation($input: UpdateProfileInput!) {
          updateProfile(input: $input) { user { name } } }""",
        "variables": {"input": {"name": "Sam Seller"}},
    }
    await ws.send(orjson.dumps({"id": "m", "type": "subscribe", "payload": mutation}).decode())
    result = (await _receive(ws))["payload"]
    await ws.close()

    assert result == {"data": {"updateProfile": {"user": {"name": "Sam Seller"}}}}


async def test_anonymous_websocket_is_not_the_viewer(graph: Graph) -> None:
    ws = await _open(graph, {"type": "connection_init"})
    assert await _receive(ws) == {"type": "connection_ack"}

    result = await _me(ws)
    await ws.close()

    assert result["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"


async def test_forged_token_in_connection_init_closes_4403(graph: Graph) -> None:
    token = await graph.login("buyer@realio.demo")
    forged = token[:-4] + ("AAAA" if not token.endswith("AAAA") else "BBBB")
    ws = await _open(
        graph, {"type": "connection_init", "payload": {"Authorization": f"Bearer {forged}"}}
    )
    try:
        while True:
            await asyncio.wait_for(ws.recv(), WAIT)
    except ConnectionClosed:
        pass

    assert (ws.close_code, ws.close_reason) == (4403, "Forbidden")
