"""@fromContext in plans: where a contextual argument's value is read, and the fetch that sends it
(fixtures `context` and `context-abstract`)."""

from __future__ import annotations

from typing import Any

import pytest
from graphql import OperationDefinitionNode, parse

from router.planning.plan import FetchNode, QueryPlan
from router.planning.planner import PlanningError
from router.planning.prepare import plan_operation
from router.supergraph import parse_supergraph
from tests.router.execution.support import reference_supergraph
from tests.router.planning.test_planner import fetches

CONTEXT = parse_supergraph(reference_supergraph("context"))
ABSTRACT = parse_supergraph(reference_supergraph("context-abstract"))


def plan(query: str, supergraph: Any = CONTEXT) -> QueryPlan:
    document = parse(query)
    operation = document.definitions[0]
    assert isinstance(operation, OperationDefinitionNode)
    return plan_operation(supergraph, document, operation, {})


def contextual(query_plan: QueryPlan) -> list[FetchNode]:
    return [f for f in query_plan.fetch_nodes if f.contexts]


def test_value_is_read_in_the_subgraph_that_resolves_it_before_the_entity_fetch() -> None:
    query_plan = plan('{ store(id: "s1") { products { price { amount } } } }')

    # Store.currency is @external in catalog: stores selects it with the store.
    assert fetches(query_plan) == [
        ("stores", ""),
        ("catalog", "store"),
        ("catalog", "store.products.@"),
    ]
    [root, *_] = query_plan.fetch_nodes
    assert root.operation == 'query{store(id: "s1"){__typename id currency}}'
    [fetch] = contextual(query_plan)
    assert fetch.operation == (
        "query($representations:[_Any!]!,$contextualArgument_1_0:String)"
        "{_entities(representations:$representations)"
        "{...on Product{price(currency: $contextualArgument_1_0){amount}}}}"
    )
    assert fetch.to_json()["contextRewrites"] == [
        {
            "kind": "KeyRenamer",
            "path": ["..", "... on Store", "currency"],
            "renameKeyTo": "contextualArgument_1_0",
        }
    ]


def test_field_gets_an_entity_fetch_even_from_the_subgraph_that_has_its_parent() -> None:
    # catalog returns the category's products, yet price needs its own _entities fetch.
    query_plan = plan('{ store(id: "s1") { categories { products { price { amount } } } } }')

    assert fetches(query_plan) == [
        ("stores", ""),
        ("catalog", "store"),
        ("catalog", "store.categories.@.products.@"),
    ]
    [fetch] = contextual(query_plan)
    [read] = fetch.contexts
    assert (read.levels_up, read.ancestor_type, read.path) == (1, "Category", ("currency",))


def test_client_selection_of_the_context_field_is_reused() -> None:
    query_plan = plan('{ store(id: "s1") { cur: currency products { price { amount } } } }')

    [fetch] = contextual(query_plan)
    assert fetch.contexts[0].path == ("cur",)


def test_operation_variables_are_declared_with_the_contextual_ones() -> None:
    query_plan = plan(
        "query Q($tax: Boolean) { stores { products { price(withTax: $tax) { amount } } } }"
    )

    [fetch] = contextual(query_plan)
    assert fetch.variable_usages == ("tax",)
    assert fetch.operation.startswith(
        "query Q__catalog__2($representations:[_Any!]!,$tax: Boolean,"
        "$contextualArgument_1_0:String)"
    )
    assert fetch.partitioned(2) == (
        "query Q__catalog__2($representations_0:[_Any!]!,$representations_1:[_Any!]!,"
        "$contextualArgument_1_0_0:String,$contextualArgument_1_0_1:String,$tax: Boolean)"
        "{_0:_entities(representations:$representations_0){...on Product"
        "{price(withTax: $tax, currency: $contextualArgument_1_0_0){amount}}} "
        "_1:_entities(representations:$representations_1){...on Product"
        "{price(withTax: $tax, currency: $contextualArgument_1_0_1){amount}}}}"
    )


def test_interfaces_and_unions_set_contexts_for_their_objects() -> None:
    query_plan = plan(
        "{ listings { products { price } } places { ... on Town { landmarks { origin } } } }",
        ABSTRACT,
    )

    reads = sorted(
        (".".join(f.merge_path), f.contexts[0].ancestor_type, f.contexts[0].path)
        for f in contextual(query_plan)
    )
    assert reads == [
        ("listings.@.products.@", "Market", ("currency",)),
        ("listings.@.products.@", "Shop", ("currency",)),
        ("places.@.landmarks.@", "Town", ("country",)),
    ]


def test_union_member_sets_the_context_however_it_is_reached() -> None:
    # Market belongs to Place, which sets "place": reached through Listing, it still does.
    query_plan = plan("{ listings { ... on Market { landmarks { origin } } } }", ABSTRACT)

    [fetch] = contextual(query_plan)
    assert fetch.contexts[0].path == ("region",)


def test_no_object_setting_the_context_cannot_be_planned() -> None:
    # Composition rejects such supergraphs (error-context-satisfiability); a hand-edited one
    # that lets Shop reach landmarks fails to plan instead of sending a null.
    sdl = reference_supergraph("context-abstract").replace(
        'type Shop implements Listing\n  @join__implements(graph: SHOP, interface: "Listing")\n'
        '  @join__type(graph: SHOP, key: "id")\n{\n  id: ID!',
        'type Shop implements Listing\n  @join__implements(graph: SHOP, interface: "Listing")\n'
        '  @join__type(graph: SHOP, key: "id")\n{\n  id: ID!\n  landmarks: [Landmark!]!',
    )
    assert "landmarks: [Landmark!]!\n  currency" in sdl

    with pytest.raises(PlanningError, match="sets context shop__place"):
        plan("{ listings { ... on Shop { landmarks { origin } } } }", parse_supergraph(sdl))
