"""@requires with fragments on interfaces; @provides on interfaces and unions in nested paths."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from tests.router.execution.support import Federation, federation, hand_supergraph
from tests.router.subgraph_kit import federated_app

REQUIRES = hand_supergraph(
    ["catalog", "shipping"],
    """
type Query @join__type(graph: CATALOG) @join__type(graph: SHIPPING) {
  order(id: ID!): Order @join__field(graph: CATALOG)
}
type Order @join__type(graph: CATALOG, key: "id") @join__type(graph: SHIPPING, key: "id") {
  id: ID!
  items: [Item!]! @join__field(graph: CATALOG) @join__field(graph: SHIPPING, external: true)
  shippingCost: Float @join__field(graph: SHIPPING,
    requires: "items { id ... on Book { pages } ... on Lamp { watts } }")
}
interface Item @join__type(graph: CATALOG) @join__type(graph: SHIPPING) { id: ID! }
type Book implements Item @join__implements(graph: CATALOG, interface: "Item")
  @join__implements(graph: SHIPPING, interface: "Item")
  @join__type(graph: CATALOG) @join__type(graph: SHIPPING) {
  id: ID!
  title: String @join__field(graph: CATALOG)
  pages: Int @join__field(graph: CATALOG) @join__field(graph: SHIPPING, external: true)
}
type Lamp implements Item @join__implements(graph: CATALOG, interface: "Item")
  @join__implements(graph: SHIPPING, interface: "Item")
  @join__type(graph: CATALOG) @join__type(graph: SHIPPING) {
  id: ID!
  watts: Int @join__field(graph: CATALOG) @join__field(graph: SHIPPING, external: true)
}
""",
)
CATALOG_SDL = """
type Query { order(id: ID!): Order }
type Order @key(fields: "id") { id: ID! items: [Item!]! }
interface Item { id: ID! }
type Book implements Item { id: ID! title: String pages: Int }
type Lamp implements Item { id: ID! watts: Int }
"""
SHIPPING_SDL = """
type Order @key(fields: "id") { id: ID! items: [Item!]! shippingCost: Float }
interface Item { id: ID! }
type Book implements Item { id: ID! pages: Int }
type Lamp implements Item { id: ID! watts: Int }
"""
ORDER = {
    "id": "o1",
    "items": [
        {"__typename": "Book", "id": "b1", "title": "Dune", "pages": 600},
        {"__typename": "Lamp", "id": "l1", "watts": 40},
    ],
}


def _cost(rep: dict) -> dict:
    total = sum(item.get("pages", 0) / 100 + item.get("watts", 0) / 10 for item in rep["items"])
    return {"id": rep["id"], "shippingCost": total}


@pytest.fixture(scope="module")
async def orders() -> AsyncIterator[Federation]:
    apps = {
        "catalog": federated_app(CATALOG_SDL, root={"order": lambda id: ORDER}),
        "shipping": federated_app(SHIPPING_SDL, entities={"Order": _cost}),
    }
    async with federation(REQUIRES, apps) as running:
        yield running


async def test_requires_with_fragments_on_an_interface(orders: Federation) -> None:
    result = await orders.query(
        '{ order(id: "o1") { items { ... on Book { title } } shippingCost } }'
    )
    assert result == {"data": {"order": {"items": [{"title": "Dune"}, {}], "shippingCost": 10.0}}}
    assert orders.counts() == {"catalog": 1, "shipping": 1}
    reps = orders.cluster["shipping"].requests[0].json()["variables"]["representations"]
    assert reps == [
        {
            "__typename": "Order",
            "id": "o1",
            "items": [
                {"__typename": "Book", "id": "b1", "pages": 600},
                {"__typename": "Lamp", "id": "l1", "watts": 40},
            ],
        }
    ]


PROVIDES = hand_supergraph(
    ["feed", "people"],
    """
