"""Bad search input is BAD_USER_INPUT naming the argument, over real HTTP, never a 500."""

from __future__ import annotations

from typing import Any

import pytest

from common.auth.viewer import Role
from tests.integration.search.conftest import ServedGraph
from tests.integration.search.graph import CREATE_PROPERTY, SEARCH
from tests.support.listings import listing_input
from tests.support.personas import persona

POINT = {"latitude": 38.7, "longitude": -9.1, "radiusKm": 5}
BOX = {"minLatitude": 38.0, "minLongitude": -9.5, "maxLatitude": 39.0, "maxLongitude": -8.5}


@pytest.mark.parametrize(
    ("variables", "field"),
    [
        ({"filter": {"priceMin": "-1"}}, "filter.priceMin"),
        ({"filter": {"priceMax": "-0.01"}}, "filter.priceMax"),
        ({"filter": {"priceMin": "500", "priceMax": "100"}}, "filter.priceMin"),
        ({"filter": {"minBedrooms": -1}}, "filter.minBedrooms"),
        ({"filter": {"near": {**POINT, "latitude": 90.5}}}, "filter.near.latitude"),
        ({"filter": {"near": {**POINT, "longitude": -181}}}, "filter.near.longitude"),
        ({"filter": {"near": {**POINT, "radiusKm": 0}}}, "filter.near.radiusKm"),
        ({"filter": {"near": {**POINT, "radiusKm": -3}}}, "filter.near.radiusKm"),
        ({"filter": {"near": {**POINT, "radiusKm": 500.1}}}, "filter.near.radiusKm"),
        ({"filter": {"within": {**BOX, "minLatitude": -91}}}, "filter.within.minLatitude"),
        ({"filter": {"within": {**BOX, "maxLongitude": 200}}}, "filter.within.maxLongitude"),
        ({"filter": {"within": {**BOX, "minLatitude": 39.5}}}, "filter.within.minLatitude"),
        ({"first": 101}, "first"),
        ({"first": -1}, "first"),
        ({"sort": "DISTANCE"}, "sort"),
        ({"after": "not-a-cursor"}, "after"),
    ],
)
async def test_bad_search_input_names_the_argument(
    graph: ServedGraph, variables: dict[str, Any], field: str
) -> None:
    body = await graph.search.call(SEARCH, variables)
    assert body["data"] == {"search": None}  # search is nullable: its error nulls it alone
    [error] = body["errors"]
    assert error["extensions"]["code"] == "BAD_USER_INPUT"
    assert error["extensions"]["field"] == field


async def test_a_cursor_of_another_sort_is_refused(graph: ServedGraph) -> None:
    seller = persona(graph.signer, Role.SELLER)
    await graph.properties.data(CREATE_PROPERTY, {"input": listing_input()}, token=seller.token)
    await graph.settle()
    data = await graph.search.data(SEARCH, {"sort": "PRICE_ASC", "first": 1})
    cursor = data["search"]["pageInfo"]["endCursor"]
    assert cursor is not None
    body = await graph.search.call(SEARCH, {"sort": "NEWEST", "after": cursor})
    assert body["errors"][0]["extensions"] == {"code": "BAD_USER_INPUT", "field": "after"}


async def test_a_histogram_interval_must_be_positive(graph: ServedGraph) -> None:
    body = await graph.search.call(
        'query { search { facets(priceInterval: "0") { types { count } } } }'
    )
    assert body["errors"][0]["extensions"]["field"] == "priceInterval"


async def test_saving_a_bad_filter_names_the_argument(graph: ServedGraph) -> None:
    body = await graph.search.call(
        'mutation { saveSearch(name: "x", filter: {priceMin: "9", priceMax: "1"}) { id } }',
        token=persona(graph.signer, Role.BUYER).token,
    )
    assert body["errors"][0]["extensions"] == {
        "code": "BAD_USER_INPUT",
        "field": "filter.priceMin",
    }
