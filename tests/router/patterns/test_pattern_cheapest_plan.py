"""Cheapest plan by number of fetches and sequence depth (fixture `cheapest-plan`).

``Query.me`` is served by ``users`` and ``accounts``; ``accounts`` provides ``User.name`` on
``Query.team`` only. The root subgraph is the one whose whole plan needs the fewest fetches,
fields a parent @provides are local, and no ``_entities`` request asks for what is in hand.
"""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from tests.router.execution.support import Federation, federation
from tests.router.patterns.kit import fetches, plan, sdl, supergraph
from tests.router.subgraph_kit import federated_app

CASE = "cheapest-plan"
ME = {"id": "u1", "name": "Ada", "plan": "pro", "bio": "engineer"}


def _apps() -> dict:
    return {
        "users": federated_app(
            sdl(CASE, "users"),
            root={"me": {"id": "u1", "name": "Ada"}},
            entities={"User": lambda rep: {"id": rep["id"], "name": "Ada"}},
        ),
        "accounts": federated_app(
            sdl(CASE, "accounts"),
            root={"me": {"id": "u1", "plan": "pro"}, "team": [ME]},
            entities={"User": lambda rep: {"id": rep["id"], "plan": "pro"}},
        ),
        "profiles": federated_app(
            sdl(CASE, "profiles"), entities={"User": lambda rep: {**ME, "id": rep["id"]}}
        ),
    }


@pytest.fixture(scope="module")
async def fed() -> AsyncIterator[Federation]:
    async with federation(supergraph(CASE), _apps()) as running:
        yield running


async def test_root_subgraph_chosen_by_the_fetches_its_whole_plan_needs(fed: Federation) -> None:
    query = "{ me { plan bio } }"
    result = await fed.query(query)
    assert result == {"data": {"me": {"plan": "pro", "bio": "engineer"}}}
    assert fed.counts() == {"users": 0, "accounts": 1, "profiles": 1}
    assert fetches(plan(CASE, query)) == [("accounts", ""), ("profiles", "me")]


async def test_provided_fields_count_as_local(fed: Federation) -> None:
    query = "{ team { name plan } }"
    result = await fed.query(query)
    assert result == {"data": {"team": [{"name": "Ada", "plan": "pro"}]}}
    assert fed.counts() == {"users": 0, "accounts": 1, "profiles": 0}


async def test_no_entity_request_for_answers_in_hand(fed: Federation) -> None:
    result = await fed.query("{ me { id name } }")
    assert result == {"data": {"me": {"id": "u1", "name": "Ada"}}}
    assert fed.counts() == {"users": 1, "accounts": 0, "profiles": 0}


async def test_ties_break_deterministically_by_fewest_requests(fed: Federation) -> None:
    query = "{ me { name plan } }"
    first = fetches(plan(CASE, query))
    assert len(first) == 2
    assert all(fetches(plan(CASE, query)) == first for _ in range(5))
    result = await fed.query(query)
    assert result == {"data": {"me": {"name": "Ada", "plan": "pro"}}}
    assert sum(fed.counts().values()) == 2