type Query @join__type(graph: FEED) @join__type(graph: PEOPLE) {
  timeline: Timeline @join__field(graph: FEED)
}
type Timeline @join__type(graph: FEED) {
  entries: [Entry!]! @join__field(graph: FEED,
    provides: "... on Post { author { name } } ... on Share { by { name } }")
  highlights: [Highlight!]! @join__field(graph: FEED, provides: "... on Post { author { name } }")
}
interface Entry @join__type(graph: FEED) { id: ID! }
union Highlight @join__type(graph: FEED) @join__unionMember(graph: FEED, member: "Post")
  @join__unionMember(graph: FEED, member: "Share") = Post | Share
type Post implements Entry @join__implements(graph: FEED, interface: "Entry")
  @join__type(graph: FEED, key: "id") { id: ID! author: Person! }
type Share implements Entry @join__implements(graph: FEED, interface: "Entry")
  @join__type(graph: FEED, key: "id") { id: ID! by: Person }
type Person @join__type(graph: FEED, key: "id") @join__type(graph: PEOPLE, key: "id") {
  id: ID!
  name: String @join__field(graph: FEED, external: true) @join__field(graph: PEOPLE)
  age: Int @join__field(graph: PEOPLE)
}
""",
)
FEED_SDL = """
type Query { timeline: Timeline }
type Timeline { entries: [Entry!]! highlights: [Highlight!]! }
interface Entry { id: ID! }
union Highlight = Post | Share
type Post implements Entry @key(fields: "id") { id: ID! author: Person! }
type Share implements Entry @key(fields: "id") { id: ID! by: Person }
type Person @key(fields: "id") { id: ID! name: String }
"""
PEOPLE_SDL = 'type Person @key(fields: "id") { id: ID! name: String age: Int }'
PEOPLE = {
    "ada": {"id": "ada", "name": "Ada", "age": 36},
    "bob": {"id": "bob", "name": "Bob", "age": 41},
}


@pytest.fixture(scope="module")
async def feed() -> AsyncIterator[Federation]:
    # The feed knows names only where it provides them.
    entries = [
        {"__typename": "Post", "id": "p1", "author": {"id": "ada", "name": "Ada"}},
        {"__typename": "Share", "id": "s1", "by": {"id": "bob", "name": "Bob"}},
    ]
    highlights = [
        {"__typename": "Post", "id": "p1", "author": {"id": "ada", "name": "Ada"}},
        {"__typename": "Share", "id": "s1", "by": {"id": "bob"}},
    ]
    apps = {
        "feed": federated_app(
            FEED_SDL, root={"timeline": {"entries": entries, "highlights": highlights}}
        ),
        "people": federated_app(PEOPLE_SDL, entities={"Person": lambda rep: PEOPLE[rep["id"]]}),
    }
    async with federation(PROVIDES, apps) as running:
        yield running


async def test_provides_on_a_nested_interface_field_needs_no_other_subgraph(
    feed: Federation,
) -> None:
    result = await feed.query(
        "{ timeline { entries { id ... on Post { author { name } } "
        "... on Share { by { name } } } } }"
    )
    assert result == {
        "data": {
            "timeline": {
                "entries": [
                    {"id": "p1", "author": {"name": "Ada"}},
                    {"id": "s1", "by": {"name": "Bob"}},
                ]
            }
        }
    }
    assert feed.counts() == {"feed": 1, "people": 0}


async def test_field_beside_the_provided_one_in_a_nested_interface_is_fetched(
    feed: Federation,
) -> None:
    result = await feed.query("{ timeline { entries { ... on Share { by { name age } } } } }")
    assert result == {"data": {"timeline": {"entries": [{}, {"by": {"name": "Bob", "age": 41}}]}}}
    assert feed.counts() == {"feed": 1, "people": 1}
    assert "name" not in feed.cluster["people"].queries[0]


async def test_provides_on_a_nested_union_covers_only_the_member_it_names(
    feed: Federation,
) -> None:
    result = await feed.query(
        "{ timeline { highlights { ... on Post { author { name } } "
        "... on Share { by { name } } } } }"
    )
    assert result == {
        "data": {"timeline": {"highlights": [{"author": {"name": "Ada"}}, {"by": {"name": "Bob"}}]}}
    }
    assert feed.counts() == {"feed": 1, "people": 1}
    reps = feed.cluster["people"].requests[0].json()["variables"]["representations"]
    assert reps == [{"__typename": "Person", "id": "bob"}]
