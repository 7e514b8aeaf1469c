"""How every verifier of the graph treats one access token: each subgraph asked directly with
an operation that needs a signed-in viewer, the router over HTTP, and the router's own check
of a WebSocket's ``connection_init``."""

from __future__ import annotations

import asyncio
import uuid
from typing import Any

import orjson
from websockets.asyncio.client import connect
from websockets.exceptions import ConnectionClosed

from tests.support.graph import Graph
from tests.support.graphql import GraphQLClient

# One operation per subgraph that needs a signed-in viewer; the properties one is a write.
PROBES: dict[str, tuple[str, dict[str, Any]]] = {
    "users": ("query { me { id } }", {}),
    "properties": (
        "mutation($id: ID!) { unfavoriteProperty(id: $id) { id } }",
        {"id": str(uuid.UUID(int=1))},
    ),
    "search": ("query { savedSearches { id } }", {}),
    "messaging": ("query { conversations { edges { cursor } } }", {}),
    "bookings": ("query { bookings { totalCount } }", {}),
}
THROUGH_ROUTER = 'mutation { updateProfile(input: {name: "Still Here"}) { user { id } } }'


async def _refusal(client: GraphQLClient, query: str, variables: dict[str, Any], token: str) -> str:
    """ "accepted" when the token is taken as a signed-in viewer, else the refusal's reason."""
    body = await client.call(query, variables, token)
    for error in body.get("errors") or []:
        extensions = error.get("extensions") or {}
        if extensions.get("code") == "UNAUTHENTICATED":
            return str(extensions.get("reason"))
    return "accepted"


async def _websocket_refusal(graph: Graph, token: str) -> str:
    """The router verifies a WebSocket's token itself, at ``connection_init``."""
    url = "ws" + graph.url[len("http") :]
    async with connect(url, subprotocols=["graphql-transport-ws"], proxy=None) as ws:  # type: ignore[list-item]
        init = {"type": "connection_init", "payload": {"Authorization": f"Bearer {token}"}}
        await ws.send(orjson.dumps(init).decode())
        try:
            reply = orjson.loads(await asyncio.wait_for(ws.recv(), 10))
        except ConnectionClosed as closed:
            assert closed.rcvd is not None
            return "REFUSED" if closed.rcvd.code == 4403 else f"closed {closed.rcvd.code}"
        return "accepted" if reply == {"type": "connection_ack"} else str(reply)


async def verdicts(graph: Graph, token: str) -> dict[str, str]:
    """How each subgraph (asked directly) and the router (HTTP and WebSocket) treat ``token``."""
    answers: dict[str, str] = {}
    for name, (query, variables) in PROBES.items():
        if name not in graph.subgraph_urls:
            continue
        subgraph = GraphQLClient(graph.subgraph_urls[name], graph.http)
        answers[name] = await _refusal(subgraph, query, variables, token)
    answers["router"] = await _refusal(graph, THROUGH_ROUTER, {}, token)
    answers["router websocket"] = await _websocket_refusal(graph, token)
    return answers
