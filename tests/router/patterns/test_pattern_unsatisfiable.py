"""Operations no plan can satisfy are planning errors, with ``data: null`` (hand-written
supergraphs: Apollo's composition rejects them, but a router must not answer them with data
read from a subgraph that does not own it, nor with fields quietly left out)."""

from __future__ import annotations

import httpx
import pytest

from router.config import RouterSettings
from router.gateway import Gateway, GatewayRequest, GatewayRequestError
from router.planning.planner import PlanningError
from router.server.app import create_app
from tests.router.execution.support import hand_supergraph
from tests.router.planning.test_planner import plan
from tests.router.server.conftest import serve_app

# Interface field ``I.f``: subgraph a resolves it for A only; for B it is @external in a and
# B has no key to reach b, which resolves it.
INTERFACE = hand_supergraph(
    ["a", "b"],
    """
type Query @join__type(graph: A) @join__type(graph: B) { items: [I] @join__field(graph: A) }
interface I @join__type(graph: A) @join__type(graph: B) { f: String }
type A implements I @join__type(graph: A) @join__implements(graph: A, interface: "I") {
  f: String
}
type B implements I @join__type(graph: A) @join__type(graph: B)
  @join__implements(graph: A, interface: "I") @join__implements(graph: B, interface: "I") {
  f: String @join__field(graph: A, external: true) @join__field(graph: B)
  g: String @join__field(graph: A) @join__field(graph: B)
}
""",
)


def test_interface_field_no_subgraph_resolves_for_every_implementation() -> None:
    with pytest.raises(PlanningError):
        plan(INTERFACE, "{ items { f } }")


def test_the_same_interface_without_the_unresolvable_field_plans() -> None:
    query_plan = plan(INTERFACE, "{ items { ... on A { f } ... on B { g } } }")
    assert [f.service for f in query_plan.fetch_nodes] == ["a"]
    assert "external" not in query_plan.fetch_nodes[0].operation


def test_external_field_is_never_read_from_the_subgraph_declaring_it_external() -> None:
    with pytest.raises(PlanningError):
        plan(INTERFACE, "{ items { ... on B { f } } }")


async def test_planning_failure_answers_query_planning_failed_with_data_null() -> None:
    gateway = Gateway(INTERFACE)
    try:
        request = GatewayRequest("{ items { f } }", None, None, {})
        with pytest.raises(GatewayRequestError) as failure:
            gateway.prepare(request)
    finally:
        await gateway.aclose()
    assert [e.extensions for e in failure.value.errors] == [{"code": "QUERY_PLANNING_FAILED"}]


async def test_planning_failure_over_http_is_data_null_with_the_error() -> None:
    unused = {"a": "http://127.0.0.1:9/graphql", "b": "http://127.0.0.1:9/graphql"}
    settings = RouterSettings(subgraph_urls=unused)
    app = create_app(settings, supergraph_sdl=INTERFACE, token_verifier=None)
    async with serve_app(app) as url, httpx.AsyncClient(trust_env=False) as http:
        for accept in ("application/json", "application/graphql-response+json"):
            response = await http.post(
                f"{url}/graphql", json={"query": "{ items { f } }"}, headers={"accept": accept}
            )
            assert response.status_code == 200
            body = response.json()
            assert body["data"] is None
            assert [e["extensions"]["code"] for e in body["errors"]] == ["QUERY_PLANNING_FAILED"]


# ``Shop`` is a value type whose ``city`` only b has; b has no mutation.
SPLIT_ROOT = hand_supergraph(
    ["a", "b"],
    """
type Query @join__type(graph: A) @join__type(graph: B) {
  shop: Shop @join__field(graph: A) @join__field(graph: B)
}
type Mutation @join__type(graph: A) { renameShop(name: String): Shop @join__field(graph: A) }
type Shop @join__type(graph: A) @join__type(graph: B) {
  name: String @join__field(graph: A)
  city: String @join__field(graph: B)
}
""",
    roots="query: Query mutation: Mutation",
)


def test_query_root_field_continues_in_another_root_subgraph() -> None:
    query_plan = plan(SPLIT_ROOT, "{ shop { name city } }")
    assert sorted(f.service for f in query_plan.fetch_nodes) == ["a", "b"]


def test_mutation_root_field_is_never_run_twice_to_complete_its_selection() -> None:
    with pytest.raises(PlanningError):
        plan(SPLIT_ROOT, 'mutation { renameShop(name: "x") { name city } }')
