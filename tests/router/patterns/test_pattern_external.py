"""@external is not resolvable except where @provides provides it (fixture `external`).

``inventory`` declares ``Product.name`` @external and provides it only on ``Query.inStock``.
Its test server would answer ``name`` anywhere (with a stale value), so a plan that reads the
field from ``inventory`` outside ``inStock`` shows in the response.
"""

from __future__ import annotations

import re
from collections.abc import AsyncIterator

import pytest

from tests.router.execution.support import Federation, federation
from tests.router.patterns.kit import fetches, plan, sdl, supergraph
from tests.router.subgraph_kit import federated_app

CASE = "external"
NAMES = {"p1": "Lamp", "p2": "Desk"}
STALE = {"id": "p1", "name": "stale", "stock": 3}


def _apps() -> dict:
    return {
        "inventory": federated_app(
            sdl(CASE, "inventory"),
            root={
                "inStock": [{"id": "p2", "name": "Desk", "stock": 5}],
                "featured": STALE,
            },
            entities={"Product": lambda rep: STALE if rep["id"] == "p1" else None},
        ),
        "products": federated_app(
            sdl(CASE, "products"),
            root={"products": [{"id": k, "name": v} for k, v in NAMES.items()]},
            entities={"Product": lambda rep: {"id": rep["id"], "name": NAMES.get(rep["id"])}},
        ),
    }


@pytest.fixture(scope="module")
async def fed() -> AsyncIterator[Federation]:
    async with federation(supergraph(CASE), _apps()) as running:
        yield running


async def test_provided_external_field_is_read_where_provided(fed: Federation) -> None:
    query = "{ inStock { name stock } }"
    result = await fed.query(query)
    assert result == {"data": {"inStock": [{"name": "Desk", "stock": 5}]}}
    assert fed.counts() == {"inventory": 1, "products": 0}
    assert fetches(plan(CASE, query)) == [("inventory", "")]


async def test_external_field_is_fetched_from_its_owner_elsewhere(fed: Federation) -> None:
    query = "{ featured { name stock } }"
    result = await fed.query(query)
    assert result == {"data": {"featured": {"name": "Lamp", "stock": 3}}}
    assert fed.counts() == {"inventory": 1, "products": 1}
    assert not re.search(r"[{ ]name[ }]", fed.cluster["inventory"].queries[0])
    assert fetches(plan(CASE, query)) == [("inventory", ""), ("products", "featured")]


async def test_external_field_below_an_entity_jump_is_not_read_from_the_jump_target(
    fed: Federation,
) -> None:
    result = await fed.query("{ products { name stock } }")
    assert result == {
        "data": {"products": [{"name": "Lamp", "stock": 3}, {"name": "Desk", "stock": None}]}
    }
    assert fed.counts() == {"inventory": 1, "products": 1}
    assert not re.search(r"[{ ]name[ }]", fed.cluster["inventory"].queries[0])
