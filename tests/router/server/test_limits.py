"""Operation limits: each refused with its code, before any subgraph is called."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from graphql import build_schema

from router.config import FieldCost, LimitsSettings
from router.limits import OperationLimits, count_tokens
from tests.router.server.conftest import Graph, running_router

SCHEMA = build_schema(
    """
    type Query { me: User, users(first: Int): [User!]!, node(id: ID!): Node }
    interface Node { id: ID! }
    type User implements Node {
      id: ID!
      name: String!
      friends(first: Int, last: Int): [User!]!
      posts(limit: Int): [Post!]!
    }
    type Post implements Node { id: ID!, title: String! }
    """
)


def _check(
    query: str,
    variables: dict[str, Any] | None = None,
    operation_name: str | None = None,
    **limits: Any,
) -> Any:
    settings = LimitsSettings(
        **{
            "max_depth": None,
            "max_aliases": None,
            "max_root_fields": None,
            "max_tokens": None,
            "max_cost": None,
            **limits,
        }
    )
    error = OperationLimits(settings, SCHEMA).check(query, operation_name, variables)
    return None if error is None else (error.extensions or {}).get("code"), error


def _code(query: str, variables: dict[str, Any] | None = None, **limits: Any) -> str | None:
    return _check(query, variables, **limits)[0]


def test_tokens_are_counted_by_the_lexer_without_comments() -> None:
    assert count_tokens("{ me { id } } # a comment") == 6
    assert count_tokens("query Q($a: Int = 1) { users(first: $a) { name } }") == 22


def test_token_limit() -> None:
    query = "{ me { id name } }"  # 7 tokens
    assert _code(query, max_tokens=7) is None
    assert _code(query, max_tokens=6) == "MAX_TOKENS_EXCEEDED"


def test_token_limit_applies_even_to_unparsable_text() -> None:
    assert _code("{ me { " + "id " * 50, max_tokens=20) == "MAX_TOKENS_EXCEEDED"


def test_depth_limit_counts_through_fragments_and_inline_fragments() -> None:
    query = """
    { me { ...F } }
    fragment F on User { friends { ... on User { friends { name } } } }
    """  # me(1) friends(2) friends(3) name(4)
    assert _code(query, max_depth=4) is None
    code, error = _check(query, max_depth=3)
    assert code == "MAX_DEPTH_EXCEEDED"
    assert error.message == "Operation depth 4 exceeds the maximum of 3."


def test_alias_limit_counts_a_fragment_each_time_it_is_spread() -> None:
    query = """
    { me { ...A friends { ...A } } }
    fragment A on User { a: id b: name }
    """  # 2 aliases in A, spread twice
    assert _code(query, max_aliases=4) is None
    code, error = _check(query, max_aliases=3)
    assert code == "MAX_ALIASES_EXCEEDED"
    assert error.message == "Operation uses 4 aliases; the maximum is 3."


def test_root_field_limit_expands_root_fragments() -> None:
    query = "{ me { id } ...R } fragment R on Query { users { id } other: me { id } }"
    assert _code(query, max_root_fields=3) is None
    assert _code(query, max_root_fields=2) == "MAX_ROOT_FIELDS_EXCEEDED"


def test_cost_multiplies_by_page_size_arguments_literal_and_variable() -> None:
    # users(first: 10) costs 10 * (1 + friends(first: 5) costs 5 * (1 + 0)) = 60
    query = "query Q($n: Int) { users(first: 10) { name friends(first: $n) { name } } }"
    assert _code(query, {"n": 5}, max_cost=60) is None
    code, error = _check(query, {"n": 6}, max_cost=60)  # 10 * (1 + 6) = 70
    assert code == "COST_LIMIT_EXCEEDED"
    assert error.extensions == {"code": "COST_LIMIT_EXCEEDED", "cost": 70, "limit": 60}


def test_cost_map_overrides_complexity_and_multipliers() -> None:
    cost_map = {
        "Query.users": FieldCost(complexity=3, multipliers=["first"]),
        "User.posts": FieldCost(complexity=2, multipliers=["limit"]),
    }
    query = "{ users(first: 4) { posts(limit: 5) { title } } }"
    # users: 4 * (3 + posts: 5 * (2 + 0)) = 52
    assert _code(query, max_cost=52, cost_map=cost_map) is None
    assert _code(query, max_cost=51, cost_map=cost_map) == "COST_LIMIT_EXCEEDED"


def test_introspection_can_be_switched_off_and_typename_stays_allowed() -> None:
    assert _code("{ __schema { types { name } } }", introspection=False) == "INTROSPECTION_DISABLED"
    assert _code('{ __type(name: "User") { name } }', introspection=False) == (
        "INTROSPECTION_DISABLED"
    )
    assert _code("{ __typename me { id } }", introspection=False) is None
    assert _code("{ __schema { types { name } } }", introspection=True) is None


@pytest.mark.timeout(10)
def test_fragment_cycles_do_not_hang_and_are_left_to_validation() -> None:
    query = """
    { me { ...A } }
    fragment A on User { friends(first: 1) { ...B } }
    fragment B on User { friends(first: 1) { ...A } }
    """
    assert _check(query, max_depth=10, max_aliases=1, max_cost=100, max_root_fields=1)[0] is None


def test_unparsable_documents_pass_so_the_gateway_reports_the_syntax_error() -> None:
    assert _code("{ me {", max_depth=1, max_tokens=100) is None


async def test_limits_are_enforced_before_any_subgraph_is_called(
    graph: Graph, client: httpx.AsyncClient
) -> None:
    limits = {
        "max_depth": 2,
        "max_aliases": 1,
        "max_root_fields": 1,
        "max_tokens": 40,
        "max_cost": 20,
        "introspection": False,
    }
    cases = {
        "{ me { friends { name } } }": "MAX_DEPTH_EXCEEDED",
        "{ me { a: id b: name } }": "MAX_ALIASES_EXCEEDED",
        "{ me { id } users { id } }": "MAX_ROOT_FIELDS_EXCEEDED",
        "{ me { " + "id " * 40 + "} }": "MAX_TOKENS_EXCEEDED",
        "{ users(first: 30) { id } }": "COST_LIMIT_EXCEEDED",
        "{ __schema { queryType { name } } }": "INTROSPECTION_DISABLED",
    }
    async with running_router(graph, limits=limits) as router:
        for query, code in cases.items():
            response = await client.post(
                router.graphql,
                json={"query": query},
                headers={"accept": "application/graphql-response+json"},
            )
            assert response.status_code == 400, query
            [error] = response.json()["errors"]
            assert error["extensions"]["code"] == code, query
        allowed = await client.post(router.graphql, json={"query": "{ me { name } }"})

    assert allowed.json() == {"data": {"me": {"name": "Ada"}}}
    assert graph.cluster.counts() == {"users": 1, "messages": 0}


async def test_graphiql_introspection_query_passes_the_default_limits(
    graph: Graph, client: httpx.AsyncClient
) -> None:
    from graphql import get_introspection_query

    async with running_router(graph) as router:
        response = await client.post(
            router.graphql, json={"query": get_introspection_query(descriptions=True)}
        )

    types = {t["name"] for t in response.json()["data"]["__schema"]["types"]}
    assert {"User", "Message", "Query", "Subscription"} <= types
    assert "join__Graph" not in types
    assert graph.cluster.counts() == {"users": 0, "messages": 0}


def test_an_omitted_page_size_costs_its_schema_default_else_the_default_page_size() -> None:
    schema = build_schema(
        "type Query { items(first: Int = 20): [Item!]!, others(first: Int): [Item!]! }"
        " type Item { id: ID! }"
    )

    def cost(query: str) -> int:
        limits = LimitsSettings(max_cost=0, default_page_size=7)
        error = OperationLimits(limits, schema).check(query, None, None)
        assert error is not None
        return int((error.extensions or {})["cost"])

    assert cost("{ items { id } }") == cost("{ items(first: 20) { id } }") == 20
    assert cost("{ items(first: null) { id } }") == 20
    assert cost("query($n: Int = 3) { items(first: $n) { id } }") == 3
    assert cost("{ others { id } }") == 7


def test_limits_measure_each_fragment_once_so_exponential_spreads_are_counted_exactly() -> None:
    from bench.limits_bench import nested_spreads

    # One spread of F0, then each of 29 fragments spreads the next twice: 2^30 - 1 spreads.
    code, error = _check(nested_spreads(29), max_fragment_spreads=10**10, max_fields=100)
    assert code == "MAX_FIELDS_EXCEEDED"
    assert error.message.startswith(f"The document selects {2**29 + 1} fields")
    code, error = _check(nested_spreads(29), max_fragment_spreads=1000)
    assert error.message.startswith(f"The document spreads fragments {2**30 - 1} times")


def test_expansion_limits_cover_operations_not_selected_and_unused_fragments() -> None:
    from bench.limits_bench import nested_spreads, repeated_fields

    second = nested_spreads(20).replace("{ me {", "query B { me {", 1)
    unselected = "query A { me { id } }\n" + second
    code, _ = _check(unselected, operation_name="A")
    assert code == "MAX_FRAGMENT_SPREADS_EXCEEDED"
    unused = "{ me { id } }\nfragment Unused on User { friends(first: 1) { id } }\n" + (
        "fragment Big on User " + repeated_fields(60)[len("{ me ") : -2]
    )
    code, _ = _check(unused)
    assert code == "MAX_FIELD_REPEATS_EXCEEDED"
    assert _check("query A { me { id } } query B { me { name } }")[0] is None  # no name: passes
