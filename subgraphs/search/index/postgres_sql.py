"""SQL expressions of a search on core Postgres: filters, distance, sort keys and keysets.

Full text is a weighted ``tsvector`` matched by ``websearch_to_tsquery`` and ranked by
``ts_rank``; distance is the haversine formula in plain SQL, behind a latitude/longitude box
that the covering btree index on ``(latitude, longitude)`` serves (index-only, so a geo search
reads no table pages). No extension is needed.
"""

from __future__ import annotations

import math
import uuid
from datetime import datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Float,
    Text,
    and_,
    bindparam,
    cast,
    false,
    func,
    literal,
    literal_column,
    or_,
    select,
    tuple_,
)

from common.errors import BadUserInput
from subgraphs.search.models import documents, listings
from subgraphs.search.service.query import (
    BoundingBox,
    GeoRadius,
    SearchFilter,
    SearchQuery,
    SearchSort,
)

EARTH_RADIUS_KM = 6371.0088
KM_PER_DEGREE_LATITUDE = 111.195

c = listings.c
ENGLISH: ColumnElement[object] = literal_column("'english'::regconfig")


# The searched text: a value, or a bind parameter in a statement built once and reused.
Words = str | ColumnElement[str]


def ts_query(text: Words) -> ColumnElement[object]:
    return func.websearch_to_tsquery(ENGLISH, text)


def rank_expression(text: Words, document: ColumnElement[Any] = c.document) -> ColumnElement[float]:
    # websearch_to_tsquery is only STABLE, so written inline it is parsed again for every
    # ranked row; as a scalar subquery (an InitPlan) it is parsed once per statement. The
    # match condition keeps the inline call: the planner estimates its selectivity from the
    # words, which it cannot do through a subquery, and an index scan evaluates it once.
    once = select(ts_query(text)).scalar_subquery()
    # ts_rank, not ts_rank_cd: every match is ranked exactly either way, and ts_rank costs
    # a third as much per row (decision 0006).
    # float8 so a rank read back from a cursor compares exactly with the recomputed one.
    return cast(func.ts_rank(document, once), Float(precision=53))


def distance_km(latitude: float, longitude: float) -> ColumnElement[float]:
    """Great-circle distance from a point to each listing (haversine)."""
    lat1 = func.radians(literal(latitude, Float(precision=53)))
    lat2 = func.radians(c.latitude)
    half_dlat = (lat2 - lat1) / 2
    half_dlon = func.radians(c.longitude - literal(longitude, Float(precision=53))) / 2
    a = func.power(func.sin(half_dlat), 2) + func.cos(lat1) * func.cos(lat2) * func.power(
        func.sin(half_dlon), 2
    )
    return 2 * EARTH_RADIUS_KM * func.asin(func.sqrt(func.least(1.0, a)))


def _longitude_range(low: float, high: float) -> ColumnElement[bool]:
    """``low <= longitude <= high`` where the range may wrap around the antimeridian."""
    if high - low >= 360:
        return c.longitude.is_not(None)
    if low < -180:
        return or_(c.longitude >= low + 360, c.longitude <= high)
    if high > 180:
        return or_(c.longitude >= low, c.longitude <= high - 360)
    return c.longitude.between(low, high)


def radius_conditions(
    near: GeoRadius, distance: ColumnElement[float] | None = None
) -> list[ColumnElement[bool]]:
    """A bounding box around the circle (index-friendly), then the exact distance.

    ``distance`` is :func:`distance_km` from the centre when the caller already built it: the
    haversine tree is the costliest part of a search to build in Python, so a search builds it
    once for its filter, sort key and distance column.
    """
    dlat = near.radius_km / KM_PER_DEGREE_LATITUDE
    min_lat, max_lat = near.latitude - dlat, near.latitude + dlat
    conditions: list[ColumnElement[bool]] = [
        c.latitude.between(max(min_lat, -90), min(max_lat, 90))
    ]
    # Near a pole the circle covers every longitude; otherwise widen by the latitude's cosine.
    if min_lat > -90 and max_lat < 90:
        cos_lat = min(math.cos(math.radians(min_lat)), math.cos(math.radians(max_lat)))
        dlon = near.radius_km / (KM_PER_DEGREE_LATITUDE * max(cos_lat, 1e-9))
        conditions.append(_longitude_range(near.longitude - dlon, near.longitude + dlon))
    if distance is None:
        distance = distance_km(near.latitude, near.longitude)
    conditions.append(distance <= near.radius_km)
    return conditions


