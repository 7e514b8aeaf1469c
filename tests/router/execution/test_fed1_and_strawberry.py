"""Federation 1 subgraphs (`extend type`, @extends) and a Strawberry-printed supergraph."""

from __future__ import annotations

from tests.router.execution.support import federation, reference_supergraph, subgraph_sdl
from tests.router.subgraph_kit import federated_app

PRODUCTS = {
    "1": {"upc": "1", "name": "Table", "price": 899, "weight": 100},
    "2": {"upc": "2", "name": "Couch", "price": 1299, "weight": 1000},
}
USERS = {"u1": {"id": "u1", "name": "Ada Lovelace", "username": "@ada"}}
REVIEWS = [
    {"id": "r1", "body": "Love it", "product": "1", "author": "u1"},
    {"id": "r2", "body": "Too heavy", "product": "2", "author": "u1"},
]


def _reviews_of(upc: str) -> list[dict]:
    return [
        {
            "id": r["id"],
            "body": r["body"],
            "author": {"id": r["author"], "username": USERS[r["author"]]["username"]},
        }
        for r in REVIEWS
        if r["product"] == upc
    ]


def _apps() -> dict:
    return {
        "products": federated_app(
            subgraph_sdl("fed1", "products"),
            root={"topProducts": lambda first=5: list(PRODUCTS.values())[:first]},
            entities={"Product": lambda rep: PRODUCTS.get(rep["upc"])},
        ),
        "inventory": federated_app(
            subgraph_sdl("fed1", "inventory"),
            entities={
                "Product": lambda rep: {
                    "upc": rep["upc"],
                    "inStock": rep["upc"] == "1",
                    "shippingEstimate": (rep["weight"] // 2 if rep["price"] < 1000 else 0)
                    if "price" in rep
                    else None,
                }
            },
        ),
        "reviews": federated_app(
            subgraph_sdl("fed1", "reviews"),
            entities={
                "Product": lambda rep: {"upc": rep["upc"], "reviews": _reviews_of(rep["upc"])}
            },
        ),
        "users": federated_app(
            subgraph_sdl("fed1", "users"),
            root={"me": USERS["u1"]},
            entities={"User": lambda rep: USERS.get(rep["id"])},
        ),
    }


async def test_fed1_supergraph_with_requires_provides_and_extensions() -> None:
    async with federation(reference_supergraph("fed1"), _apps()) as fed:
        result = await fed.query(
            "query Top($n: Int) { topProducts(first: $n) { name inStock shippingEstimate "
            "reviews { body author { username name } } } }",
            {"n": 2},
        )
        assert result == {
            "data": {
                "topProducts": [
                    {
                        "name": "Table",
                        "inStock": True,
                        "shippingEstimate": 50,
                        "reviews": [
                            {
                                "body": "Love it",
                                "author": {"username": "@ada", "name": "Ada Lovelace"},
                            }
                        ],
                    },
                    {
                        "name": "Couch",
                        "inStock": False,
                        "shippingEstimate": 0,
                        "reviews": [
                            {
                                "body": "Too heavy",
                                "author": {"username": "@ada", "name": "Ada Lovelace"},
                            }
                        ],
                    },
                ]
            }
        }
        assert fed.counts() == {"products": 1, "inventory": 1, "reviews": 1, "users": 1}
        # The author's username is provided by reviews; users is asked for the name only.
        assert "username" not in fed.cluster["users"].queries[0]
        reps = fed.cluster["users"].requests[0].json()["variables"]["representations"]
        assert reps == [{"__typename": "User", "id": "u1"}]


async def test_guild_composed_fed1_supergraph_plans_the_same_fetches() -> None:
    async with federation(reference_supergraph("fed1", "guild"), _apps()) as fed:
        result = await fed.query("{ topProducts { upc inStock } }")
        assert result == {
            "data": {"topProducts": [{"upc": "1", "inStock": True}, {"upc": "2", "inStock": False}]}
        }
        assert fed.counts() == {"products": 1, "inventory": 1, "reviews": 0, "users": 0}


async def test_strawberry_printed_subgraphs_serve_through_the_reference_supergraph() -> None:
    users = {"u1": {"id": "u1", "name": "Ada", "email": "ada@example.com"}}
    apps = {
        "properties": federated_app(
            subgraph_sdl("strawberry", "properties"),
            root={
                "properties": [{"id": "p1", "title": "Loft", "owner": {"id": "u1", "name": "Ada"}}]
            },
        ),
        "users": federated_app(
            subgraph_sdl("strawberry", "users"),
            root={"me": users["u1"]},
            entities={"User": lambda rep: users.get(rep["id"])},
        ),
    }
    async with federation(reference_supergraph("strawberry"), apps) as fed:
        result = await fed.query("{ properties { title owner { name } } me { id } }")
        assert result == {
            "data": {
                "properties": [{"title": "Loft", "owner": {"name": "Ada"}}],
                "me": {"id": "u1"},
            }
        }
        assert fed.counts() == {"properties": 1, "users": 1}
