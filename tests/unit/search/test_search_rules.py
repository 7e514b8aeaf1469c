"""Pure rules of search: validation, cursors, stored filters, event documents, visibility."""

from __future__ import annotations

import uuid
from decimal import Decimal

import pytest

from common.auth.viewer import ANONYMOUS, Role, Viewer
from common.errors import BadUserInput
from subgraphs.search.index.cursor import decode_cursor, encode_cursor
from subgraphs.search.index.elasticsearch_query import filter_clauses, simple_query
from subgraphs.search.service.documents import (
    document_from_graph,
    document_from_snapshot,
    price_change,
    snapshot_of_payload,
)
from subgraphs.search.service.filter_codec import filter_from_json, filter_to_json
from subgraphs.search.service.query import BoundingBox, GeoRadius, SearchFilter, SearchSort
from subgraphs.search.service.searching import visible_filter
from subgraphs.search.service.validation import validate_filter, validate_page, validate_sort

SNAPSHOT = {
    "id": "6a1d8c52-8f61-4b3c-9d0e-3f1f6a0b2c11",
    "title": "Loft",
    "description": "High ceilings",
    "price": "350000.00",
    "currency": "USD",
    "type": "apartment",
    "address": "1 Main St",
    "zip_code": "78701",
    "owner_id": "0e4b7b0c-1c7e-4c55-9f59-0f5bde1c7a01",
    "no_of_bed_rooms": 2,
    "no_of_bath_rooms": 1,
    "no_of_toilets": 1,
    "latitude": 30.27,
    "longitude": -97.74,
    "status": "off_market",
    "created_at": "2024-05-01T10:00:00+00:00",
    "updated_at": "2024-05-02T10:00:00+00:00",
    "version": 4,
}


def test_a_filter_survives_its_stored_form() -> None:
    original = SearchFilter(
        text="garden",
        types=("house",),
        statuses=("available",),
        price_min=Decimal("1.50"),
        price_max=Decimal("900000"),
        min_bedrooms=2,
        zip_code="78701",
        near=GeoRadius(38.7, -9.1, 5.0),
        within=BoundingBox(-18, 179, -16, -178),
    )
    assert filter_from_json(filter_to_json(original)) == original


def test_cursors_round_trip_and_remember_their_sort() -> None:
    cursor = encode_cursor(SearchSort.PRICE_ASC, ("450000.00", "abc"))
    assert decode_cursor(cursor, SearchSort.PRICE_ASC) == ("450000.00", "abc")
    with pytest.raises(BadUserInput) as refused:
        decode_cursor(cursor, SearchSort.NEWEST)
    assert refused.value.field == "after"
    with pytest.raises(BadUserInput):
        decode_cursor("%%%", SearchSort.NEWEST)


@pytest.mark.parametrize(
    ("search_filter", "field"),
    [
        (SearchFilter(price_min=Decimal("-1")), "filter.priceMin"),
        (SearchFilter(price_min=Decimal("NaN")), "filter.priceMin"),
        (SearchFilter(min_toilets=-2), "filter.minToilets"),
        (SearchFilter(near=GeoRadius(0, 0, float("inf"))), "filter.near.radiusKm"),
        (SearchFilter(near=GeoRadius(float("nan"), 0, 1)), "filter.near.latitude"),
        (SearchFilter(text="x" * 201), "filter.text"),
    ],
)
def test_validation_names_the_offending_field(search_filter: SearchFilter, field: str) -> None:
    with pytest.raises(BadUserInput) as refused:
        validate_filter(search_filter)
    assert refused.value.field == field


def test_page_size_and_distance_sort_rules() -> None:
    validate_page(100)
    with pytest.raises(BadUserInput):
        validate_page(101)
    validate_sort(SearchSort.DISTANCE, SearchFilter(near=GeoRadius(1, 1, 1)))
    with pytest.raises(BadUserInput):
        validate_sort(SearchSort.DISTANCE, SearchFilter())


def test_a_box_across_the_antimeridian_is_valid() -> None:
    validate_filter(SearchFilter(within=BoundingBox(-18, 179, -16, -178)))


def test_off_market_is_for_admins_only() -> None:
    asked = SearchFilter(statuses=("available", "off_market"))
    narrowed, anything = visible_filter(asked, ANONYMOUS)
    assert (narrowed.statuses, anything) == (("available",), True)
    only_hidden, anything = visible_filter(SearchFilter(statuses=("off_market",)), ANONYMOUS)
    assert anything is False
    admin = Viewer(uuid.uuid4(), Role.ADMIN, uuid.uuid4())
    assert visible_filter(asked, admin) == (asked, True)
    assert "off_market" not in SearchFilter().effective_statuses()


def test_documents_from_events_and_from_the_graph_agree() -> None:
    from_event = document_from_snapshot(snapshot_of_payload({"property": SNAPSHOT}))
    graph_node = {
        "id": SNAPSHOT["id"],
        "version": 4,
        "title": "Loft",
        "description": "High ceilings",
        "address": "1 Main St",
        "zipCode": "78701",
        "type": "APARTMENT",
        "status": "OFF_MARKET",
        "price": {"amount": "350000.00", "currency": "USD"},
        "bedrooms": 2,
        "bathrooms": 1,
        "toilets": 1,
        "latitude": 30.27,
        "longitude": -97.74,
        "owner": {"id": SNAPSHOT["owner_id"]},
        "createdAt": "2024-05-01T10:00:00+00:00",
        "updatedAt": "2024-05-02T10:00:00+00:00",
    }
    assert document_from_graph(graph_node) == from_event
    assert from_event.status == "off_market"
    assert from_event.price == Decimal("350000.00")


def test_price_change_is_read_from_the_changes() -> None:
    payload = {"changes": {"price": {"old": "500000.00", "new": "450000.00"}}}
    assert price_change(payload) == (Decimal("500000.00"), Decimal("450000.00"))
    assert price_change({"changes": {"title": {"old": "a", "new": "b"}}}) is None
    assert price_change({}) is None


def test_elasticsearch_query_mirrors_the_filter() -> None:
    assert simple_query("garden OR pool -shed") == "garden | pool -shed"
    must, filters = filter_clauses(
        SearchFilter(text="pool", types=("house",), price_max=Decimal(5), min_bedrooms=2)
    )
    assert must[0]["simple_query_string"]["query"] == "pool"
    assert {"term": {"deleted": False}} in filters
    assert {"terms": {"type": ["house"]}} in filters
    assert {"range": {"price": {"lte": 5.0}}} in filters
    assert {"range": {"bedrooms": {"gte": 2}}} in filters
