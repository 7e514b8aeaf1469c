"""Exact response shaping (fixture `shaping`).

A field requested on an interface and again inside an inline fragment on an implementation
(same response key, other sub-selections or arguments) gets every sub-field from whichever
fetch provided it; ``{ f { __typename } }`` on an object field never sends ``f{}``.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable

import pytest

from tests.router.execution.support import Federation, federation
from tests.router.patterns.kit import fetches, plan, sdl, supergraph
from tests.router.subgraph_kit import federated_app

CASE = "shaping"


def _label(name: str) -> Callable[..., str]:
    return lambda lang=None: f"{name}/{lang}"


ANIMALS = [
    {
        "__typename": "Dog",
        "id": "d1",
        "name": "Rex",
        "label": _label("Rex"),
        "owner": {"name": "Ada", "age": 36},
        "barks": True,
    },
    {
        "__typename": "Cat",
        "name": "Tom",
        "label": _label("Tom"),
        "owner": {"name": "Bob", "age": 41},
    },
]


def _apps() -> dict:
    return {
        "pets": federated_app(
            sdl(CASE, "pets"),
            root={"animals": ANIMALS, "home": {"address": "1 Main St"}},
            entities={"Dog": lambda rep: ANIMALS[0]},
        ),
        "vets": federated_app(
            sdl(CASE, "vets"), entities={"Dog": lambda rep: {"id": rep["id"], "vet": "Dr. No"}}
        ),
    }


@pytest.fixture(scope="module")
async def fed() -> AsyncIterator[Federation]:
    async with federation(supergraph(CASE), _apps()) as running:
        yield running


async def test_interface_field_and_fragment_field_with_other_sub_selections(
    fed: Federation,
) -> None:
    result = await fed.query("{ animals { owner { name } ... on Dog { owner { age } } } }")
    assert result == {
        "data": {"animals": [{"owner": {"name": "Ada", "age": 36}}, {"owner": {"name": "Bob"}}]}
    }
    assert fed.counts() == {"pets": 1, "vets": 0}


async def test_same_key_with_other_arguments_per_implementation(fed: Federation) -> None:
    query = (
        '{ animals { ... on Dog { x: label(lang: "en") } ... on Cat { x: label(lang: "fr") } } }'
    )
    result = await fed.query(query)
    assert result == {"data": {"animals": [{"x": "Rex/en"}, {"x": "Tom/fr"}]}}
    assert fed.counts() == {"pets": 1, "vets": 0}


async def test_fragment_field_from_another_subgraph_beside_the_interface_field(
    fed: Federation,
) -> None:
    query = "{ animals { name ... on Dog { name vet barks } } }"
    result = await fed.query(query)
    assert result == {
        "data": {"animals": [{"name": "Rex", "vet": "Dr. No", "barks": True}, {"name": "Tom"}]}
    }
    assert fed.counts() == {"pets": 1, "vets": 1}
    assert fetches(plan(CASE, query)) == [("pets", ""), ("vets", "animals.@")]


async def test_typename_only_selection_is_never_sent_empty(fed: Federation) -> None:
    result = await fed.query("{ home { __typename } }")
    assert result == {"data": {"home": {"__typename": "Home"}}}
    assert fed.cluster["pets"].queries == ["query{home{__typename}}"]
