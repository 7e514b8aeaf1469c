"""Interfaces and unions whose members live in different subgraphs; client fragments on them."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from tests.router.execution.support import (
    Federation,
    federation,
    reference_supergraph,
    subgraph_sdl,
)
from tests.router.subgraph_kit import federated_app

AGENTS = {
    "a1": {"__typename": "Agent", "id": "a1", "name": "Alice", "phone": "111"},
    "a2": {"__typename": "Agent", "id": "a2", "name": "Andy", "phone": None},
}
OFFICE = {"__typename": "Office", "id": "o1", "phone": "999"}
HOUSE = {
    "__typename": "House",
    "id": "h1",
    "rooms": 4,
    "agent": {"__typename": "Agent", "id": "a2"},
}


@pytest.fixture(scope="module")
async def fed() -> AsyncIterator[Federation]:
    apps = {
        "agents": federated_app(
            subgraph_sdl("abstract-types", "agents"),
            root={"agents": list(AGENTS.values()), "directory": [AGENTS["a1"], OFFICE]},
            entities={"Agent": lambda rep: AGENTS.get(rep["id"])},
        ),
        "properties": federated_app(
            subgraph_sdl("abstract-types", "properties"),
            root={
                "node": lambda id: HOUSE if id == "h1" else {"__typename": "Agent", "id": id},
                "search": lambda text: [HOUSE, {"__typename": "Agent", "id": "a1"}],
            },
            entities={"House": lambda rep: HOUSE},
        ),
    }
    async with federation(reference_supergraph("abstract-types"), apps) as running:
        yield running


async def test_union_members_from_two_subgraphs_with_inline_fragments(fed: Federation) -> None:
    result = await fed.query(
        '{ search(text: "x") { __typename ... on House { rooms agent { name } } '
        "... on Agent { name phone } } }"
    )
    assert result == {
        "data": {
            "search": [
                {"__typename": "House", "rooms": 4, "agent": {"name": "Andy"}},
                {"__typename": "Agent", "name": "Alice", "phone": "111"},
            ]
        }
    }
    # Two response paths (search.@ and search.@.agent) in one plan step: one request.
    assert fed.counts() == {"agents": 1, "properties": 1}
    body = fed.cluster["agents"].requests[0].json()
    assert body["query"] == (
        "query($representations:[_Any!]!)"
        "{_entities(representations:$representations){...on Agent{name phone}}}"
    )
    assert body["variables"]["representations"] == [
        {"__typename": "Agent", "id": "a1"},
        {"__typename": "Agent", "id": "a2"},
    ]


async def test_named_fragment_on_an_interface_and_nested_fragments(fed: Federation) -> None:
    query = """
      query Directory { directory { ...Reachable ... on Agent { ...AgentName } } }
      fragment Reachable on Contact { phone ... on Node { id } }
      fragment AgentName on Agent { name }
    """
    result = await fed.query(query)
    assert result == {
        "data": {
            "directory": [
                {"phone": "111", "id": "a1", "name": "Alice"},
                {"phone": "999", "id": "o1"},
            ]
        }
    }
    assert fed.counts() == {"agents": 1, "properties": 0}


async def test_interface_field_whose_implementation_lives_elsewhere(fed: Federation) -> None:
    result = await fed.query(
        '{ a: node(id: "a1") { id ... on Agent { name } } h: node(id: "h1") { __typename id } }'
    )
    assert result == {
        "data": {"a": {"id": "a1", "name": "Alice"}, "h": {"__typename": "House", "id": "h1"}}
    }
    assert fed.counts() == {"agents": 1, "properties": 1}


async def test_union_member_a_subgraph_lacks_is_never_asked_of_it(fed: Federation) -> None:
    # Office is a SearchResult in agents only: properties (which serves `search`) never sees it.
    result = await fed.query(
        '{ search(text: "x") { ... on Office { phone } ... on Agent { id } ... on House { id } } }'
    )
    assert result == {"data": {"search": [{"id": "h1"}, {"id": "a1"}]}}
    assert fed.counts() == {"agents": 0, "properties": 1}
    assert "Office" not in fed.cluster["properties"].queries[0]
