"""@interfaceObject: fields added to every implementation, requires, non-resolvable keys."""

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

MEDIA = {
    "b1": {"__typename": "Book", "id": "b1", "title": "Dune", "author": "Herbert"},
    "m1": {"__typename": "Movie", "id": "m1", "title": "Alien", "director": "Scott"},
}
REVIEWS = {"b1": (["classic"], 4.5), "m1": (["scary", "tense"], 4.0)}


def _review(rep: dict) -> dict:
    reviews, rating = REVIEWS[rep["id"]]
    found = {"__typename": "Media", "id": rep["id"], "reviews": reviews, "averageRating": rating}
    if "title" in rep:
        found["summary"] = f"{rep['title']}: {rating}"
    return found


@pytest.fixture(scope="module")
async def fed() -> AsyncIterator[Federation]:
    apps = {
        "media": federated_app(
            subgraph_sdl("interface-object", "media"),
            root={"media": lambda id: MEDIA.get(id), "allMedia": list(MEDIA.values())},
            entities={
                "Media": lambda rep: MEDIA.get(rep["id"]),
                "Book": lambda rep: MEDIA.get(rep["id"]),
                "Movie": lambda rep: MEDIA.get(rep["id"]),
            },
        ),
        "reviews": federated_app(
            subgraph_sdl("interface-object", "reviews"),
            root={"topRated": lambda: [_review({"id": "m1"}), _review({"id": "b1"})]},
            entities={"Media": _review},
        ),
        "stats": federated_app(
            subgraph_sdl("interface-object", "stats"),
            root={"mostViewed": {"__typename": "Media", "id": "b1"}},
        ),
    }
    async with federation(reference_supergraph("interface-object"), apps) as running:
        yield running


async def test_interface_object_fields_on_every_implementation(fed: Federation) -> None:
    result = await fed.query("{ allMedia { title reviews ... on Book { author } } }")
    assert result == {
        "data": {
            "allMedia": [
                {"title": "Dune", "reviews": ["classic"], "author": "Herbert"},
                {"title": "Alien", "reviews": ["scary", "tense"]},
            ]
        }
    }
    assert fed.counts() == {"media": 1, "reviews": 1, "stats": 0}
    reps = fed.cluster["reviews"].requests[0].json()["variables"]["representations"]
    assert reps == [{"__typename": "Media", "id": "b1"}, {"__typename": "Media", "id": "m1"}]


async def test_interface_object_root_needs_no_other_subgraph_for_its_own_fields(
    fed: Federation,
) -> None:
    result = await fed.query("{ topRated { id averageRating } }")
    assert result == {
        "data": {
            "topRated": [{"id": "m1", "averageRating": 4.0}, {"id": "b1", "averageRating": 4.5}]
        }
    }
    assert fed.counts() == {"media": 0, "reviews": 1, "stats": 0}


async def test_typename_and_type_conditions_resolve_through_the_owning_subgraph(
    fed: Federation,
) -> None:
    result = await fed.query(
        "{ topRated { __typename id ... on Book { author } ... on Movie { director } } }"
    )
    assert result == {
        "data": {
            "topRated": [
                {"__typename": "Movie", "id": "m1", "director": "Scott"},
                {"__typename": "Book", "id": "b1", "author": "Herbert"},
            ]
        }
    }
    assert fed.counts() == {"media": 1, "reviews": 1, "stats": 0}


async def test_requires_on_an_interface_object_field(fed: Federation) -> None:
    result = await fed.query('{ media(id: "m1") { summary } }')
    assert result == {"data": {"media": {"summary": "Alien: 4.0"}}}
    assert fed.counts() == {"media": 1, "reviews": 1, "stats": 0}


async def test_requires_from_the_interface_object_root(fed: Federation) -> None:
    result = await fed.query("{ topRated { summary } }")
    assert result == {"data": {"topRated": [{"summary": "Alien: 4.0"}, {"summary": "Dune: 4.5"}]}}
    assert fed.counts() == {"media": 1, "reviews": 2, "stats": 0}


async def test_non_resolvable_interface_object_reference(fed: Federation) -> None:
    result = await fed.query("{ mostViewed { id title reviews } }")
    assert result == {"data": {"mostViewed": {"id": "b1", "title": "Dune", "reviews": ["classic"]}}}
    assert fed.counts() == {"media": 1, "reviews": 1, "stats": 1}
