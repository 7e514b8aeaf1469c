"""Route choice checks the destination (fixture `route-choice`).

``Thing.stats`` is resolved by two subgraphs reachable by the same key; only ``full`` has
``Stats.likes``. A jump goes to a subgraph that serves the field's whole sub-selection.
"""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from tests.router.execution.support import Federation, federation
from tests.router.patterns.kit import fetches, plan, sdl, supergraph
from tests.router.subgraph_kit import federated_app

CASE = "route-choice"


def _apps() -> dict:
    return {
        "things": federated_app(
            sdl(CASE, "things"),
            root={"thing": lambda id: {"id": id}},
            entities={"Thing": lambda rep: {"id": rep["id"]}},
        ),
        "basic": federated_app(
            sdl(CASE, "basic"),
            entities={"Thing": lambda rep: {"id": rep["id"], "stats": {"views": 10}}},
        ),
        "full": federated_app(
            sdl(CASE, "full"),
            entities={"Thing": lambda rep: {"id": rep["id"], "stats": {"views": 10, "likes": 4}}},
        ),
    }


@pytest.fixture(scope="module")
async def fed() -> AsyncIterator[Federation]:
    async with federation(supergraph(CASE), _apps()) as running:
        yield running


async def test_jump_goes_to_the_subgraph_serving_the_whole_sub_selection(fed: Federation) -> None:
    query = '{ thing(id: "t1") { stats { views likes } } }'
    result = await fed.query(query)
    assert result == {"data": {"thing": {"stats": {"views": 10, "likes": 4}}}}
    assert fed.counts() == {"things": 1, "basic": 0, "full": 1}
    assert fetches(plan(CASE, query)) == [("things", ""), ("full", "thing")]


async def test_either_destination_serves_a_field_both_have(fed: Federation) -> None:
    result = await fed.query('{ thing(id: "t1") { id stats { views } } }')
    assert result == {"data": {"thing": {"id": "t1", "stats": {"views": 10}}}}
    counts = fed.counts()
    assert counts["things"] == 1 and counts["basic"] + counts["full"] == 1