def box_conditions(box: BoundingBox) -> list[ColumnElement[bool]]:
    conditions: list[ColumnElement[bool]] = [c.latitude.between(box.min_latitude, box.max_latitude)]
    if box.crosses_antimeridian:
        conditions.append(or_(c.longitude >= box.min_longitude, c.longitude <= box.max_longitude))
    else:
        conditions.append(c.longitude.between(box.min_longitude, box.max_longitude))
    return conditions


def _value(bind: bool, name: str, value: Any, type_: Any) -> Any:
    """``value`` inline, or (``bind``) a named bind parameter that :func:`filter_parameters`
    fills: a statement built with ``bind`` depends on the filter's shape alone."""
    return bindparam(name, type_=type_) if bind else value


def filter_conditions(
    f: SearchFilter, distance: ColumnElement[float] | None = None, *, bind: bool = False
) -> list[ColumnElement[bool]]:
    """The WHERE clause of a filter as a list of conjuncts; ``distance``: see radius_conditions.

    ``bind``: every value of the text, type, status, price, room and zip code conditions is a
    named parameter (:func:`filter_parameters`), so the statement can be built once per shape;
    geographic filters are never built that way (their bounds are computed from the values).
    """
    assert not (bind and (f.near is not None or f.within is not None))
    conditions: list[ColumnElement[bool]] = []
    if f.has_text():
        assert f.text is not None
        conditions.append(c.document.bool_op("@@")(ts_query(_value(bind, "text", f.text, Text))))
    if f.types:
        if bind:
            conditions.append(
                c.type.in_([bindparam(f"type_{i}", type_=c.type.type) for i in range(len(f.types))])
            )
        else:
            conditions.append(c.type.in_(f.types))
    statuses = f.effective_statuses()
    if bind:
        conditions.append(
            c.status.in_(
                [bindparam(f"status_{i}", type_=c.status.type) for i in range(len(statuses))]
            )
        )
    else:
        conditions.append(c.status.in_(statuses))
    if f.price_min is not None:
        conditions.append(c.price >= _value(bind, "price_min", f.price_min, c.price.type))
    if f.price_max is not None:
        conditions.append(c.price <= _value(bind, "price_max", f.price_max, c.price.type))
    if f.min_bedrooms is not None:
        conditions.append(
            c.bedrooms >= _value(bind, "min_bedrooms", f.min_bedrooms, c.bedrooms.type)
        )
    if f.min_bathrooms is not None:
        conditions.append(
            c.bathrooms >= _value(bind, "min_bathrooms", f.min_bathrooms, c.bathrooms.type)
        )
    if f.min_toilets is not None:
        conditions.append(c.toilets >= _value(bind, "min_toilets", f.min_toilets, c.toilets.type))
    if f.zip_code:
        conditions.append(
            c.zip_code == _value(bind, "zip_code", f.zip_code.strip(), c.zip_code.type)
        )
    if f.near is not None:
        conditions.extend(radius_conditions(f.near, distance))
    if f.within is not None:
        conditions.extend(box_conditions(f.within))
    return conditions


def filter_shape(f: SearchFilter) -> tuple[object, ...] | None:
    """What a statement built with ``bind`` depends on; None for a geographic filter."""
    if f.near is not None or f.within is not None:
        return None
    return (
        f.has_text(),
        len(f.types),
        len(f.effective_statuses()),
        f.price_min is not None,
        f.price_max is not None,
        f.min_bedrooms is not None,
        f.min_bathrooms is not None,
        f.min_toilets is not None,
        bool(f.zip_code),
        # ranks_text_alone: text and statuses only
        f == SearchFilter(text=f.text, statuses=f.statuses),
    )


