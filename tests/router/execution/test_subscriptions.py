"""Gateway.subscribe: every event from the owning subgraph is completed across other subgraphs.

The subscription transport (the WebSocket client) belongs to the server; here a transport
replays the events the owning subgraph would send, and the entity subgraph runs for real.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Mapping
from typing import Any

from router.gateway import GatewayRequest
from tests.router.execution.support import federation, hand_supergraph
from tests.router.subgraph_kit import federated_app

SUPERGRAPH = hand_supergraph(
    ["reviews", "products"],
    """
type Query @join__type(graph: REVIEWS) @join__type(graph: PRODUCTS) {
  latest: Review @join__field(graph: REVIEWS)
}
type Subscription @join__type(graph: REVIEWS) { reviewAdded(minStars: Int): Review! }
type Review @join__type(graph: REVIEWS) { body: String! product: Product! }
type Product @join__type(graph: REVIEWS, key: "id") @join__type(graph: PRODUCTS, key: "id") {
  id: ID!
  name: String! @join__field(graph: PRODUCTS)
}
""",
    roots="query: Query subscription: Subscription",
)
PRODUCTS_SDL = 'type Product @key(fields: "id") { id: ID! name: String! }'
PRODUCTS = {"p1": {"id": "p1", "name": "Lamp"}, "p2": {"id": "p2", "name": "Desk"}}


class ReplayTransport:
    """Yields prepared subgraph events; records what was opened and whether it was closed."""

    def __init__(self, events: list[dict[str, Any]]) -> None:
        self.events = events
        self.opened: list[tuple[str, str, Mapping[str, Any], Mapping[str, Any] | None]] = []
        self.closed = 0

    def subscribe(
        self,
        url: str,
        query: str,
        variables: Mapping[str, Any],
        *,
        connection_params: Mapping[str, Any] | None,
        headers: Mapping[str, str],
    ) -> AsyncIterator[dict[str, Any]]:
        self.opened.append((url, query, variables, connection_params))
        return self._replay()

    async def _replay(self) -> AsyncIterator[dict[str, Any]]:
        try:
            for event in self.events:
                yield event
        finally:
            self.closed += 1


def _event(body: str, product: str) -> dict[str, Any]:
    review = {"body": body, "product": {"__typename": "Product", "id": product}}
    return {"data": {"reviewAdded": review}}


async def test_each_event_is_completed_with_one_fetch_and_closing_closes_upstream() -> None:
    transport = ReplayTransport([_event("great", "p1"), _event("meh", "p2"), _event("x", "p1")])
    apps = {
        "products": federated_app(
            PRODUCTS_SDL, entities={"Product": lambda rep: PRODUCTS.get(rep["id"])}
        ),
        "reviews": federated_app("type Query { latest: String }"),
    }
    async with federation(SUPERGRAPH, apps, subscription_transport=transport) as fed:
        request = GatewayRequest(
            "subscription($s: Int) { reviewAdded(minStars: $s) { body product { name } } }",
            {"s": 4},
            connection_params={"authorization": "Bearer t"},
        )
        prepared = fed.gateway.prepare(request)
        fed.cluster.reset()
        stream = fed.gateway.subscribe(prepared, request)
        received = []
        async for result in stream:
            received.append(result)
            if len(received) == 2:
                break
        await stream.aclose()  # type: ignore[attr-defined]
        assert received == [
            {"data": {"reviewAdded": {"body": "great", "product": {"name": "Lamp"}}}},
            {"data": {"reviewAdded": {"body": "meh", "product": {"name": "Desk"}}}},
        ]
        assert fed.counts() == {"products": 2, "reviews": 0}
        url, query, variables, params = transport.opened[0]
        assert url == fed.cluster["reviews"].url
        assert query.startswith("subscription(") and "reviewAdded(minStars: $s)" in query
        assert variables == {"s": 4}
        assert params == {"authorization": "Bearer t"}
        assert transport.closed == 1
