"""@requires with inline fragments on an interface (fixture `requires-fragments`).

``shipping`` requires ``item { ... on Item { weight } ... on Lamp { watts } }`` (an interface
field) and ``wrapping`` requires ``gift { ... on Item { weight } }`` (a union field, the
condition an interface its members implement): the representation is built from each
object's runtime type matched against every possible type of a condition, not only against
exact type names.
"""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from tests.router.execution.support import Federation, federation
from tests.router.patterns.kit import fetches, plan, sdl, supergraph
from tests.router.subgraph_kit import federated_app

CASE = "requires-fragments"
BOOK = {"__typename": "Book", "weight": 2, "pages": 300}
LAMP = {"__typename": "Lamp", "weight": 3, "watts": 60}
PRODUCTS = [{"id": "p1", "item": BOOK, "gift": LAMP}, {"id": "p2", "item": LAMP, "gift": BOOK}]


def _shipping(rep: dict) -> dict:
    found: dict = {"id": rep["id"]}
    if "item" in rep:
        found["shipping"] = 10 * rep["item"]["weight"] + rep["item"].get("watts", 0)
    if "gift" in rep:
        found["wrapping"] = rep["gift"]["weight"]
    return found


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


async def test_interface_condition_inside_a_union_field_matches_its_members(
    fed: Federation,
) -> None:
    result = await fed.query("{ products { id wrapping } }")
    assert result == {
        "data": {"products": [{"id": "p1", "wrapping": 3}, {"id": "p2", "wrapping": 2}]}
    }
    assert fed.counts() == {"catalog": 1, "shipping": 1}
    reps = fed.cluster["shipping"].requests[0].json()["variables"]["representations"]
    assert reps == [
        {"__typename": "Product", "id": "p1", "gift": {"__typename": "Lamp", "weight": 3}},
        {"__typename": "Product", "id": "p2", "gift": {"__typename": "Book", "weight": 2}},
    ]
