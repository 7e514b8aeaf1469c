"""@requires: nested selections, arguments, chains across subgraphs (fixture `requires`)."""

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

USERS = {
    "1": {
        "id": "1",
        "name": "Ada",
        "address": {"city": "Paris", "country": {"code": "FR", "name": "France"}},
        "weight": lambda unit="KILOGRAM": 70.0 if unit == "KILOGRAM" else 154.3,
    }
}


def _users_app():
    return federated_app(
        subgraph_sdl("requires", "users"),
        root={"user": lambda id: USERS.get(id)},
        entities={"User": lambda rep: USERS.get(rep["id"])},
    )


def _shipping(rep: dict) -> dict:
    zone = (
        f"{rep['address']['country']['code']}-{rep['address']['city']}"
        if "address" in rep
        else None
    )
    cost = rep["weight"] * 2 if "weight" in rep else None
    return {"id": rep["id"], "shippingZone": zone, "shippingCost": cost}


def _delivery(rep: dict) -> dict:
    return {"id": rep["id"], "deliveryEstimate": f"2 days to {rep['shippingZone']}"}


@pytest.fixture(scope="module")
async def fed() -> AsyncIterator[Federation]:
    apps = {
        "users": _users_app(),
        "shipping": federated_app(
            subgraph_sdl("requires", "shipping"), entities={"User": _shipping}
        ),
        "delivery": federated_app(
            subgraph_sdl("requires", "delivery"), entities={"User": _delivery}
        ),
    }
    async with federation(reference_supergraph("requires"), apps) as running:
        yield running


async def test_requires_with_nested_selection_sends_it_in_the_representation(
    fed: Federation,
) -> None:
    result = await fed.query('{ user(id: "1") { name shippingZone } }')
    assert result == {"data": {"user": {"name": "Ada", "shippingZone": "FR-Paris"}}}
    assert fed.counts() == {"users": 1, "shipping": 1, "delivery": 0}
    rep = fed.cluster["shipping"].requests[0].json()["variables"]["representations"]
    assert rep == [
        {"__typename": "User", "id": "1", "address": {"city": "Paris", "country": {"code": "FR"}}}
    ]


async def test_required_field_with_arguments_differs_from_the_clients_call(fed: Federation) -> None:
    result = await fed.query('{ user(id: "1") { w: weight(unit: POUND) shippingCost } }')
    assert result == {"data": {"user": {"w": 154.3, "shippingCost": 140.0}}}
    assert fed.counts() == {"users": 1, "shipping": 1, "delivery": 0}


async def test_requires_chain_across_three_subgraphs(fed: Federation) -> None:
    result = await fed.query('{ user(id: "1") { deliveryEstimate } }')
    assert result == {"data": {"user": {"deliveryEstimate": "2 days to FR-Paris"}}}
    assert fed.counts() == {"users": 1, "shipping": 1, "delivery": 1}
