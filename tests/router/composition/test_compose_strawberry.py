"""Composition accepts SDL exactly as Strawberry prints it (schema.as_str and _service)."""

from __future__ import annotations

from router.composition import SubgraphDefinition, compose
from tests.router.composition.fixtures import FIXTURES, reference_supergraph
from tests.router.composition.strawberry_subgraphs import properties_schema, users_schema
from tests.router.composition.supergraph_compare import semantic_view


def test_strawberry_fixture_is_what_strawberry_prints() -> None:
    # Keeps the committed fixture honest when Strawberry changes its printer.
    assert (FIXTURES / "strawberry" / "users.graphql").read_text() == users_schema().as_str() + "\n"
    assert (
        FIXTURES / "strawberry" / "properties.graphql"
    ).read_text() == properties_schema().as_str() + "\n"


def test_sdl_from_service_field_composes_like_apollo() -> None:
    definitions = []
    for name, schema in (("properties", properties_schema()), ("users", users_schema())):
        result = schema.execute_sync("{ _service { sdl } }")
        assert result.errors is None and result.data is not None
        sdl = result.data["_service"]["sdl"]
        definitions.append(SubgraphDefinition(name, f"http://{name}.test/graphql", sdl))

    composed = compose(definitions)

    assert composed.errors == []
    assert composed.supergraph_sdl is not None
    assert semantic_view(composed.supergraph_sdl) == semantic_view(
        reference_supergraph("strawberry")
    )
    # Federation plumbing never reaches the supergraph.
    for plumbing in ("_Service", "_Entity", "_Any", "_entities", "_service"):
        assert plumbing not in composed.supergraph_sdl
