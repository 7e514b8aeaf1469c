"""@key: single, compound, nested, several keys, resolvable: false, hops (fixture `keys`)."""

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

USERS = {"u1": {"id": "u1", "name": "Ada"}, "u2": {"id": "u2", "name": "Bob"}}
ACCOUNTS = {("eu", 7): {"region": "eu", "number": 7, "owner": USERS["u1"]}}
PRODUCTS = [
    {"id": "p1", "sku": "S1", "title": "Lamp", "price": 10, "taxCode": "T-1", "seller": "u1"},
    {"id": "p2", "sku": "S2", "title": "Desk", "price": 90, "taxCode": "T-2", "seller": "u1"},
    {"id": "p3", "sku": "S3", "title": "Rug", "price": 30, "taxCode": None, "seller": "u2"},
]
ORGS = {"o1": {"id": "o1", "name": "Realio", "memberCount": 12}}


def _product_by(rep: dict) -> dict | None:
    for product in PRODUCTS:
        if product.get("id") == rep.get("id") or product["sku"] == rep.get("sku"):
            return product
    return None


def _apps() -> dict:
    users = federated_app(
        subgraph_sdl("keys", "users"),
        root={
            "user": lambda id: USERS.get(id),
            "users": list(USERS.values()),
            "account": lambda region, number: ACCOUNTS.get((region, number)),
        },
        entities={
            "User": lambda rep: USERS.get(rep["id"]),
            "Product": lambda rep: (
                (p := _product_by(rep)) and {"id": p["id"], "sku": p["sku"], "title": p["title"]}
            ),
            "Organisation": lambda rep: ORGS.get(rep["id"]),
        },
    )
    catalog = federated_app(
        subgraph_sdl("keys", "catalog"),
        root={
            "products": [
                {"sku": p["sku"], "price": p["price"], "seller": {"id": p["seller"]}}
                for p in PRODUCTS
            ],
            "membership": lambda id: {"id": id, "role": "admin", "organisation": ORGS["o1"]},
        },
        entities={"Organisation": lambda rep: ORGS.get(rep["id"])},
    )
    billing = federated_app(
        subgraph_sdl("keys", "billing"),
        entities={
            "Account": lambda rep: {**rep, "balance": 12.5},
            "Product": lambda rep: (
                (p := _product_by(rep)) and {"id": p["id"], "taxCode": p["taxCode"]}
            ),
            "Membership": lambda rep: {
                "id": rep["id"],
                "organisation": rep["organisation"],
                "invoices": [f"{rep['id']}/{rep['organisation']['id']}/1"],
            },
        },
    )
    return {"users": users, "catalog": catalog, "billing": billing}


@pytest.fixture(scope="module")
async def fed() -> AsyncIterator[Federation]:
    async with federation(reference_supergraph("keys"), _apps()) as running:
        yield running


async def test_single_key_entity_from_one_subgraph_needs_one_fetch(fed: Federation) -> None:
    result = await fed.query('{ user(id: "u1") { id name } }')
    assert result == {"data": {"user": {"id": "u1", "name": "Ada"}}}
    assert fed.counts() == {"users": 1, "catalog": 0, "billing": 0}


async def test_compound_key_is_sent_whole(fed: Federation) -> None:
    result = await fed.query('{ account(region: "eu", number: 7) { balance owner { name } } }')
    assert result == {"data": {"account": {"balance": 12.5, "owner": {"name": "Ada"}}}}
    assert fed.counts() == {"users": 1, "catalog": 0, "billing": 1}
    reps = fed.cluster["billing"].requests[0].json()["variables"]["representations"]
    assert reps == [{"__typename": "Account", "region": "eu", "number": 7}]


async def test_non_resolvable_reference_is_resolved_by_the_owner_once_per_entity(
    fed: Federation,
) -> None:
    result = await fed.query("{ products { sku seller { id name } } }")
    assert result == {
        "data": {
            "products": [
                {"sku": "S1", "seller": {"id": "u1", "name": "Ada"}},
                {"sku": "S2", "seller": {"id": "u1", "name": "Ada"}},
                {"sku": "S3", "seller": {"id": "u2", "name": "Bob"}},
            ]
        }
    }
    assert fed.counts() == {"users": 1, "catalog": 1, "billing": 0}
    reps = fed.cluster["users"].requests[0].json()["variables"]["representations"]
    assert reps == [{"__typename": "User", "id": "u1"}, {"__typename": "User", "id": "u2"}]


async def test_no_direct_key_path_hops_through_the_subgraph_with_both_keys(fed: Federation) -> None:
    result = await fed.query("{ products { price taxCode } }")
    assert result == {
        "data": {
            "products": [
                {"price": 10, "taxCode": "T-1"},
                {"price": 90, "taxCode": "T-2"},
                {"price": 30, "taxCode": None},
            ]
        }
    }
    # catalog knows the sku only, billing the id only: users (both keys) bridges them.
    assert fed.counts() == {"users": 1, "catalog": 1, "billing": 1}


async def test_nested_key_carries_the_nested_selection(fed: Federation) -> None:
    result = await fed.query(
        '{ membership(id: "m1") { role invoices organisation { name memberCount } } }'
    )
    assert result == {
        "data": {
            "membership": {
                "role": "admin",
                "invoices": ["m1/o1/1"],
                "organisation": {"name": "Realio", "memberCount": 12},
            }
        }
    }
    assert fed.counts() == {"users": 1, "catalog": 1, "billing": 1}
    reps = fed.cluster["billing"].requests[0].json()["variables"]["representations"]
    assert reps == [{"__typename": "Membership", "id": "m1", "organisation": {"id": "o1"}}]
