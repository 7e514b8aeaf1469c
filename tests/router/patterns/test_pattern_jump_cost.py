"""Jump targets chosen by cost (fixture `jump-cost`).

``User.score`` is resolved by ``ratings`` (which @requires ``name``, only in ``profiles``) and
by ``scores`` (no requirement). Both are one key jump away from ``users``; the jump goes to
the one whose plan needs fewer fetches and a shorter sequence (``scores``), even though
``ratings`` comes first in the supergraph's order.
"""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from tests.router.execution.support import Federation, federation
from tests.router.patterns.kit import fetches, plan, sdl, supergraph
from tests.router.subgraph_kit import federated_app

CASE = "jump-cost"


def _apps() -> dict:
    return {
        "users": federated_app(
            sdl(CASE, "users"),
            root={"user": lambda id: {"id": id}},
            entities={"User": lambda rep: {"id": rep["id"]}},
        ),
        "profiles": federated_app(
            sdl(CASE, "profiles"), entities={"User": lambda rep: {"id": rep["id"], "name": "Ada"}}
        ),
        "ratings": federated_app(
            sdl(CASE, "ratings"), entities={"User": lambda rep: {"id": rep["id"], "score": 1}}
        ),
        "scores": federated_app(
            sdl(CASE, "scores"), entities={"User": lambda rep: {"id": rep["id"], "score": 9}}
        ),
    }


@pytest.fixture(scope="module")
async def fed() -> AsyncIterator[Federation]:
    async with federation(supergraph(CASE), _apps()) as running:
        yield running


async def test_jump_avoids_a_target_whose_requirements_cost_a_fetch(fed: Federation) -> None:
    query = '{ user(id: "u1") { score } }'
    result = await fed.query(query)
    assert result == {"data": {"user": {"score": 9}}}
    assert fed.counts() == {"users": 1, "profiles": 0, "ratings": 0, "scores": 1}
    assert fetches(plan(CASE, query)) == [("users", ""), ("scores", "user")]


async def test_fields_of_two_targets_are_fetched_in_one_parallel_step(fed: Federation) -> None:
    query = '{ user(id: "u1") { name score } }'
    result = await fed.query(query)
    assert result == {"data": {"user": {"name": "Ada", "score": 9}}}
    assert fed.counts() == {"users": 1, "profiles": 1, "ratings": 0, "scores": 1}
    node = plan(CASE, query).to_json()["node"]
    assert node["kind"] == "Sequence" and node["nodes"][1]["kind"] == "Parallel"
