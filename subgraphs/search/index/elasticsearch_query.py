"""Elasticsearch query DSL of a search: the mapping, filters, sorts and keysets.

Same semantics as the Postgres adapter: English stemming over title (weight 3), address and
zip code (2) and description (1); off-market listings hidden unless asked for; deleted
listings are tombstone documents that every query excludes.
"""

from __future__ import annotations

import re
import uuid
from typing import Any

from common.errors import BadUserInput
from subgraphs.search.service.query import SearchFilter, SearchQuery, SearchSort

MAPPINGS: dict[str, Any] = {
    "dynamic": "strict",
    "properties": {
        "id": {"type": "keyword"},
        "listing_version": {"type": "long"},
        "deleted": {"type": "boolean"},
        "title": {"type": "text", "analyzer": "english"},
        "description": {"type": "text", "analyzer": "english"},
        "address": {"type": "text", "analyzer": "english"},
        "zip_code": {"type": "keyword", "fields": {"text": {"type": "text"}}},
        "type": {"type": "keyword"},
        "status": {"type": "keyword"},
        "price": {"type": "scaled_float", "scaling_factor": 100},
        "currency": {"type": "keyword"},
        "bedrooms": {"type": "integer"},
        "bathrooms": {"type": "integer"},
        "toilets": {"type": "integer"},
        "location": {"type": "geo_point"},
        "owner_id": {"type": "keyword"},
        "created_at": {"type": "date"},
        "updated_at": {"type": "date"},
        "indexed_at": {"type": "date"},
    },
}

TEXT_FIELDS = ["title^3", "address^2", "zip_code.text^2", "description"]

_WEB_OR = re.compile(r"\s+or\s+", re.IGNORECASE)


def simple_query(text: str) -> str:
    """Web-search syntax (``a or b``, ``-word``, ``"phrase"``) as simple_query_string syntax."""
    return _WEB_OR.sub(" | ", text.strip())


def filter_clauses(f: SearchFilter) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """``(must, filter)`` clauses of a bool query."""
    must: list[dict[str, Any]] = []
    filters: list[dict[str, Any]] = [
        {"term": {"deleted": False}},
        {"terms": {"status": list(f.effective_statuses())}},
    ]
    if f.has_text():
        assert f.text is not None
        must.append(
            {
                "simple_query_string": {
                    "query": simple_query(f.text),
                    "fields": TEXT_FIELDS,
                    "default_operator": "and",
                }
            }
        )
    if f.types:
        filters.append({"terms": {"type": list(f.types)}})
    price: dict[str, float] = {}
    if f.price_min is not None:
        price["gte"] = float(f.price_min)
    if f.price_max is not None:
        price["lte"] = float(f.price_max)
    if price:
        filters.append({"range": {"price": price}})
    for field_name, minimum in (
        ("bedrooms", f.min_bedrooms),
        ("bathrooms", f.min_bathrooms),
        ("toilets", f.min_toilets),
    ):
        if minimum is not None:
            filters.append({"range": {field_name: {"gte": minimum}}})
    if f.zip_code:
        filters.append({"term": {"zip_code": f.zip_code.strip()}})
    if f.near is not None:
        filters.append(
            {
                "geo_distance": {
                    "distance": f"{f.near.radius_km}km",
                    "distance_type": "arc",
                    "location": {"lat": f.near.latitude, "lon": f.near.longitude},
                }
            }
        )
    if f.within is not None:
        box = f.within
        # A top-left longitude east of the bottom-right one wraps across the antimeridian.
        filters.append(
            {
                "geo_bounding_box": {
                    "location": {
                        "top_left": {"lat": box.max_latitude, "lon": box.min_longitude},
                        "bottom_right": {"lat": box.min_latitude, "lon": box.max_longitude},
                    }
                }
            }
        )
    return must, filters


def query_body(query: SearchQuery) -> dict[str, Any]:
    must, filters = filter_clauses(query.filter)
    if query.ids is not None:
        filters.append({"ids": {"values": [str(i) for i in query.ids]}})
    return {"bool": {"must": must or [{"match_all": {}}], "filter": filters}}


def effective_sort(query: SearchQuery) -> SearchSort:
    if query.sort is SearchSort.RELEVANCE and not query.filter.has_text():
        return SearchSort.NEWEST
    return query.sort


def sort_clause(query: SearchQuery) -> list[dict[str, Any]]:
    sort = effective_sort(query)
    if sort is SearchSort.RELEVANCE:
        return [{"_score": "desc"}, {"id": "desc"}]
    if sort is SearchSort.PRICE_ASC:
        return [{"price": "asc"}, {"id": "asc"}]
    if sort is SearchSort.PRICE_DESC:
        return [{"price": "desc"}, {"id": "desc"}]
    if sort is SearchSort.DISTANCE:
        near = query.filter.near
        assert near is not None
        return [
            {
                "_geo_distance": {
                    "location": {"lat": near.latitude, "lon": near.longitude},
                    "order": "asc",
                    "unit": "km",
                    "distance_type": "arc",
                }
            },
            {"id": "asc"},
        ]
    return [{"created_at": "desc"}, {"id": "desc"}]


def search_after(key: tuple[object, ...]) -> list[Any]:
    """The ``search_after`` values of a decoded cursor; BAD_USER_INPUT when malformed."""
    try:
        value, raw_id = key
        if not isinstance(value, int | float | str):
            raise ValueError("sort value expected")
        return [value, str(uuid.UUID(str(raw_id)))]
    except (ValueError, TypeError) as exc:
        raise BadUserInput("Malformed cursor.", field="after") from exc
