"""Null propagation exactly as the GraphQL spec says, and errors at the client's response paths."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from typing import Any

import pytest
from graphql import GraphQLError

from tests.router.execution.support import Federation, federation, hand_supergraph
from tests.router.subgraph_kit import federated_app

SUPERGRAPH = hand_supergraph(
    ["products", "reviews"],
    """
type Query @join__type(graph: PRODUCTS) @join__type(graph: REVIEWS) {
  product(id: ID!): Product @join__field(graph: PRODUCTS)
  products: [Product!] @join__field(graph: PRODUCTS)
  strictProducts: [Product!]! @join__field(graph: PRODUCTS)
  things: [Thing!]! @join__field(graph: PRODUCTS)
}
type Product @join__type(graph: PRODUCTS, key: "id") @join__type(graph: REVIEWS, key: "id") {
  id: ID!
  name: String! @join__field(graph: PRODUCTS, type: "String")
  rating: Float @join__field(graph: REVIEWS)
  score: Float! @join__field(graph: REVIEWS)
}
union Thing @join__type(graph: PRODUCTS) @join__unionMember(graph: PRODUCTS, member: "P")
  @join__unionMember(graph: PRODUCTS, member: "Q") = P | Q
type P @join__type(graph: PRODUCTS) { v: String @join__field(graph: PRODUCTS, type: "String!") }
type Q @join__type(graph: PRODUCTS) { v: String }
""",
)
# The products subgraph declares `name` nullable: it may answer null without an error.
PRODUCTS_SDL = """
type Query { product(id: ID!): Product products: [Product!] strictProducts: [Product!]!
             things: [Thing!]! }
