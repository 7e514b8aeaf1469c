"""@context / @fromContext through live subgraphs (fixture `context`).

catalog prices products in the currency of the nearest Store or Category above them (Store's
currency belongs to stores; catalog declares it @external); reviews names the product above a
review in its headline (Product.name belongs to catalog).
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import pytest
from graphql import graphql_sync

from router.api_schema import build_api_schema
from router.gateway import GatewayRequestError
from tests.router.execution.support import (
    Federation,
    federation,
    reference_supergraph,
    subgraph_sdl,
)
from tests.router.subgraph_kit import federated_app

STORES = {
    "s1": {"id": "s1", "name": "Paris", "currency": "EUR"},
    "s2": {"id": "s2", "name": "London", "currency": "GBP"},
}
RATES = {"EUR": 1.0, "GBP": 0.5, "USD": 2.0}
BASE_PRICES = {"p1": 10.0, "p2": 100.0, "p3": 1.0}
PRODUCT_NAMES = {"p1": "Lamp", "p2": "Sofa", "p3": "Broken"}
STORE_PRODUCTS = {"s1": ["p1", "p2"], "s2": ["p1"]}
CATEGORIES = {"c1": {"id": "c1", "currency": "USD", "products": ["p2"]}}
STORE_CATEGORIES = {"s1": ["c1"], "s2": []}
REVIEWS = {"p1": [{"id": "r1", "text": "bright"}], "p2": [{"id": "r2", "text": "soft"}]}


def _price(product_id: str) -> Any:
    def price(currency: str | None = None, withTax: bool = False) -> dict[str, Any]:
        if product_id == "p3":
            raise ValueError("no price for p3")
        amount = BASE_PRICES[product_id] * RATES[currency or "EUR"] * (1.2 if withTax else 1.0)
        return {"amount": amount, "currency": currency}

    return price


def _product(product_id: str) -> dict[str, Any]:
    return {"id": product_id, "name": PRODUCT_NAMES[product_id], "price": _price(product_id)}


def _catalog_store(rep: dict[str, Any]) -> dict[str, Any]:
    store_id = rep["id"]
    return {
        "id": store_id,
        "products": [_product(p) for p in STORE_PRODUCTS.get(store_id, [])],
        "categories": [
            {**CATEGORIES[c], "products": [_product(p) for p in CATEGORIES[c]["products"]]}
            for c in STORE_CATEGORIES.get(store_id, [])
        ],
    }


def _review(review: dict[str, Any]) -> dict[str, Any]:
    def headline(product: str | None = None, store: str | None = None) -> str:
        return f"{product}: {review['text']}" + (f" ({store})" if store else "")

    return {**review, "headline": headline}


def _apps() -> dict[str, Any]:
    return {
        "stores": federated_app(
            subgraph_sdl("context", "stores"),
            root={"store": lambda id: STORES.get(id), "stores": list(STORES.values())},
            entities={"Store": lambda rep: STORES.get(rep["id"])},
        ),
        "catalog": federated_app(
            subgraph_sdl("context", "catalog"),
            entities={
                "Store": _catalog_store,
                "Product": lambda rep: _product(rep["id"]),
            },
        ),
        "reviews": federated_app(
            subgraph_sdl("context", "reviews"),
            entities={
                "Product": lambda rep: {
                    "id": rep["id"],
                    "reviews": [_review(r) for r in REVIEWS.get(rep["id"], [])],
                },
                "Review": lambda rep: next(
                    _review(r) for rs in REVIEWS.values() for r in rs if r["id"] == rep["id"]
                ),
            },
        ),
    }


@pytest.fixture(scope="module", params=["reference", "guild"])
async def fed(request: pytest.FixtureRequest) -> AsyncIterator[Federation]:
    async with federation(reference_supergraph("context", request.param), _apps()) as running:
        yield running


def _price_requests(fed: Federation) -> list[dict[str, Any]]:
    return [
        r.json()
        for r in fed.cluster["catalog"].requests
        if "contextualArgument" in r.json()["query"]
    ]


async def test_argument_comes_from_the_store_above_the_product(fed: Federation) -> None:
    result = await fed.query(
        '{ store(id: "s1") { name products { name price { amount currency } } } }'
    )

    assert result == {
        "data": {
            "store": {
                "name": "Paris",
                "products": [
                    {"name": "Lamp", "price": {"amount": 10.0, "currency": "EUR"}},
                    {"name": "Sofa", "price": {"amount": 100.0, "currency": "EUR"}},
                ],
            }
        }
    }
    assert fed.counts() == {"stores": 1, "catalog": 2, "reviews": 0}
    [request] = _price_requests(fed)
    assert request["variables"] == {
        "representations": [
            {"__typename": "Product", "id": "p1"},
            {"__typename": "Product", "id": "p2"},
        ],
        "contextualArgument_1_0": "EUR",
    }


async def test_entities_with_different_values_share_one_request(fed: Federation) -> None:
    result = await fed.query("{ stores { name products { price { amount currency } } } }")

    assert result == {
        "data": {
            "stores": [
                {
                    "name": "Paris",
                    "products": [
                        {"price": {"amount": 10.0, "currency": "EUR"}},
                        {"price": {"amount": 100.0, "currency": "EUR"}},
                    ],
                },
                {"name": "London", "products": [{"price": {"amount": 5.0, "currency": "GBP"}}]},
            ]
        }
    }
    assert fed.counts() == {"stores": 1, "catalog": 2, "reviews": 0}
    [request] = _price_requests(fed)
    assert request["variables"] == {
        "representations_0": [
            {"__typename": "Product", "id": "p1"},
            {"__typename": "Product", "id": "p2"},
        ],
        "representations_1": [{"__typename": "Product", "id": "p1"}],
        "contextualArgument_1_0_0": "EUR",
        "contextualArgument_1_0_1": "GBP",
    }


async def test_nearest_object_setting_the_context_wins(fed: Federation) -> None:
    result = await fed.query(
        '{ store(id: "s1") { products { name price { currency } }'
        " categories { products { name price { amount currency } } } } }"
    )

    assert result == {
        "data": {
            "store": {
                "products": [
                    {"name": "Lamp", "price": {"currency": "EUR"}},
                    {"name": "Sofa", "price": {"currency": "EUR"}},
                ],
                "categories": [
                    {"products": [{"name": "Sofa", "price": {"amount": 200.0, "currency": "USD"}}]}
                ],
            }
        }
    }


async def test_client_arguments_and_variables_go_along(fed: Federation) -> None:
    query = (
        "query Prices($tax: Boolean) { stores { products { price(withTax: $tax) { amount } } } }"
    )

    result = await fed.query(query, {"tax": True}, operation_name="Prices")

    assert result == {
        "data": {
            "stores": [
                {"products": [{"price": {"amount": 12.0}}, {"price": {"amount": 120.0}}]},
                {"products": [{"price": {"amount": 6.0}}]},
            ]
        }
    }
    [request] = _price_requests(fed)
    assert request["variables"]["tax"] is True
    assert request["query"].startswith("query Prices__catalog__")


async def test_context_read_from_a_field_another_subgraph_resolves(fed: Federation) -> None:
    result = await fed.query(
        '{ store(id: "s2") { products { reviews { headline(store: "x") } } } }'
    )

    assert result == {
        "data": {"store": {"products": [{"reviews": [{"headline": "Lamp: bright (x)"}]}]}}
    }
    assert fed.counts() == {"stores": 1, "catalog": 1, "reviews": 2}
    [request] = [
        r.json() for r in fed.cluster["reviews"].requests if "headline" in r.json()["query"]
    ]
    # Named as Apollo's router names it: reviews is the 2nd subgraph.
    assert request["variables"]["contextualArgument_2_0"] == "Lamp"


async def test_entity_errors_land_on_their_objects(fed: Federation) -> None:
    STORE_PRODUCTS["s2"] = ["p1", "p3"]
    try:
        result = await fed.query("{ stores { products { name price { amount } } } }")
    finally:
        STORE_PRODUCTS["s2"] = ["p1"]

    # Money! in [Product!]! in [Store!]!: the null reaches the root.
    assert result["data"] is None
    assert [e["path"] for e in result["errors"]] == [["stores", 1, "products", 1, "price"]]
    assert result["errors"][0]["message"] == "no price for p3"


def test_api_schema_hides_contextual_arguments() -> None:
    query = '{ __type(name: "Product") { fields { name args { name } } } }'
    supergraph = reference_supergraph("context")
    # A supergraph may keep the argument, marked: it stays hidden.
    kept = supergraph.replace(
        "price(withTax: Boolean = false)",
        'price(currency: String @context__fromContext(field: "$store { currency }"), '
        "withTax: Boolean = false)",
    ).replace("headline(store: String)", "headline(product: String, store: String)")
    assert kept != supergraph

    for sdl in (supergraph, kept):
        result = graphql_sync(build_api_schema(sdl), query)
        assert result.errors is None and result.data is not None
        fields = {
            f["name"]: [a["name"] for a in f["args"]] for f in result.data["__type"]["fields"]
        }
        assert fields["price"] == ["withTax"]


async def test_contextual_argument_cannot_be_given_by_clients(fed: Federation) -> None:
    with pytest.raises(GatewayRequestError, match="Unknown argument 'currency'"):
        await fed.query('{ store(id: "s1") { products { price(currency: "USD") { amount } } } }')
    assert sum(fed.counts().values()) == 0


# ---------------------------------------------------------------- abstract context types
# Fixture `context-abstract`: the interface Listing (Shop, Market) sets "listing" for product
# prices; the union Place (Town, Market) sets "place" for landmarks, read with a type condition
# per member.

SHOPS = {"sh1": {"id": "sh1", "currency": "EUR"}}
MARKETS = {"m1": {"id": "m1", "currency": "USD", "region": "Alps"}}
TOWNS = {"t1": {"id": "t1", "country": "FR"}}


def _shop_product(product_id: str) -> dict[str, Any]:
    def price(currency: str | None = None) -> float:
        return BASE_PRICES[product_id] * RATES[currency or "EUR"]

    return {"id": product_id, "price": price}


def _landmark(landmark_id: str) -> dict[str, Any]:
    def origin(where: str | None = None) -> str:
        return f"{landmark_id} in {where}"

    return {"id": landmark_id, "name": landmark_id, "origin": origin}


def _abstract_app() -> Any:
    shops = [{"__typename": "Shop", **s, "products": [_shop_product("p1")]} for s in SHOPS.values()]
    markets = [
        {
            "__typename": "Market",
            **m,
            "products": [_shop_product("p2")],
            "landmarks": [_landmark("Bridge")],
        }
        for m in MARKETS.values()
    ]
    towns = [
        {"__typename": "Town", **t, "shops": shops, "landmarks": [_landmark("Tower")]}
        for t in TOWNS.values()
    ]
    return federated_app(
        subgraph_sdl("context-abstract", "shop"),
        root={"listings": shops + markets, "places": towns + markets},
        entities={
            "Product": lambda rep: _shop_product(rep["id"]),
            "Landmark": lambda rep: _landmark(rep["id"]),
        },
    )


async def test_contexts_set_by_interfaces_and_unions() -> None:
    apps = {"shop": _abstract_app()}
    async with federation(reference_supergraph("context-abstract"), apps) as fed:
        result = await fed.query(
            "{ listings { id products { price } ... on Market { landmarks { origin } } }"
            " places { ... on Town { landmarks { origin } shops { products { price } } }"
            " ... on Market { region landmarks { name origin } } } }"
        )

    assert result == {
        "data": {
            "listings": [
                {"id": "sh1", "products": [{"price": 10.0}]},
                {
                    "id": "m1",
                    "products": [{"price": 200.0}],
                    "landmarks": [{"origin": "Bridge in Alps"}],
                },
            ],
            "places": [
                {
                    "landmarks": [{"origin": "Tower in FR"}],
                    "shops": [{"products": [{"price": 10.0}]}],
                },
                {"region": "Alps", "landmarks": [{"name": "Bridge", "origin": "Bridge in Alps"}]},
            ],
        }
    }
