"""No silent drops (fixture `no-silent-drops`).

``Node`` is an interface that no object type implements: ``nodes`` returns it as an interface
and ``extras`` knows it only as an @interfaceObject. A requested field the plan cannot cover
is a planning error (``QUERY_PLANNING_FAILED``, ``data: null``, no subgraph request), never a
field that quietly goes missing.
"""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from router.gateway import GatewayRequestError
from tests.router.execution.support import Federation, federation
from tests.router.patterns.kit import fetches, plan, sdl, supergraph
from tests.router.subgraph_kit import federated_app

CASE = "no-silent-drops"


def _apps() -> dict:
    return {
        "nodes": federated_app(sdl(CASE, "nodes"), root={"orphan": {"id": "n1"}}),
        "extras": federated_app(
            sdl(CASE, "extras"),
            root={"extra": {"id": "n1", "note": "hello"}},
            entities={"Node": lambda rep: {"id": rep["id"], "note": "hello"}},
        ),
    }


@pytest.fixture(scope="module")
async def fed() -> AsyncIterator[Federation]:
    async with federation(supergraph(CASE), _apps()) as running:
        yield running


async def _planning_error(fed: Federation, query: str) -> dict:
    try:
        result = await fed.query(query)
    except GatewayRequestError as error:
        return {"data": None, "errors": [e.formatted for e in error.errors]}
    return result


async def test_field_no_subgraph_can_serve_is_a_planning_error(fed: Federation) -> None:
    result = await _planning_error(fed, "{ orphan { note } }")
    assert result.get("data") is None
    assert [e["extensions"]["code"] for e in result["errors"]] == ["QUERY_PLANNING_FAILED"]
    assert fed.counts() == {"nodes": 0, "extras": 0}


async def test_interface_object_fields_without_type_conditions_are_fetched_directly(
    fed: Federation,
) -> None:
    query = "{ extra { id note } }"
    result = await fed.query(query)
    assert result == {"data": {"extra": {"id": "n1", "note": "hello"}}}
    assert fed.counts() == {"nodes": 0, "extras": 1}
    assert fetches(plan(CASE, query)) == [("extras", "")]


async def test_interface_field_of_a_subgraph_without_objects_is_asked(fed: Federation) -> None:
    query = "{ orphan { id } }"
    assert fetches(plan(CASE, query)) == [("nodes", "")]
    result = await fed.query(query)
    # The subgraph has no object type to return: its error, not a field left out silently.
    assert result["data"] == {"orphan": None}
    assert result["errors"]
    assert fed.counts() == {"nodes": 1, "extras": 0}
