"""Enums and input types that differ between subgraphs (fixture `differing-types`, hand-made)."""

from __future__ import annotations

from typing import Any

import pytest

from router.gateway import GatewayRequest, GatewayRequestError
from tests.router.execution.support import (
    federation,
    hand_supergraph,
    reference_supergraph,
    subgraph_sdl,
)
from tests.router.subgraph_kit import federated_app

ITEMS: list[dict[str, Any]] = [
    {"id": "i1", "label": "Chair", "tags": ["wood"], "condition": "NEW", "quantity": 3},
    {"id": "i2", "label": "Table", "tags": None, "condition": "USED", "quantity": 0},
]


def _items(filter: dict[str, Any] | None = None, sort: str = "ASC") -> list[dict[str, Any]]:
    found = [
        i for i in ITEMS if not filter or i["condition"] == filter.get("condition", i["condition"])
    ]
    return sorted(found, key=lambda i: i["id"], reverse=sort == "DESC")


async def test_enums_and_inputs_that_differ_between_subgraphs() -> None:
    apps = {
        "catalog": federated_app(
            subgraph_sdl("differing-types", "catalog"),
            root={"items": _items, "status": "CLOSED"},
            entities={"Item": lambda rep: next(i for i in ITEMS if i["id"] == rep["id"])},
        ),
        "inventory": federated_app(
            subgraph_sdl("differing-types", "inventory"),
            root={"stock": _items, "inventoryStatus": "ARCHIVED"},
            entities={"Item": lambda rep: next(i for i in ITEMS if i["id"] == rep["id"])},
        ),
    }
    async with federation(reference_supergraph("differing-types"), apps) as fed:
        query = """query($f: ItemFilter) {
          items(filter: $f, sort: DESC) { id label tags condition quantity }
          status inventoryStatus
        }"""
        result = await fed.query(query, {"f": {"text": "x", "condition": "NEW"}})
        assert result == {
            "data": {
                "items": [
                    {
                        "id": "i1",
                        "label": "Chair",
                        "tags": ["wood"],
                        "condition": "NEW",
                        "quantity": 3,
                    }
                ],
                "status": "CLOSED",  # a value only the catalog has
                "inventoryStatus": "ARCHIVED",  # a value only the inventory has
            }
        }
        # inventoryStatus is a root fetch, quantity an entity fetch of the next step.
        assert fed.counts() == {"catalog": 1, "inventory": 2}
        # SortOrder.RANDOM and ItemFilter.minPrice exist in one subgraph only: not in the graph.
        # (A literal the schema refuses is the client's input: BAD_USER_INPUT naming it.)
        for invalid, extensions in (
            ("{ items(sort: RANDOM) { id } }", {"code": "BAD_USER_INPUT", "field": "sort"}),
            ("{ items(filter: {minPrice: 1}) { id } }", {"code": "GRAPHQL_VALIDATION_FAILED"}),
        ):
            with pytest.raises(GatewayRequestError) as refused:
                fed.gateway.prepare(GatewayRequest(invalid))
            assert refused.value.errors[0].extensions == extensions


# A supergraph another tool might produce: a shared root field whose argument enum has a value,
# and whose input type has a field, that only one of the two subgraphs knows.
SHARED = hand_supergraph(
    ["first", "second"],
    """
type Query @join__type(graph: FIRST) @join__type(graph: SECOND) {
  listings(sort: Sort, filter: Filter): [String!]!
    @join__field(graph: FIRST) @join__field(graph: SECOND)
}
enum Sort @join__type(graph: FIRST) @join__type(graph: SECOND) {
  ASC @join__enumValue(graph: FIRST) @join__enumValue(graph: SECOND)
  RANDOM @join__enumValue(graph: SECOND)
}
input Filter @join__type(graph: FIRST) @join__type(graph: SECOND) {
  text: String
  near: String @join__field(graph: SECOND)
}
""",
)
FIRST_SDL = (
    "type Query { listings(sort: Sort, filter: Filter): [String!]! } enum Sort { ASC } "
    "input Filter { text: String }"
)
SECOND_SDL = (
    "type Query { listings(sort: Sort, filter: Filter): [String!]! } enum Sort { ASC RANDOM } "
    "input Filter { text: String near: String }"
)


async def test_values_a_subgraph_lacks_are_sent_to_one_that_has_them() -> None:
    apps = {
        "first": federated_app(FIRST_SDL, root={"listings": lambda **_: ["first"]}),
        "second": federated_app(SECOND_SDL, root={"listings": lambda **_: ["second"]}),
    }
    async with federation(SHARED, apps) as fed:
        assert await fed.query("{ listings(sort: ASC) }") == {"data": {"listings": ["first"]}}
        assert await fed.query("{ listings(sort: RANDOM) }") == {"data": {"listings": ["second"]}}
        assert fed.counts() == {"first": 0, "second": 1}
        result = await fed.query('{ listings(filter: {near: "x"}) }')
        assert result == {"data": {"listings": ["second"]}}
        result = await fed.query('{ listings(filter: {text: "x"}) }')
        assert result == {"data": {"listings": ["first"]}}
