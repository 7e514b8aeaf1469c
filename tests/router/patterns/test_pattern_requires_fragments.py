"""@requires with inline fragments on an interface (fixture `requires-fragments`).

``shipping`` requires ``item { ... on Item { weight } ... on Lamp { watts } }``: the
representation is built from each item's runtime type matched against every possible type
of a condition, not only against exact type names.
"""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from tests.router.execution.support import Federation, federation
from tests.router.patterns.kit import fetches, plan, sdl, supergraph
from tests.router.subgraph_kit import federated_app

CASE = "requires-fragments"
PRODUCTS = [
    {"id": "p1", "item": {"__typename": "Book", "weight": 2, "pages": 300}},
    {"id": "p2", "item": {"__typename": "Lamp", "weight": 3, "watts": 60}},
]


def _shipping(rep: dict) -> dict:
    item = rep.get("item") or {}
    return {"id": rep["id"], "shipping": 10 * item["weight"] + item.get("watts", 0)}


def _apps() -> dict:
    return {
        "catalog": federated_app(
            sdl(CASE, "catalog"),
            root={"products": PRODUCTS},
            entities={"Product": lambda rep: next(p for p in PRODUCTS if p["id"] == rep["id"])},
        ),
        "shipping": federated_app(sdl(CASE, "shipping"), entities={"Product": _shipping}),
    }


@pytest.fixture(scope="module")
async def fed() -> AsyncIterator[Federation]:
    async with federation(supergraph(CASE), _apps()) as running:
        yield running


async def test_required_fragments_match_the_runtime_type(fed: Federation) -> None:
    query = "{ products { id shipping } }"
    result = await fed.query(query)
    assert result == {
        "data": {"products": [{"id": "p1", "shipping": 20}, {"id": "p2", "shipping": 90}]}
    }
    assert fed.counts() == {"catalog": 1, "shipping": 1}
    reps = fed.cluster["shipping"].requests[0].json()["variables"]["representations"]
    assert reps == [
        {"__typename": "Product", "id": "p1", "item": {"__typename": "Book", "weight": 2}},
        {
            "__typename": "Product",
            "id": "p2",
            "item": {"__typename": "Lamp", "weight": 3, "watts": 60},
        },
    ]
    assert fetches(plan(CASE, query)) == [("catalog", ""), ("shipping", "products.@")]
