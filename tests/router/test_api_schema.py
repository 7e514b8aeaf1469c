"""The API schema clients introspect: no federation machinery, directives included."""

from __future__ import annotations

from pathlib import Path

import pytest
from graphql import graphql_sync, specified_directives

from router.api_schema import build_api_schema
from router.gateway import Gateway, GatewayRequest
from tests.router.execution.support import FIXTURES

SUPERGRAPHS = [
    *sorted(FIXTURES.glob("*/supergraph.*.graphql")),
    Path(__file__).parent / "server" / "supergraph.graphql",
]
BUILT_IN = {directive.name for directive in specified_directives}  # skip, include, deprecated, …
# @composeDirective carries these into the API schema on purpose.
COMPOSED = {"tag-compose-directive": {"audited"}}
MACHINERY = ("join__", "link__", "core__")
INTROSPECTION = (
    "{ __schema { directives { name args { type { name ofType { name } } } } types { name } } }"
)


def _introspected(sdl: str) -> tuple[set[str], set[str], set[str]]:
    """Directive names, the type names their arguments use, and every type name."""
    result = graphql_sync(build_api_schema(sdl), INTROSPECTION)
    assert result.errors is None and result.data is not None
    schema = result.data["__schema"]
    directives = {d["name"] for d in schema["directives"]}
    argument_types = {
        arg["type"]["name"] or arg["type"]["ofType"]["name"]
        for d in schema["directives"]
        for arg in d["args"]
    }
    return directives, argument_types, {t["name"] for t in schema["types"]}


@pytest.mark.parametrize("path", SUPERGRAPHS, ids=lambda p: f"{p.parent.name}/{p.name}")
def test_introspection_lists_no_join_or_link_directive_definitions(path: Path) -> None:
    directives, argument_types, types = _introspected(path.read_text())

    assert directives == BUILT_IN | COMPOSED.get(path.parent.name, set())
    assert not [name for name in argument_types | types if name.startswith(MACHINERY)]


def test_link_types_go_even_when_the_supergraph_does_not_link_the_link_spec() -> None:
    # Hand-written supergraphs often link join only; @link's own types are machinery anyway.
    sdl = """
    schema @link(url: "https://specs.apollo.dev/join/v0.3", for: EXECUTION) { query: Query }
    directive @join__graph(name: String!, url: String!) on ENUM_VALUE
    directive @join__field(graph: join__Graph) repeatable on FIELD_DEFINITION
    directive @link(url: String, as: String, for: link__Purpose, import: [link__Import])
      repeatable on SCHEMA
    scalar link__Import
    enum link__Purpose { SECURITY EXECUTION }
    enum join__Graph { A @join__graph(name: "a", url: "http://a.test/graphql") }
    type Query { hello: String @join__field(graph: A) }
    """
    directives, _, types = _introspected(sdl)

    assert directives == BUILT_IN
    assert not [name for name in types if name.startswith(MACHINERY)]
    assert "Query" in types


def test_core_spec_supergraph_loses_core_and_join_definitions() -> None:
    # The Federation 1 supergraph format: @core instead of @link, join v0.1 with @join__owner.
    sdl = """
    schema
      @core(feature: "https://specs.apollo.dev/core/v0.2")
      @core(feature: "https://specs.apollo.dev/join/v0.1", for: EXECUTION)
    { query: Query }
    directive @core(as: String, feature: String!, for: core__Purpose) repeatable on SCHEMA
    directive @join__field(graph: join__Graph, provides: join__FieldSet, requires: join__FieldSet)
      on FIELD_DEFINITION
    directive @join__graph(name: String!, url: String!) on ENUM_VALUE
    directive @join__owner(graph: join__Graph!) on INTERFACE | OBJECT
    directive @join__type(graph: join__Graph!, key: join__FieldSet) repeatable on INTERFACE | OBJECT
    enum core__Purpose { EXECUTION SECURITY }
    scalar join__FieldSet
    enum join__Graph { A @join__graph(name: "a", url: "http://a.test/graphql") }
    type Query { hello: String @join__field(graph: A) }
    """
    directives, _, types = _introspected(sdl)

    assert directives == BUILT_IN
    assert not [name for name in types if name.startswith(MACHINERY)]


async def test_the_gateway_answers_directive_introspection_from_the_api_schema() -> None:
    sdl = (Path(__file__).parent / "server" / "supergraph.graphql").read_text()
    gateway = Gateway(sdl)
    request = GatewayRequest("{ __schema { directives { name } } }")
    try:
        result = await gateway.execute(gateway.prepare(request), request)
    finally:
        await gateway.aclose()

    names = {d["name"] for d in result["data"]["__schema"]["directives"]}
    assert names == BUILT_IN
