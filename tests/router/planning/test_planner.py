"""Plan shapes: which subgraph fetches what, in which order (no servers needed)."""

from __future__ import annotations

from pathlib import Path

import pytest
from graphql import OperationDefinitionNode, parse

from router.api_schema import build_api_schema
from router.planning.cli import main as plan_main
from router.planning.plan import FetchNode, QueryPlan
from router.planning.prepare import plan_operation
from router.supergraph import parse_supergraph
from tests.router.execution.support import FIXTURES, hand_supergraph

SUPERGRAPHS = sorted(FIXTURES.glob("*/supergraph.*.graphql"))


def plan(sdl: str, query: str, variables: dict | None = None) -> QueryPlan:
    document = parse(query)
    operation = document.definitions[0]
    assert isinstance(operation, OperationDefinitionNode)
    return plan_operation(parse_supergraph(sdl), document, operation, variables)


def fetches(query_plan: QueryPlan) -> list[tuple[str, str]]:
    """(service, merge path) of every fetch, in plan order."""
    return [(f.service, ".".join(f.merge_path)) for f in query_plan.fetch_nodes]


@pytest.mark.parametrize("path", SUPERGRAPHS, ids=lambda p: f"{p.parent.name}/{p.name}")
def test_every_composed_fixture_supergraph_loads_with_an_api_schema(path: Path) -> None:
    sdl = path.read_text()
    supergraph = parse_supergraph(sdl)
    api = build_api_schema(sdl)
    assert supergraph.subgraphs
    assert api.query_type is not None
    assert not [name for name in api.type_map if name.startswith(("join__", "link__"))]
    assert not [d.name for d in api.directives if d.name in ("join__type", "link", "inaccessible")]


MUTUAL = hand_supergraph(
    ["a", "b"],
    """
type Query @join__type(graph: A) @join__type(graph: B) { t: T @join__field(graph: A) }
type T @join__type(graph: A, key: "id") @join__type(graph: B, key: "id") {
  id: ID!
  a1: Int @join__field(graph: A) @join__field(graph: B, external: true)
  b1: Int @join__field(graph: B, requires: "a1") @join__field(graph: A, external: true)
  a2: Int @join__field(graph: A, requires: "b1")
  w(unit: String): Int @join__field(graph: A)
  x: Int @join__field(graph: B, requires: "w(unit: \\"kg\\")")
  y: Int @join__field(graph: B, requires: "w(unit: \\"lb\\")")
}
""",
)


def test_subgraph_requiring_from_one_that_requires_back() -> None:
    query_plan = plan(MUTUAL, "{ t { a2 } }")
    assert fetches(query_plan) == [("a", ""), ("b", "t"), ("a", "t")]


def test_same_field_required_with_different_arguments_needs_two_representations() -> None:
    query_plan = plan(MUTUAL, "{ t { x y } }")
    assert sorted(fetches(query_plan)) == [("a", ""), ("b", "t"), ("b", "t")]
    root = query_plan.fetch_nodes[0].operation
    assert 'w(unit:"kg")' in root.replace(" ", "") and 'w(unit:"lb")' in root.replace(" ", "")
    # Both lookups run in the same step: one request with two aliased _entities fields.
    batch = query_plan.to_json()["node"]["nodes"][1]
    assert batch["kind"] == "Batch"
    assert batch["operation"] == (
        "query($r0:[_Any!]!,$r1:[_Any!]!){_e0:_entities(representations:$r0){...on T{x}} "
        "_e1:_entities(representations:$r1){...on T{y}}}"
    )


UNION = hand_supergraph(
    ["a"],
    """
type Query @join__type(graph: A) { things: [Thing!]! }
union Thing @join__type(graph: A) @join__unionMember(graph: A, member: "P")
  @join__unionMember(graph: A, member: "Q") = P | Q
type P @join__type(graph: A) { v: String @join__field(graph: A, type: "String!") }
type Q @join__type(graph: A) { v: String }
""",
)


def test_same_name_fields_with_different_subgraph_types_are_aliased() -> None:
    query_plan = plan(UNION, "{ things { ... on P { v } ... on Q { v } } }")
    operation = query_plan.fetch_nodes[0].operation
    assert "...on P{v}" in operation
    assert "...on Q{_v1: v}" in operation


def test_skip_and_include_decide_the_plan() -> None:
    sdl = (FIXTURES / "keys" / "supergraph.reference.graphql").read_text()
    query = "query($t: Boolean!) { products { price taxCode @include(if: $t) } }"
    assert fetches(plan(sdl, query, {"t": False})) == [("catalog", "")]
    assert fetches(plan(sdl, query, {"t": True})) == [
        ("catalog", ""),
        ("users", "products.@"),
        ("billing", "products.@"),
    ]


def test_plan_prints_like_apollo_and_serialises() -> None:
    sdl = (FIXTURES / "requires" / "supergraph.reference.graphql").read_text()
    query_plan = plan(sdl, '{ user(id: "1") { shippingZone } }')
    text = str(query_plan)
    assert text.startswith('QueryPlan {\n  Sequence {\n    Fetch(service: "users")')
    assert 'Flatten(path: "user")' in text and "=>" in text
    as_json = query_plan.to_json()
    assert as_json["kind"] == "QueryPlan"
    assert [n["kind"] for n in as_json["node"]["nodes"]] == ["Fetch", "Flatten"]
    flatten = as_json["node"]["nodes"][1]["node"]
    assert flatten["serviceName"] == "shipping"
    assert flatten["operation"].startswith("query($representations:[_Any!]!)")
    assert isinstance(query_plan.fetch_nodes[0], FetchNode)


def test_cli_prints_the_plan(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    sdl = FIXTURES / "keys" / "supergraph.reference.graphql"
    query_file = tmp_path / "q.graphql"
    query_file.write_text("query A { users { id } } query B { products { taxCode } }")
    assert plan_main(["--supergraph", str(sdl), "--operation-name", "B", str(query_file)]) == 0
    out = capsys.readouterr().out
    assert 'Fetch(service: "catalog")' in out and 'Fetch(service: "billing")' in out
    assert plan_main(["--supergraph", str(sdl), "{ nope }"]) == 1


def test_tag_is_dropped_and_composed_directives_are_carried_into_the_api_schema() -> None:
    from graphql import print_schema

    sdl = (FIXTURES / "tag-compose-directive" / "supergraph.reference.graphql").read_text()
    api = build_api_schema(sdl)
    assert api.get_directive("audited") is not None
    assert api.get_directive("tag") is None
    printed = print_schema(api)
    assert "directive @audited(level: Int = 1) on OBJECT | FIELD_DEFINITION" in printed
    assert "@tag" not in printed
    assert fetches(plan(sdl, '{ user(id: "1") { bookings } }')) == [
        ("users", ""),
        ("bookings", "user"),
    ]