def filter_parameters(f: SearchFilter) -> dict[str, Any]:
    """The values of the parameters a ``bind`` statement of ``f``'s shape names."""
    values: dict[str, Any] = {
        "price_min": f.price_min,
        "price_max": f.price_max,
        "min_bedrooms": f.min_bedrooms,
        "min_bathrooms": f.min_bathrooms,
        "min_toilets": f.min_toilets,
        "zip_code": f.zip_code.strip() if f.zip_code else None,
        "text": f.text,
    }
    for i, value in enumerate(f.types):
        values[f"type_{i}"] = value
    for i, value in enumerate(f.effective_statuses()):
        values[f"status_{i}"] = value
    return values


def query_conditions(
    query: SearchQuery, distance: ColumnElement[float] | None = None, *, bind: bool = False
) -> list[ColumnElement[bool]]:
    conditions = filter_conditions(query.filter, distance, bind=bind)
    if query.ids is not None:
        conditions.append(c.id.in_(query.ids) if query.ids else false())
    return conditions


def ranks_text_alone(query: SearchQuery) -> bool:
    """Whether a search needs only each listing's id, status and document (ranked text).

    Such a search reads the narrow ``search_listing_documents`` rows (migration 0003).
    """
    f = query.filter
    return (
        effective_sort(query) is SearchSort.RELEVANCE
        and f.has_text()
        and f == SearchFilter(text=f.text, statuses=f.statuses)
    )


def text_alone_conditions(query: SearchQuery, *, bind: bool = False) -> list[ColumnElement[bool]]:
    """:func:`query_conditions` of a search that :func:`ranks_text_alone`, on the narrow table."""
    assert query.filter.text is not None
    d = documents.c
    statuses = query.filter.effective_statuses()
    conditions: list[ColumnElement[bool]]
    if bind:
        words: Words = bindparam("text", type_=Text)
        conditions = [
            d.document.bool_op("@@")(ts_query(words)),
            d.status.in_(
                [bindparam(f"status_{i}", type_=d.status.type) for i in range(len(statuses))]
            ),
        ]
    else:
        conditions = text_match_conditions(query.filter.text, statuses)
    if query.ids is not None:
        conditions.append(d.id.in_(query.ids) if query.ids else false())
    return conditions


def text_match_conditions(text: Words, statuses: tuple[str, ...]) -> list[ColumnElement[bool]]:
    """Listings whose document matches ``text``, in one of ``statuses`` (the narrow table)."""
    d = documents.c
    return [d.document.bool_op("@@")(ts_query(text)), d.status.in_(statuses)]


# The lexemes of a document that carry weight A (its title), with their A positions only. The
# expression is the one migration 0004 indexes; written identically so the planner uses it.
TITLE_WEIGHTS: ColumnElement[object] = literal_column("'{a}'::\"char\"[]")

# Every listing with the searched word in its title ranks at least 1/1.64493 ≈ 0.6079 by
# ts_rank's default weights; every other match at most 0.522 (decision 0008). A cursor below
# this line has left the title matches behind, so no title match follows it.
TITLE_MATCH_RANK_FLOOR = 0.56


def title_match_first(query: SearchQuery, key: tuple[object, uuid.UUID] | None) -> bool:
    """Whether a relevance page may be looked for among the title matches first (decision 0008).

    Only worth trying when the text can be one word (the statement itself checks that it is
    exactly one plain lexeme, :func:`single_plain_lexeme`), on the whole index (``ids``
    narrows a search to a few listings, which are cheap to rank anyway) and before a cursor
    has left the title matches. The answer only saves work: a page is taken from the title
    matches when they fill it, and from the full ranking otherwise.
    """
    if not ranks_text_alone(query) or query.ids is not None or query.filter.text is None:
        return False
    words = query.filter.text.split()
    if len(words) != 1 or words[0].startswith("-"):
        return False
    return key is None or not isinstance(key[0], float) or key[0] >= TITLE_MATCH_RANK_FLOOR


