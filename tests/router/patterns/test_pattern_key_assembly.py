"""Keys whose fields come from several subgraphs (fixture `key-assembly`).

``pricing`` looks listings up by ``id pid`` and ``search`` by ``id pid category { id tag }``;
``listings`` has only ``id`` and ``category { id }``: ``pid`` and ``Category.tag`` come from
``registry`` first, then the jump is made with the whole key.
"""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from tests.router.execution.support import Federation, federation
from tests.router.patterns.kit import fetches, plan, sdl, supergraph
from tests.router.subgraph_kit import federated_app

CASE = "key-assembly"
PIDS = {"l1": "P-1"}
TAGS = {"c1": "flat"}


def _rank(rep: dict) -> dict | None:
    if rep.get("pid") != PIDS.get(rep["id"]) or rep.get("category") != {
        "id": "c1",
        "tag": "flat",
    }:
        return None  # an incomplete key finds nothing
    return {"id": rep["id"], "pid": rep["pid"], "rank": 7}


def _apps() -> dict:
    return {
        "listings": federated_app(
            sdl(CASE, "listings"),
            root={"listing": lambda id: {"id": id, "category": {"id": "c1"}}},
            entities={"Listing": lambda rep: {"id": rep["id"], "category": {"id": "c1"}}},
        ),
        "registry": federated_app(
            sdl(CASE, "registry"),
            entities={
                "Listing": lambda rep: {"id": rep["id"], "pid": PIDS[rep["id"]]},
                "Category": lambda rep: {"id": rep["id"], "tag": TAGS[rep["id"]]},
            },
        ),
        "pricing": federated_app(
            sdl(CASE, "pricing"),
            entities={
                "Listing": lambda rep: (
                    {**rep, "price": 1200} if rep.get("pid") == PIDS.get(rep["id"]) else None
                )
            },
        ),
        "search": federated_app(sdl(CASE, "search"), entities={"Listing": _rank}),
    }


@pytest.fixture(scope="module")
async def fed() -> AsyncIterator[Federation]:
    async with federation(supergraph(CASE), _apps()) as running:
        yield running


async def test_missing_key_field_is_fetched_before_the_jump(fed: Federation) -> None:
    query = '{ listing(id: "l1") { price } }'
    result = await fed.query(query)
    assert result == {"data": {"listing": {"price": 1200}}}
    assert fed.counts() == {"listings": 1, "registry": 1, "pricing": 1, "search": 0}
    reps = fed.cluster["pricing"].requests[0].json()["variables"]["representations"]
    assert reps == [{"__typename": "Listing", "id": "l1", "pid": "P-1"}]
    assert fetches(plan(CASE, query)) == [
        ("listings", ""),
        ("registry", "listing"),
        ("pricing", "listing"),
    ]


async def test_nested_key_fields_from_two_subgraphs(fed: Federation) -> None:
    result = await fed.query('{ listing(id: "l1") { rank } }')
    assert result == {"data": {"listing": {"rank": 7}}}
    # pid and Category.tag come from registry in one batched request.
    assert fed.counts() == {"listings": 1, "registry": 1, "pricing": 0, "search": 1}
    reps = fed.cluster["search"].requests[0].json()["variables"]["representations"]
    assert reps == [
        {"__typename": "Listing", "id": "l1", "pid": "P-1", "category": {"id": "c1", "tag": "flat"}}
    ]


async def test_key_fields_asked_by_the_client_need_no_jump(fed: Federation) -> None:
    result = await fed.query('{ listing(id: "l1") { id category { id } } }')
    assert result == {"data": {"listing": {"id": "l1", "category": {"id": "c1"}}}}
    assert fed.counts() == {"listings": 1, "registry": 0, "pricing": 0, "search": 0}