type Product @key(fields: "id") { id: ID! name: String }
union Thing = P | Q
type P { v: String! }
type Q { v: String }
"""
REVIEWS_SDL = 'type Product @key(fields: "id") { id: ID! rating: Float score: Float! }'

PRODUCTS = {
    "p1": {"id": "p1", "name": "Lamp"},
    "p2": {"id": "p2", "name": None},
    "gone": {"id": "gone", "name": "Ghost"},
    "bad": {"id": "bad", "name": "Broken"},
}


def _fail(message: str):
    def resolve() -> None:
        raise GraphQLError(message, extensions={"code": "NOT_FOUND"})

    return resolve


def _review(rep: dict) -> dict | None:
    if rep["id"] == "gone":
        return None  # no entity and no error
    if rep["id"] == "bad":
        return {"id": "bad", "rating": _fail("no rating"), "score": 1.0}
    return {"id": rep["id"], "rating": 4.5, "score": 9.0}


def _apps(**reviews_options: Any) -> dict:
    q_value = _fail("v is hidden")
    return {
        "products": federated_app(
            PRODUCTS_SDL,
            root={
                "product": lambda id: PRODUCTS.get(id),
                "products": lambda: [PRODUCTS["p1"], PRODUCTS["bad"], PRODUCTS["p1"]],
                "strictProducts": lambda: [PRODUCTS["p1"], PRODUCTS["p2"]],
                "things": lambda: [
                    {"__typename": "P", "v": "p"},
                    {"__typename": "Q", "v": q_value},
                ],
            },
            entities={"Product": lambda rep: PRODUCTS.get(rep["id"])},
        ),
        "reviews": federated_app(REVIEWS_SDL, entities={"Product": _review}, **reviews_options),
    }


@pytest.fixture(scope="module")
async def fed() -> AsyncIterator[Federation]:
    async with federation(SUPERGRAPH, _apps()) as running:
        yield running


def _null_error(type_field: str, path: list) -> dict:
    return {
        "message": f"Cannot return null for non-nullable field {type_field}.",
        "path": path,
        "extensions": {"code": "NON_NULL_VIOLATION"},
    }


async def test_null_without_error_in_a_non_null_field_nulls_the_nullable_parent(
    fed: Federation,
) -> None:
    result = await fed.query('{ product(id: "p2") { id name } }')
    assert result == {
        "data": {"product": None},
        "errors": [_null_error("Product.name", ["product", "name"])],
    }
    assert fed.counts() == {"products": 1, "reviews": 0}


async def test_null_bubbles_through_non_null_list_items_to_the_nullable_list(
    fed: Federation,
) -> None:
    query = '{ products { name } p: product(id: "p1") { name } }'
    result = await fed.query(query.replace("products", "strictProducts"))
    # [Product!]! has no nullable position left: the whole data is null.
    assert result == {
        "data": None,
        "errors": [_null_error("Product.name", ["strictProducts", 1, "name"])],
    }
    result = await fed.query('{ product(id: "p2") { name } strict: strictProducts { id } }')
    assert result["data"] == {"product": None, "strict": [{"id": "p1"}, {"id": "p2"}]}
    assert result["errors"] == [_null_error("Product.name", ["product", "name"])]


async def test_entity_missing_without_error_reports_the_non_null_field(fed: Federation) -> None:
    result = await fed.query('{ product(id: "gone") { name score } }')
    assert result == {
        "data": {"product": None},
        "errors": [_null_error("Product.score", ["product", "score"])],
    }
    assert fed.counts() == {"products": 1, "reviews": 1}


async def test_entity_error_goes_to_every_path_of_the_deduplicated_representation(
    fed: Federation,
) -> None:
    result = await fed.query("{ items: products { id r: rating } }")
    assert result == {
        "data": {
            "items": [
                {"id": "p1", "r": 4.5},
                {"id": "bad", "r": None},
                {"id": "p1", "r": 4.5},
            ]
        },
        "errors": [
            {"message": "no rating", "path": ["items", 1, "r"], "extensions": {"code": "NOT_FOUND"}}
        ],
    }
    reps = fed.cluster["reviews"].requests[0].json()["variables"]["representations"]
    assert reps == [{"__typename": "Product", "id": "p1"}, {"__typename": "Product", "id": "bad"}]


async def test_subgraph_error_explains_the_null_it_caused(fed: Federation) -> None:
    # rating is nullable, so the subgraph error is the only one even with duplicates around it.
    result = await fed.query(
        '{ a: product(id: "bad") { rating } b: product(id: "bad") { id rating } }'
    )
    assert result["data"] == {"a": {"rating": None}, "b": {"id": "bad", "rating": None}}
    assert [e["path"] for e in result["errors"]] == [["a", "rating"], ["b", "rating"]]
    assert fed.counts() == {"products": 1, "reviews": 1}


async def test_error_paths_use_client_keys_not_internal_aliases(fed: Federation) -> None:
    result = await fed.query("{ things { ... on P { v } ... on Q { v } } }")
    assert "_v1: v" in fed.cluster["products"].queries[0]
    assert result == {
        "data": {"things": [{"v": "p"}, {"v": None}]},
        "errors": [
            {
                "message": "v is hidden",
                "path": ["things", 1, "v"],
                "extensions": {"code": "NOT_FOUND"},
            }
        ],
    }


async def test_failed_entity_fetch_reports_the_service_at_client_paths() -> None:
    async with federation(SUPERGRAPH, _apps(status=503)) as fed:
        result = await fed.query('{ product(id: "p1") { name rating } list: products { score } }')
        failure = {
            "message": "HTTP fetch failed from 'reviews': 503 Service Unavailable",
            "extensions": {
                "code": "SUBREQUEST_HTTP_ERROR",
                "service": "reviews",
                "reason": "503 Service Unavailable",
            },
        }
        assert result == {
            "data": {"product": {"name": "Lamp", "rating": None}, "list": None},
            "errors": [
                {**failure, "path": ["product"]},
                {**failure, "path": ["list"]},
                _null_error("Product.score", ["list", 0, "score"]),
            ],
        }
        # Both paths are fetched in one step: one (failed) request.
        assert fed.counts() == {"products": 1, "reviews": 1}


async def test_slow_entity_fetch_times_out_into_errors_at_its_path() -> None:
    release = asyncio.Event()
    try:
        options = {"per_subgraph_timeouts": {"reviews": 0.2}}
        async with federation(SUPERGRAPH, _apps(delay=release), **options) as fed:
            result = await fed.query('{ product(id: "p1") { name score } }')
            assert result["data"] == {"product": None}
            timeout, null = result["errors"]
            assert timeout["path"] == ["product"]
            assert timeout["extensions"]["code"] == "SUBREQUEST_HTTP_ERROR"
            assert timeout["extensions"]["service"] == "reviews"
            assert timeout["message"] == "HTTP fetch failed from 'reviews': timed out after 0.2s"
            assert null == _null_error("Product.score", ["product", "score"])
            release.set()
    finally:
        release.set()
