"""One ``_entities`` request per subgraph per plan step, with representations deduplicated."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from tests.router.execution.support import Federation, federation, hand_supergraph
from tests.router.subgraph_kit import federated_app

SUPERGRAPH = hand_supergraph(
    ["shop", "people"],
    """
type Query @join__type(graph: SHOP) @join__type(graph: PEOPLE) {
  order(id: ID!): Order @join__field(graph: SHOP)
}
type Order @join__type(graph: SHOP) {
  id: ID!
  buyer: Person!
  seller: Person
  lines: [Line!]!
}
type Line @join__type(graph: SHOP) { quantity: Int! seller: Person }
type Person @join__type(graph: SHOP, key: "id") @join__type(graph: PEOPLE, key: "id") {
  id: ID!
  name(style: String): String @join__field(graph: PEOPLE)
  city: String @join__field(graph: PEOPLE)
}
""",
)
SHOP_SDL = """
type Query { order(id: ID!): Order }
type Order { id: ID! buyer: Person! seller: Person lines: [Line!]! }
type Line { quantity: Int! seller: Person }
type Person @key(fields: "id") { id: ID! }
"""
PEOPLE_SDL = """
type Person @key(fields: "id") { id: ID! name(style: String): String city: String }
"""
PEOPLE = {
    "ada": {"name": "Ada Lovelace", "short": "Ada", "city": "London"},
    "bob": {"name": "Bob Marley", "short": "Bob", "city": "Kingston"},
}


def _person(rep: dict) -> dict | None:
    found = PEOPLE.get(rep["id"])
    if found is None:
        return None
    return {
        "id": rep["id"],
        "name": lambda style=None: found["short"] if style == "short" else found["name"],
        "city": found["city"],
    }


@pytest.fixture(scope="module")
async def fed() -> AsyncIterator[Federation]:
    order = {
        "id": "o1",
        "buyer": {"id": "ada"},
        "seller": {"id": "bob"},
        "lines": [
            {"quantity": 1, "seller": {"id": "bob"}},
            {"quantity": 2, "seller": {"id": "ada"}},
        ],
    }
    apps = {
        "shop": federated_app(SHOP_SDL, root={"order": lambda id: order}),
        "people": federated_app(PEOPLE_SDL, entities={"Person": _person}),
    }
    async with federation(SUPERGRAPH, apps) as running:
        yield running


async def test_entity_jumps_at_several_paths_share_one_request_and_representations(
    fed: Federation,
) -> None:
    result = await fed.query(
        '{ order(id: "o1") { buyer { name } seller { name city } lines { seller { city } } } }'
    )
    assert result == {
        "data": {
            "order": {
                "buyer": {"name": "Ada Lovelace"},
                "seller": {"name": "Bob Marley", "city": "Kingston"},
                "lines": [{"seller": {"city": "Kingston"}}, {"seller": {"city": "London"}}],
            }
        }
    }
    assert fed.counts() == {"shop": 1, "people": 1}
    body = fed.cluster["people"].requests[0].json()
    assert body["query"] == (
        "query($representations:[_Any!]!)"
        "{_entities(representations:$representations){...on Person{name city}}}"
    )
    # Three paths, four objects, two people.
    assert body["variables"] == {
        "representations": [
            {"__typename": "Person", "id": "ada"},
            {"__typename": "Person", "id": "bob"},
        ]
    }


async def test_conflicting_selections_are_aliased_in_the_same_request(fed: Federation) -> None:
    result = await fed.query(
        '{ order(id: "o1") { buyer { name } seller { name(style: "short") } } }'
    )
    assert result == {
        "data": {"order": {"buyer": {"name": "Ada Lovelace"}, "seller": {"name": "Bob"}}}
    }
    assert fed.counts() == {"shop": 1, "people": 1}
    body = fed.cluster["people"].requests[0].json()
    assert body["query"] == (
        "query($r0:[_Any!]!,$r1:[_Any!]!)"
        "{_e0:_entities(representations:$r0){...on Person{name}} "
        '_e1:_entities(representations:$r1){...on Person{name(style: "short")}}}'
    )
    assert body["variables"] == {
        "r0": [{"__typename": "Person", "id": "ada"}],
        "r1": [{"__typename": "Person", "id": "bob"}],
    }


async def test_batched_plan_is_shown_as_one_batch(fed: Federation) -> None:
    from router.gateway import GatewayRequest

    prepared = fed.gateway.prepare(
        GatewayRequest('{ order(id: "o1") { buyer { name } seller { city } } }')
    )
    text = str(prepared.plan)
    assert 'Batch(service: "people", entitySelections: 1) {' in text
    assert 'Flatten(path: "order.buyer")' in text and 'Flatten(path: "order.seller")' in text
    as_json = prepared.plan.to_json()
    batch = as_json["node"]["nodes"][1]
    assert batch["kind"] == "Batch" and batch["serviceName"] == "people"
    assert [node["path"] for node in batch["nodes"]] == [["order", "buyer"], ["order", "seller"]]
