"""Results: null propagation, error paths, failing and slow subgraphs, deduplication, mutations."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import pytest
from graphql import GraphQLError

from tests.router.execution.support import Federation, federation, hand_supergraph
from tests.router.subgraph_kit import federated_app

SUPERGRAPH = hand_supergraph(
    ["products", "reviews"],
    """
type Query @join__type(graph: PRODUCTS) @join__type(graph: REVIEWS) {
  products: [Product!]! @join__field(graph: PRODUCTS)
  product(id: ID!): Product @join__field(graph: PRODUCTS)
  motto: String @join__field(graph: REVIEWS)
}
type Mutation @join__type(graph: PRODUCTS) @join__type(graph: REVIEWS) {
  addProduct(name: String!): Product! @join__field(graph: PRODUCTS)
  addReview(productId: ID!, body: String!): Review! @join__field(graph: REVIEWS)
}
type Product @join__type(graph: PRODUCTS, key: "id") @join__type(graph: REVIEWS, key: "id") {
  id: ID!
  name: String! @join__field(graph: PRODUCTS)
  reviews: [Review!]! @join__field(graph: REVIEWS)
  rating: Float @join__field(graph: REVIEWS)
}
type Review @join__type(graph: REVIEWS) {
  body: String!
  author: String
}
""",
    roots="query: Query mutation: Mutation",
)

PRODUCTS_SDL = """
type Query { products: [Product!]! product(id: ID!): Product }
type Mutation { addProduct(name: String!): Product! }
type Product @key(fields: "id") { id: ID! name: String! }
"""
REVIEWS_SDL = """
type Query { motto: String }
type Mutation { addReview(productId: ID!, body: String!): Review! }
type Product @key(fields: "id") { id: ID! reviews: [Review!]! rating: Float }
type Review { body: String! author: String }
"""

PRODUCTS = {
    "p1": {"id": "p1", "name": "Lamp"},
    "p2": {"id": "p2", "name": "Desk"},
    "bad": {"id": "bad", "name": "Broken"},
}
LOG: list[str] = []


def _fail(message: str):
    def resolve() -> None:
        raise GraphQLError(message, extensions={"code": "NOT_FOUND"})

    return resolve


def _review_entity(rep: dict) -> dict:
    if rep["id"] == "bad":
        return {
            "id": "bad",
            "reviews": [{"body": _fail("body is gone"), "author": "x"}],
            "rating": 1.0,
        }
    return {
        "id": rep["id"],
        "reviews": [{"body": f"nice {rep['id']}", "author": None}],
        "rating": 4.5,
    }


def _add_product(name: str) -> dict:
    LOG.append(f"products:{name}")
    return {"id": f"new-{name}", "name": name}


def _add_review(productId: str, body: str) -> dict:
    LOG.append(f"reviews:{body}")
    return {"body": body, "author": None}


def _products_app(**options):
    return federated_app(
        PRODUCTS_SDL,
        root={
            "products": lambda: [PRODUCTS["p1"], PRODUCTS["p2"], PRODUCTS["p1"]],
            "product": lambda id: PRODUCTS.get(id),
            "addProduct": _add_product,
        },
        entities={"Product": lambda rep: PRODUCTS.get(rep["id"])},
        **options,
    )


def _reviews_app(**options):
    return federated_app(
        REVIEWS_SDL,
        root={"motto": "be kind", "addReview": _add_review},
        entities={"Product": _review_entity},
        **options,
    )


@pytest.fixture(scope="module")
async def fed() -> AsyncIterator[Federation]:
    apps = {"products": _products_app(), "reviews": _reviews_app()}
    async with federation(SUPERGRAPH, apps) as running:
        yield running


async def test_representations_are_deduplicated_and_sent_in_one_request(fed: Federation) -> None:
    result = await fed.query("{ products { name rating } }")
    assert result == {
        "data": {
            "products": [
                {"name": "Lamp", "rating": 4.5},
                {"name": "Desk", "rating": 4.5},
                {"name": "Lamp", "rating": 4.5},
            ]
        }
    }
    assert fed.counts() == {"products": 1, "reviews": 1}
    reps = fed.cluster["reviews"].requests[0].json()["variables"]["representations"]
    assert reps == [{"__typename": "Product", "id": "p1"}, {"__typename": "Product", "id": "p2"}]


async def test_non_null_violation_bubbles_to_the_nearest_nullable_parent(fed: Federation) -> None:
    result = await fed.query('{ product(id: "bad") { name reviews { body } } motto }')
    assert result == {
        "data": {"product": None, "motto": "be kind"},
        "errors": [
            {
                "message": "body is gone",
                "path": ["product", "reviews", 0, "body"],
                "extensions": {"code": "NOT_FOUND"},
            }
        ],
    }
    assert fed.counts() == {"products": 1, "reviews": 2}


async def test_mutations_run_one_after_another_in_document_order(fed: Federation) -> None:
    LOG.clear()
    result = await fed.query(
        'mutation { a: addProduct(name: "x") { id name } '
        'r: addReview(productId: "p1", body: "hi") { body } '
        'b: addProduct(name: "y") { id } }'
    )
    assert result == {
        "data": {"a": {"id": "new-x", "name": "x"}, "r": {"body": "hi"}, "b": {"id": "new-y"}}
    }
    assert LOG == ["products:x", "reviews:hi", "products:y"]
    assert fed.counts() == {"products": 2, "reviews": 1}


async def test_failing_subgraph_gives_partial_data_and_an_error() -> None:
    apps = {"products": _products_app(), "reviews": _reviews_app(status=503)}
    async with federation(SUPERGRAPH, apps) as fed:
        result = await fed.query('{ product(id: "p1") { name rating } motto }')
        assert result["data"] == {"product": {"name": "Lamp", "rating": None}, "motto": None}
        codes = {e["extensions"]["code"] for e in result["errors"]}
        assert codes == {"SUBREQUEST_HTTP_ERROR"}
        assert all(e["extensions"]["service"] == "reviews" for e in result["errors"])
        assert len(result["errors"]) == 2


async def test_slow_subgraph_times_out_into_partial_data() -> None:
    release = asyncio.Event()
    apps = {"products": _products_app(), "reviews": _reviews_app(delay=release)}
    try:
        async with federation(SUPERGRAPH, apps, per_subgraph_timeouts={"reviews": 0.2}) as fed:
            result = await fed.query('{ product(id: "p1") { name rating } }')
            assert result["data"] == {"product": {"name": "Lamp", "rating": None}}
            assert result["errors"][0]["extensions"]["code"] == "SUBREQUEST_HTTP_ERROR"
            assert "timed out" in result["errors"][0]["message"]
            release.set()
    finally:
        release.set()


async def test_failing_non_null_root_field_nulls_data(fed: Federation) -> None:
    apps = {"products": _products_app(status=500), "reviews": _reviews_app()}
    async with federation(SUPERGRAPH, apps) as failing:
        result = await failing.query("{ products { name } }")
        assert result["data"] is None
        assert result["errors"][0]["extensions"]["code"] == "SUBREQUEST_HTTP_ERROR"
