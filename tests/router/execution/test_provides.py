"""@provides: provided fields are never fetched again (fixtures `provides`, `provides-union`)."""

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
    "u1": {"id": "u1", "name": "Ada", "profile": {"bio": "engineer", "website": "ada.dev"}},
    "u2": {"id": "u2", "name": "Bob", "profile": {"bio": "agent", "website": None}},
}


def _ref(user_id: str, *fields: str) -> dict:
    user: dict = USERS[user_id]
    ref: dict[str, object] = {"id": user_id}
    for name in fields:
        ref[name] = user[name] if name != "profile" else {"bio": user["profile"]["bio"]}
    return ref


@pytest.fixture(scope="module")
async def fed() -> AsyncIterator[Federation]:
    reviews = federated_app(
        subgraph_sdl("provides", "reviews"),
        root={
            "latestReviews": [
                {"id": "r1", "body": "Great", "author": _ref("u1", "name", "profile")},
                {"id": "r2", "body": "Meh", "author": _ref("u2", "name", "profile")},
            ],
            "featured": [
                {"__typename": "Photo", "id": "ph1", "owner": _ref("u1", "name")},
                {"__typename": "Video", "id": "v1", "owner": _ref("u2")},
            ],
            "highlights": [
                {"__typename": "Review", "id": "r1", "author": _ref("u1", "name", "profile")},
                {"__typename": "Photo", "id": "ph1", "owner": _ref("u2", "name")},
            ],
        },
    )
    users = federated_app(
        subgraph_sdl("provides", "users"),
        root={"me": USERS["u1"]},
        entities={"User": lambda rep: USERS.get(rep["id"])},
    )
    async with federation(
        reference_supergraph("provides"), {"reviews": reviews, "users": users}
    ) as running:
        yield running


async def test_nested_provided_fields_need_no_other_subgraph(fed: Federation) -> None:
    result = await fed.query("{ latestReviews { body author { name profile { bio } } } }")
    assert result == {
        "data": {
            "latestReviews": [
                {"body": "Great", "author": {"name": "Ada", "profile": {"bio": "engineer"}}},
                {"body": "Meh", "author": {"name": "Bob", "profile": {"bio": "agent"}}},
            ]
        }
    }
    assert fed.counts() == {"reviews": 1, "users": 0}


async def test_field_beyond_the_provided_ones_is_fetched_from_the_owner(fed: Federation) -> None:
    result = await fed.query("{ latestReviews { author { name profile { website } } } }")
    assert result == {
        "data": {
            "latestReviews": [
                {"author": {"name": "Ada", "profile": {"website": "ada.dev"}}},
                {"author": {"name": "Bob", "profile": {"website": None}}},
            ]
        }
    }
    assert fed.counts() == {"reviews": 1, "users": 1}
    assert "name" not in fed.cluster["users"].queries[0]


async def test_provides_on_one_implementation_of_an_interface(fed: Federation) -> None:
    result = await fed.query("{ featured { id owner { name } } }")
    assert result == {
        "data": {
            "featured": [
                {"id": "ph1", "owner": {"name": "Ada"}},
                {"id": "v1", "owner": {"name": "Bob"}},
            ]
        }
    }
    # Only the video's owner is looked up: the photo's owner came with its name.
    assert fed.counts() == {"reviews": 1, "users": 1}
    reps = fed.cluster["users"].requests[0].json()["variables"]["representations"]
    assert reps == [{"__typename": "User", "id": "u2"}]


async def test_provides_through_union_members(fed: Federation) -> None:
    result = await fed.query(
        "{ highlights { __typename ... on Review { author { name } } "
        "... on Photo { owner { name } } } }"
    )
    assert result == {
        "data": {
            "highlights": [
                {"__typename": "Review", "author": {"name": "Ada"}},
                {"__typename": "Photo", "owner": {"name": "Bob"}},
            ]
        }
    }
    assert fed.counts() == {"reviews": 1, "users": 0}


LISTINGS = {"l1": {"id": "l1", "title": "Loft", "price": 500}}


@pytest.fixture(scope="module")
async def feed() -> AsyncIterator[Federation]:
    items = [
        {"__typename": "Post", "id": "p1", "text": "hello"},
        {"__typename": "Listing", "id": "l1", "title": "Loft"},
    ]
    apps = {
        "feed": federated_app(
            subgraph_sdl("provides-union", "feed"), root={"feed": items, "cards": items}
        ),
        "listings": federated_app(
            subgraph_sdl("provides-union", "listings"),
            root={"listing": lambda id: LISTINGS.get(id)},
            entities={"Listing": lambda rep: LISTINGS.get(rep["id"])},
        ),
    }
    async with federation(reference_supergraph("provides-union"), apps) as running:
        yield running


async def test_provides_on_a_union_field(feed: Federation) -> None:
    result = await feed.query("{ feed { ... on Post { text } ... on Listing { title } } }")
    assert result == {"data": {"feed": [{"text": "hello"}, {"title": "Loft"}]}}
    assert feed.counts() == {"feed": 1, "listings": 0}


async def test_provides_on_an_interface_field_then_a_field_it_does_not_provide(
    feed: Federation,
) -> None:
    result = await feed.query("{ cards { id ... on Listing { title price } } }")
    assert result == {
        "data": {"cards": [{"id": "p1"}, {"id": "l1", "title": "Loft", "price": 500}]}
    }
    assert feed.counts() == {"feed": 1, "listings": 1}
    assert "title" not in feed.cluster["listings"].queries[0]