def single_plain_lexeme(text: Words) -> ColumnElement[bool]:
    """Whether ``text`` parses to exactly one lexeme, with no weight or prefix flag.

    Only for such a query does a title match always outrank every other match: with several
    lexemes ``ts_rank`` also rewards them standing close together, again and again, so a
    listing with them repeated in its address can outrank one with them once in its title
    (tests/integration/search/test_title_ranking.py holds such a case). The output of a plain
    lexeme is ``'word'``; a weight or prefix flag would follow the closing quote.
    ``websearch_to_tsquery`` with a configuration is immutable, so the planner folds this to
    true or false and a false condition removes the title page from the plan.
    """
    parsed = ts_query(text)
    return and_(
        func.numnode(parsed) == 1,
        func.right(cast(parsed, Text), 1) == literal_column("''''"),
    )


def title_match_conditions(text: Words, statuses: tuple[str, ...]) -> list[ColumnElement[bool]]:
    """:func:`text_match_conditions` restricted to listings with the one word in their title."""
    d = documents.c
    title = func.ts_filter(d.document, TITLE_WEIGHTS)
    return [
        single_plain_lexeme(text),
        title.bool_op("@@")(ts_query(text)),
        d.status.in_(statuses),
    ]


def effective_sort(query: SearchQuery) -> SearchSort:
    # Relevance without words to rank by means "newest first".
    if query.sort is SearchSort.RELEVANCE and not query.filter.has_text():
        return SearchSort.NEWEST
    return query.sort


def near_distance(query: SearchQuery) -> ColumnElement[float] | None:
    """Distance from the filter's centre, when it has one; build it once per search."""
    near = query.filter.near
    return None if near is None else distance_km(near.latitude, near.longitude)


def sort_key(
    query: SearchQuery, distance: ColumnElement[float] | None = None, *, bind: bool = False
) -> tuple[ColumnElement[Any], bool]:
    """The primary sort expression and whether it is ascending (ties broken by id likewise)."""
    sort = effective_sort(query)
    if sort is SearchSort.RELEVANCE:
        assert query.filter.text is not None
        return rank_expression(_value(bind, "text", query.filter.text, Text)), False
    if sort is SearchSort.PRICE_ASC:
        return c.price, True
    if sort is SearchSort.PRICE_DESC:
        return c.price, False
    if sort is SearchSort.DISTANCE:
        assert query.filter.near is not None
        if distance is None:
            distance = distance_km(query.filter.near.latitude, query.filter.near.longitude)
        return distance, True
    return c.created_at, False


def parse_key(query: SearchQuery, key: tuple[object, ...]) -> tuple[object, uuid.UUID]:
    """Typed values of a cursor's key; BAD_USER_INPUT when they do not fit the sort."""
    try:
        value, raw_id = key
        listing_id = uuid.UUID(str(raw_id))
        sort = effective_sort(query)
        if sort in (SearchSort.PRICE_ASC, SearchSort.PRICE_DESC):
            return Decimal(str(value)), listing_id
        if sort is SearchSort.NEWEST:
            return datetime.fromisoformat(str(value)), listing_id
        if not isinstance(value, int | float):
            raise ValueError("number expected")
        return float(value), listing_id
    except (ValueError, TypeError, InvalidOperation) as exc:
        raise BadUserInput("Malformed cursor.", field="after") from exc


def key_value_for_cursor(value: object) -> object:
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, datetime):
        return value.isoformat()
    return value


def after_condition(
    expression: ColumnElement[Any],
    ascending: bool,
    key: tuple[object, uuid.UUID],
    listing_id_column: ColumnElement[Any] = c.id,
) -> ColumnElement[bool]:
    value, listing_id = key
    left = tuple_(expression, listing_id_column)
    right = tuple_(literal(value, expression.type), literal(listing_id, c.id.type))
    return and_(left > right) if ascending else and_(left < right)
