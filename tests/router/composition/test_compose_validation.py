"""Validation rules on schemas Apollo accepts: they must not be rejected by ours either.

Apollo's verdicts were checked with tools/compose-reference (both compose); the fixtures
under tests/router/fixtures/error-* hold the rejected counterparts.
"""

from __future__ import annotations

from router.composition import SubgraphDefinition, compose

LINK = (
    'extend schema @link(url: "https://specs.apollo.dev/federation/v2.3", '
    'import: ["@key", "@external", "@provides", "@shareable"])\n'
)


def _compose(**sdls: str) -> list[str]:
    result = compose(
        [SubgraphDefinition(name, f"http://{name}.test/graphql", sdl) for name, sdl in sdls.items()]
    )
    return [str(e) for e in result.errors]


def test_provided_leaf_under_an_external_field_needs_no_external_of_its_own() -> None:
    users = LINK + (
        'type Query { user: User }\ntype User @key(fields: "id") { id: ID! org: Org @shareable }\n'
        "type Org { name: String @shareable }\n"
    )
    reviews = LINK + (
        'type Query { me: User @provides(fields: "org { name }") }\n'
        'type User @key(fields: "id") { id: ID! org: Org @external }\n'
        "type Org { name: String @shareable }\n"
    )
    assert _compose(users=users, reviews=reviews) == []


def test_external_with_the_same_type_and_arguments_is_accepted() -> None:
    users = (
        LINK + 'type Query { user: User }\ntype User @key(fields: "id") { id: ID! name: String }\n'
    )
    reviews = LINK.replace('"@shareable"', '"@shareable", "@requires"') + (
        'type User @key(fields: "id") { id: ID! name: String @external '
        'greeting: String @requires(fields: "name") }\n'
    )
    assert _compose(users=users, reviews=reviews) == []


def test_defaults_that_fit_their_types_are_accepted() -> None:
    catalog = LINK + (
        "enum Color { RED BLUE }\ninput Nested { depth: Int }\n"
        "input Filter { colors: [Color!] = [RED, BLUE] ratio: Float = 1 ref: ID = 7 "
        "nested: Nested = {depth: 2} }\n"
        "type Query { items(filter: Filter, limit: Int = 10, color: Color = RED): [String] }\n"
    )
    assert _compose(catalog=catalog) == []


def test_schema_tag_specified_by_and_object_defaults_print_as_apollo_does() -> None:
    # Apollo's supergraph for these lines (checked with tools/compose-reference).
    catalog = (
        'extend schema @link(url: "https://specs.apollo.dev/federation/v2.3", '
        'import: ["@tag"]) @tag(name: "schema-tag")\n'
        'scalar Date @specifiedBy(url: "https://example.com/date")\n'
        "input Nested { depth: Int }\n"
        "type Query { items(nested: Nested = {depth: 2}, since: Date): [String] }\n"
    )
    result = compose([SubgraphDefinition("catalog", "http://catalog.test/graphql", catalog)])

    assert result.supergraph_sdl is not None
    assert '  @tag(name: "schema-tag")\n{' in result.supergraph_sdl
    assert '  @specifiedBy(url: "https://example.com/date")' in result.supergraph_sdl
    assert "nested: Nested = {depth: 2}" in result.supergraph_sdl


def test_inaccessible_on_a_directive_argument_still_links_the_inaccessible_spec() -> None:
    # Apollo links the spec whenever a subgraph applies @inaccessible, even where the
    # supergraph does not carry the application.
    users = (
        'extend schema @link(url: "https://specs.apollo.dev/federation/v2.3", '
        'import: ["@inaccessible"])\n'
        "directive @cached(ttl: Int @inaccessible) on FIELD_DEFINITION\n"
        "type Query { a: String @cached(ttl: 1) }\n"
    )
    result = compose([SubgraphDefinition("users", "http://users.test/graphql", users)])

    assert result.supergraph_sdl is not None
    assert "https://specs.apollo.dev/inaccessible/v0.2" in result.supergraph_sdl


def test_join_field_lists_override_before_type_as_apollo_does() -> None:
    from dataclasses import replace

    from tests.router.composition.fixtures import subgraphs

    given = [
        replace(s, sdl=s.sdl.replace("  tier: String\n", "  tier: String!\n"))
        if s.name == "accounts"
        else s
        for s in subgraphs("progressive-override")
    ]
    sdl = compose(given).supergraph_sdl

    # Apollo's line for this field (checked with tools/compose-reference).
    assert sdl is not None
    assert (
        '@join__field(graph: USERS, override: "accounts", type: "String", '
        'overrideLabel: "percent(25.5)")'
    ) in sdl


def test_composed_directive_defined_differently_keeps_the_last_subgraphs_definition() -> None:
    from dataclasses import replace

    from tests.router.composition.fixtures import subgraphs

    given = [
        replace(s, sdl=s.sdl.replace("@audited(level: Int = 1)", "@audited(level: Float = 1)"))
        if s.name == "bookings"
        else s
        for s in subgraphs("tag-compose-directive")
    ]
    sdl = compose(given).supergraph_sdl

    # Apollo keeps users' definition here (checked with tools/compose-reference).
    assert sdl is not None
    assert "directive @audited(level: Int = 1) on OBJECT | FIELD_DEFINITION" in sdl


def test_interface_object_fields_copied_to_implementations_keep_their_directives() -> None:
    from dataclasses import replace

    from tests.router.composition.fixtures import subgraphs

    given = [
        replace(
            s,
            sdl=s.sdl.replace(
                "  averageRating: Float\n", '  averageRating: Float @deprecated(reason: "old")\n'
            ),
        )
        if s.name == "reviews"
        else s
        for s in subgraphs("interface-object")
    ]
    sdl = compose(given).supergraph_sdl

    # Apollo's line on each implementation (checked with tools/compose-reference).
    assert sdl is not None
    assert sdl.count('averageRating: Float @deprecated(reason: "old") @join__field\n') == 2
