"""Bad input is BAD_USER_INPUT naming the argument, never a 500, and writes nothing."""

from __future__ import annotations

from typing import Any

import pytest

from tests.integration.properties.client import (
    CREATE,
    LIST,
    UPDATE,
    PropertiesClient,
    error_codes,
    listing_input,
)
from tests.support.personas import Persona

CREATE_CASES = [
    ({"price": "-1"}, "input.price"),
    ({"price": "12.345"}, "input.price"),
    ({"price": "1e20"}, "input.price"),
    ({"price": "abc"}, "input.price"),
    ({"price": "NaN"}, "input.price"),
    ({"latitude": 90.5}, "input.latitude"),
    ({"latitude": -91}, "input.latitude"),
    ({"longitude": 180.01}, "input.longitude"),
    ({"longitude": -200}, "input.longitude"),
    ({"type": "CASTLE"}, "input.type"),
    ({"status": "FOR_SALE"}, "input.status"),
    ({"currency": "DOLLARS"}, "input.currency"),
    ({"title": "   "}, "input.title"),
    ({"title": "x" * 201}, "input.title"),
    ({"zipCode": "7"}, "input.zipCode"),
    ({"bedrooms": -1}, "input.bedrooms"),
    ({"bedrooms": "three"}, "input.bedrooms"),
    ({"floorArea": "0"}, "input.floorArea"),
]


@pytest.mark.parametrize(("overrides", "field"), CREATE_CASES)
async def test_create_refuses_bad_input_naming_the_field(
    client: PropertiesClient, seller: Persona, overrides: dict[str, Any], field: str
) -> None:
    body = await client.call(CREATE, {"input": listing_input(**overrides)}, seller.token)
    assert error_codes(body) == [("BAD_USER_INPUT", field)]
    assert body["data"] is None
    listed = await client.data(LIST, {"filter": {"ownerId": str(seller.id)}}, seller.token)
    assert listed["properties"]["totalCount"] == 0


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"price": "-0.01"}, "input.price"),
        ({"latitude": 100}, "input.latitude"),
        ({"longitude": 181}, "input.longitude"),
        ({"type": "IGLOO"}, "input.type"),
    ],
)
async def test_update_refuses_bad_input_and_keeps_the_listing(
    client: PropertiesClient, seller: Persona, changes: dict[str, Any], field: str
) -> None:
    created = await client.create(seller)
    body = await client.call(UPDATE, {"id": created["id"], "input": changes}, seller.token)
    assert error_codes(body) == [("BAD_USER_INPUT", field)]
    listed = await client.data(LIST, {"filter": {"ownerId": str(seller.id)}}, seller.token)
    assert listed["properties"]["edges"][0]["node"]["price"]["amount"] == "525000.00"


@pytest.mark.parametrize(
    ("variables", "field"),
    [
        ({"first": 101}, "first"),
        ({"first": -1}, "first"),
        ({"filter": {"minPrice": "500000", "maxPrice": "100000"}}, "filter.minPrice"),
        ({"filter": {"minPrice": "-5"}}, "filter.minPrice"),
        ({"filter": {"types": ["HOUSE", "CASTLE"]}}, "filter.types"),
        ({"filter": {"statuses": ["GONE"]}}, "filter.statuses"),
        ({"filter": {"ownerId": "not-a-uuid"}}, "filter.ownerId"),
        ({"after": "not-a-cursor"}, "after"),
    ],
)
async def test_listing_queries_refuse_bad_arguments(
    client: PropertiesClient, variables: dict[str, Any], field: str
) -> None:
    body = await client.call(LIST, variables)
    assert error_codes(body) == [("BAD_USER_INPUT", field)]


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ("{ properties(filter: {types: [CASTLE]}) { totalCount } }", "filter.types"),
        ("{ properties(first: 500) { totalCount } }", "first"),
        ('{ properties(first: "ten") { totalCount } }', "first"),
        ('{ property(id: "42") { id } }', "id"),
    ],
)
async def test_literal_arguments_are_checked_the_same_way(
    client: PropertiesClient, query: str, field: str
) -> None:
    body = await client.call(query)
    assert error_codes(body) == [("BAD_USER_INPUT", field)]


async def test_a_minimum_equal_to_the_maximum_is_fine(client: PropertiesClient) -> None:
    body = await client.call(LIST, {"filter": {"minPrice": "100", "maxPrice": "100"}})
    assert not body.get("errors")
