"""Subgraph field types narrower than the supergraph's (fixture `subgraph-types`).

``Query.featured`` is ``Book`` in ``books`` and the union ``Media`` in ``media`` (and the
supergraph). A fetch to ``books`` carries only type conditions valid in its schema.
"""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from tests.router.execution.support import Federation, federation
from tests.router.patterns.kit import fetches, plan, sdl, supergraph
from tests.router.subgraph_kit import federated_app

CASE = "subgraph-types"


def _apps() -> dict:
    return {
        "books": federated_app(
            sdl(CASE, "books"), root={"featured": {"title": "Dune", "pages": 412}}
        ),
        "media": federated_app(
            sdl(CASE, "media"),
            root={
                "featured": {"__typename": "Book", "title": "Dune", "pages": 412},
                "latest": {"__typename": "Movie", "title": "Heat", "minutes": 170},
            },
        ),
    }


@pytest.fixture(scope="module")
async def fed() -> AsyncIterator[Federation]:
    async with federation(supergraph(CASE), _apps()) as running:
        yield running


async def test_fetch_to_the_narrower_subgraph_has_only_its_type_conditions(
    fed: Federation,
) -> None:
    query = "{ featured { ... on Book { title pages } ... on Movie { title minutes } } }"
    result = await fed.query(query)
    assert result == {"data": {"featured": {"title": "Dune", "pages": 412}}}
    assert fed.counts() == {"books": 1, "media": 0}
    sent = fed.cluster["books"].queries[0]
    assert "Movie" not in sent and "Media" not in sent
    assert fetches(plan(CASE, query)) == [("books", "")]


async def test_typename_of_a_narrowed_field_is_the_object_type(fed: Federation) -> None:
    result = await fed.query("{ featured { __typename ... on Book { title } } }")
    assert result == {"data": {"featured": {"__typename": "Book", "title": "Dune"}}}
    assert fed.counts() == {"books": 1, "media": 0}


async def test_union_field_of_the_wider_subgraph_keeps_its_conditions(fed: Federation) -> None:
    result = await fed.query("{ latest { ... on Book { title } ... on Movie { minutes } } }")
    assert result == {"data": {"latest": {"minutes": 170}}}
    assert fed.counts() == {"books": 0, "media": 1}
