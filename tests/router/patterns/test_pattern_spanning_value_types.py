"""A field's sub-selection spread over subgraphs (fixture `spanning-value-types`).

``Product.info`` is a @shareable value type whose fields live in two subgraphs; ``Query.shop``
is a @shareable root field whose sub-fields no single subgraph has. The planner fetches what
one subgraph can and reaches the rest from the nearest entity above (``Product``, or the root).
"""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from tests.router.execution.support import Federation, federation
from tests.router.patterns.kit import fetches, plan, sdl, supergraph
from tests.router.subgraph_kit import federated_app

CASE = "spanning-value-types"
PRODUCTS = {"p1": {"id": "p1", "name": "Lamp", "info": {"weight": 3}}}
DETAILS = {"p1": {"id": "p1", "info": {"color": "red", "size": {"label": "L"}}}}


def _apps() -> dict:
    return {
        "products": federated_app(
            sdl(CASE, "products"),
            root={"product": lambda id: PRODUCTS.get(id), "shop": {"name": "Corner"}},
            entities={"Product": lambda rep: PRODUCTS.get(rep["id"])},
        ),
        "details": federated_app(
            sdl(CASE, "details"),
            root={"shop": {"city": "Lyon"}},
            entities={"Product": lambda rep: DETAILS.get(rep["id"])},
        ),
    }


@pytest.fixture(scope="module")
async def fed() -> AsyncIterator[Federation]:
    async with federation(supergraph(CASE), _apps()) as running:
        yield running


async def test_value_type_fields_from_two_subgraphs_jump_from_the_entity_above(
    fed: Federation,
) -> None:
    query = '{ product(id: "p1") { name info { weight color size { label } } } }'
    result = await fed.query(query)
    assert result == {
        "data": {
            "product": {
                "name": "Lamp",
                "info": {"weight": 3, "color": "red", "size": {"label": "L"}},
            }
        }
    }
    assert fed.counts() == {"products": 1, "details": 1}
    assert fetches(plan(CASE, query)) == [("products", ""), ("details", "product")]


async def test_shared_root_field_split_over_root_subgraphs(fed: Federation) -> None:
    query = "{ shop { name city } }"
    result = await fed.query(query)
    assert result == {"data": {"shop": {"name": "Corner", "city": "Lyon"}}}
    assert fed.counts() == {"products": 1, "details": 1}
    assert sorted(fetches(plan(CASE, query))) == [("details", ""), ("products", "")]


async def test_sub_selection_served_whole_elsewhere_is_not_split(fed: Federation) -> None:
    query = '{ product(id: "p1") { info { color } } }'
    result = await fed.query(query)
    assert result == {"data": {"product": {"info": {"color": "red"}}}}
    assert fed.counts() == {"products": 1, "details": 1}
    root = fed.cluster["products"].queries[0]
    assert "info" not in root


async def test_shared_root_field_served_whole_by_one_subgraph_is_one_fetch(
    fed: Federation,
) -> None:
    result = await fed.query("{ shop { city } }")
    assert result == {"data": {"shop": {"city": "Lyon"}}}
    assert fed.counts() == {"products": 0, "details": 1}
