"""Client side: aliases, variables, @skip/@include, __typename, field order, introspection."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from router.gateway import GatewayRequest, GatewayRequestError
from tests.router.execution.support import (
    Federation,
    federation,
    reference_supergraph,
    subgraph_sdl,
)
from tests.router.execution.test_keys import _apps as keys_apps
from tests.router.subgraph_kit import federated_app


@pytest.fixture(scope="module")
async def fed() -> AsyncIterator[Federation]:
    async with federation(reference_supergraph("keys"), keys_apps()) as running:
        yield running


async def test_aliases_of_one_field_with_different_arguments(fed: Federation) -> None:
    result = await fed.query('{ a: user(id: "u1") { who: name } b: user(id: "u2") { name id } }')
    assert result == {"data": {"a": {"who": "Ada"}, "b": {"name": "Bob", "id": "u2"}}}
    assert fed.counts() == {"users": 1, "catalog": 0, "billing": 0}


async def test_response_has_client_order_and_no_internal_key_fields(fed: Federation) -> None:
    result = await fed.query("{ products { taxCode price } }")
    assert result == {
        "data": {
            "products": [
                {"taxCode": "T-1", "price": 10},
                {"taxCode": "T-2", "price": 90},
                {"taxCode": None, "price": 30},
            ]
        }
    }
    assert [list(p) for p in result["data"]["products"]] == [["taxCode", "price"]] * 3


async def test_each_fetch_receives_only_the_variables_it_uses(fed: Federation) -> None:
    query = """
      query Q($id: ID!, $m: ID!, $region: String = "eu", $n: Int!) {
        user(id: $id) { name }
        membership(id: $m) { role }
        account(region: $region, number: $n) { balance }
      }
    """
    result = await fed.query(query, {"id": "u1", "m": "m9", "n": 7})
    assert result == {
        "data": {
            "user": {"name": "Ada"},
            "membership": {"role": "admin"},
            "account": {"balance": 12.5},
        }
    }
    assert fed.counts() == {"users": 1, "catalog": 1, "billing": 1}
    assert fed.cluster["users"].requests[0].json()["variables"] == {"id": "u1", "n": 7}
    assert fed.cluster["catalog"].requests[0].json()["variables"] == {"m": "m9"}
    assert set(fed.cluster["billing"].requests[0].json()["variables"]) == {"representations"}


async def test_skipped_fields_and_what_only_they_require_are_never_fetched(fed: Federation) -> None:
    query = "query($tax: Boolean!) { products { price taxCode @include(if: $tax) } }"
    result = await fed.query(query, {"tax": False})
    assert result == {"data": {"products": [{"price": 10}, {"price": 90}, {"price": 30}]}}
    assert fed.counts() == {"users": 0, "catalog": 1, "billing": 0}

    result = await fed.query(query, {"tax": True})
    assert result["data"]["products"][0] == {"price": 10, "taxCode": "T-1"}
    assert fed.counts() == {"users": 1, "catalog": 1, "billing": 1}

    result = await fed.query("{ products { price ... @skip(if: true) { title } } }")
    assert result == {"data": {"products": [{"price": 10}, {"price": 90}, {"price": 30}]}}
    assert fed.counts() == {"users": 0, "catalog": 1, "billing": 0}


async def test_typename_everywhere_without_extra_fetches(fed: Federation) -> None:
    result = await fed.query(
        '{ __typename user(id: "u1") { __typename t: __typename } products { __typename } }'
    )
    assert result["data"]["__typename"] == "Query"
    assert result["data"]["user"] == {"__typename": "User", "t": "User"}
    assert result["data"]["products"][0] == {"__typename": "Product"}
    assert fed.counts() == {"users": 1, "catalog": 1, "billing": 0}


async def test_introspection_is_answered_locally(fed: Federation) -> None:
    result = await fed.query(
        '{ __schema { queryType { name } } __type(name: "User") { fields { name } } }'
    )
    assert result == {
        "data": {
            "__schema": {"queryType": {"name": "Query"}},
            "__type": {"fields": [{"name": "id"}, {"name": "name"}]},
        }
    }
    assert fed.counts() == {"users": 0, "catalog": 0, "billing": 0}


async def test_introspection_mixed_with_data(fed: Federation) -> None:
    result = await fed.query('{ t: __type(name: "Organisation") { name } user(id: "u2") { name } }')
    assert result == {"data": {"t": {"name": "Organisation"}, "user": {"name": "Bob"}}}
    assert fed.counts() == {"users": 1, "catalog": 0, "billing": 0}


async def test_invalid_operations_are_refused_before_any_fetch(fed: Federation) -> None:
    with pytest.raises(GatewayRequestError) as caught:
        fed.gateway.prepare(GatewayRequest("{ user(id: 1) { nope } }"))
    assert caught.value.errors[0].extensions == {"code": "GRAPHQL_VALIDATION_FAILED"}
    with pytest.raises(GatewayRequestError) as caught:
        fed.gateway.prepare(GatewayRequest("{ user("))
    assert caught.value.errors[0].extensions == {"code": "GRAPHQL_PARSE_FAILED"}
    result = await fed.query("query($id: ID!) { user(id: $id) { name } }", {})
    assert result["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT"
    assert fed.counts() == {"users": 0, "catalog": 0, "billing": 0}


async def test_plans_are_cached_per_operation(fed: Federation) -> None:
    request = GatewayRequest('{ user(id: "u1") { name } }')
    assert fed.gateway.prepare(request) is fed.gateway.prepare(GatewayRequest(request.query))


async def test_inaccessible_elements_are_invisible_to_clients() -> None:
    users = {"u1": {"id": "u1", "name": "Ada", "passwordHash": "x", "role": "ADMIN"}}
    users["u2"] = {"id": "u2", "name": "Bob", "passwordHash": "y", "role": "SELLER"}
    apps = {
        "users": federated_app(
            subgraph_sdl("inaccessible", "users"),
            root={"user": lambda id: users.get(id), "users": lambda **_: list(users.values())},
            entities={"User": lambda rep: users.get(rep["id"])},
        ),
        "audit": federated_app(
            subgraph_sdl("inaccessible", "audit"),
            entities={
                "User": lambda rep: {"id": rep["id"], "lastLogin": "today", "riskScore": 0.1}
            },
        ),
    }
    async with federation(reference_supergraph("inaccessible"), apps) as fed:
        for hidden in (
            '{ user(id: "u1") { passwordHash } }',
            "{ internal { count } }",
            "{ users(debug: true) { id } }",
            "{ users(filter: {internalOnly: true}) { id } }",
            '{ user(id: "u1") { riskScore } }',
        ):
            with pytest.raises(GatewayRequestError):
                fed.gateway.prepare(GatewayRequest(hidden))
        result = await fed.query('{ __type(name: "Role") { enumValues { name } } }')
        assert result == {
            "data": {"__type": {"enumValues": [{"name": "BUYER"}, {"name": "SELLER"}]}}
        }
        # A hidden enum value from a subgraph cannot be shown: the non-null field nulls its parent.
        result = await fed.query(
            '{ u2: user(id: "u2") { role lastLogin } u1: user(id: "u1") { role } }'
        )
        assert result["data"] == {"u2": {"role": "SELLER", "lastLogin": "today"}, "u1": None}
