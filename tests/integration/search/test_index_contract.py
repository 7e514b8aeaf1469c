"""The contract every search index adapter passes: filters, sorts, pages, facets, matching.

Expected answers come from the hand-written corpus (tests/integration/search/corpus.py).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import asdict
from decimal import Decimal
from itertools import combinations

import pytest
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from subgraphs.search.index.cursor import decode_cursor
from subgraphs.search.index.port import SearchIndex
from subgraphs.search.service.query import (
    ALL_FACETS,
    BoundingBox,
    Facet,
    GeoRadius,
    SearchFilter,
    SearchQuery,
    SearchSort,
)
from tests.integration.search import corpus

LISBON = (38.7107, -9.1366)


async def names(
    index: SearchIndex,
    search_filter: SearchFilter | None = None,
    sort: SearchSort = SearchSort.NEWEST,
    first: int = 100,
) -> list[str]:
    page = await index.search(
        SearchQuery(filter=search_filter or SearchFilter(), sort=sort, first=first)
    )
    by_id = corpus.names_by_id(index.name)
    return [by_id[hit.id] for hit in page.hits]


async def name_set(index: SearchIndex, **filter_fields: object) -> set[str]:
    return set(await names(index, SearchFilter(**filter_fields)))  # type: ignore[arg-type]


# --- filters -------------------------------------------------------------------------------


async def test_without_a_filter_every_public_listing_is_found(contract_index: SearchIndex) -> None:
    assert await name_set(contract_index) == set(corpus.PUBLIC)


async def test_text_matches_title_and_description(contract_index: SearchIndex) -> None:
    assert await name_set(contract_index, text="garden") == {"L1", "L3", "L6", "L7", "L10"}


async def test_text_matches_address_and_stems_words(contract_index: SearchIndex) -> None:
    assert await name_set(contract_index, text="porto") == {"L4", "L5", "L6"}
    # "apartments" stems to "apartment"; web syntax excludes with a minus sign.
    assert await name_set(contract_index, text="apartments -island") == {"L2", "L3"}


async def test_types_and_statuses(contract_index: SearchIndex) -> None:
    assert await name_set(contract_index, types=("apartment",)) == {"L2", "L3", "L11"}
    assert await name_set(contract_index, statuses=("sold", "rented")) == {"L5", "L6"}
    assert await name_set(contract_index, types=("house", "condo"), statuses=("available",)) == {
        "L1",
        "L7",
        "L8",
        "L10",
        "L12",
    }


async def test_price_range_is_inclusive(contract_index: SearchIndex) -> None:
    found = await name_set(contract_index, price_min=Decimal("300000"), price_max=Decimal("450000"))
    assert found == {"L1", "L2", "L6", "L8", "L12"}


async def test_minimum_rooms(contract_index: SearchIndex) -> None:
    assert await name_set(contract_index, min_bedrooms=3) == {"L1", "L3", "L6", "L7", "L12"}
    assert await name_set(contract_index, min_bathrooms=3) == {"L3", "L7"}
    assert await name_set(contract_index, min_toilets=3) == {"L1", "L3", "L7"}


async def test_zip_code(contract_index: SearchIndex) -> None:
    assert await name_set(contract_index, zip_code="78701") == {"L7", "L8"}


async def test_radius_around_a_point(contract_index: SearchIndex) -> None:
    near = GeoRadius(LISBON[0], LISBON[1], 2.0)
    assert await name_set(contract_index, near=near) == {"L1", "L2", "L3"}
    wider = GeoRadius(LISBON[0], LISBON[1], 10.0)
    assert await name_set(contract_index, near=wider) == {"L1", "L2", "L3", "L12"}


async def test_radius_across_the_antimeridian(contract_index: SearchIndex) -> None:
    near = GeoRadius(-17.0, 179.8, 300.0)
    assert await name_set(contract_index, near=near) == {"L10", "L11"}
    assert await name_set(contract_index, near=GeoRadius(-17.0, 179.8, 60.0)) == {"L10"}


async def test_bounding_box(contract_index: SearchIndex) -> None:
    porto = BoundingBox(41.0, -8.7, 41.2, -8.5)
    assert await name_set(contract_index, within=porto) == {"L4", "L5", "L6"}
    across = BoundingBox(-18.0, 179.0, -16.0, -178.0)
    assert await name_set(contract_index, within=across) == {"L10", "L11"}


async def test_conditions_combine(contract_index: SearchIndex) -> None:
    found = await name_set(
        contract_index,
        text="house",
        near=GeoRadius(LISBON[0], LISBON[1], 10.0),
        price_max=Decimal("500000"),
        min_bedrooms=4,
    )
    assert found == {"L1"}


# --- sorting and pages -----------------------------------------------------------------------


def _by(key: Callable[[str], tuple[int, str]]) -> list[str]:
    return sorted(corpus.PUBLIC, key=key)


async def test_price_sorts_break_ties_by_id(contract_index: SearchIndex) -> None:
    salt = contract_index.name

    def asc_key(n: str) -> tuple[int, str]:
        return corpus.ROWS[n][6], str(corpus.listing_id(n, salt))

    expected = _by(asc_key)
    assert await names(contract_index, sort=SearchSort.PRICE_ASC) == expected
    assert await names(contract_index, sort=SearchSort.PRICE_DESC) == expected[::-1]


async def test_newest_first(contract_index: SearchIndex) -> None:
    expected = sorted(corpus.PUBLIC, key=lambda n: -int(n[1:]))
    assert await names(contract_index, sort=SearchSort.NEWEST) == expected


async def test_relevance_ranks_title_matches_first(contract_index: SearchIndex) -> None:
    found = await names(contract_index, SearchFilter(text="garden"), SearchSort.RELEVANCE)
    assert set(found) == {"L1", "L3", "L6", "L7", "L10"}
    assert found[0] == "L1"  # the only one with "garden" in its title


async def test_distance_sort(contract_index: SearchIndex) -> None:
    near = GeoRadius(LISBON[0], LISBON[1], 10.0)
    page = await contract_index.search(
        SearchQuery(filter=SearchFilter(near=near), sort=SearchSort.DISTANCE, first=10)
    )
    by_id = corpus.names_by_id(contract_index.name)
    found = [by_id[hit.id] for hit in page.hits]

    def distance(n: str) -> float:
        return corpus.haversine_km(*LISBON, corpus.ROWS[n][10], corpus.ROWS[n][11])

    assert found == sorted(["L1", "L2", "L3", "L12"], key=distance)
    for hit in page.hits:
        assert hit.distance_km == pytest.approx(distance(by_id[hit.id]), rel=1e-3)


@pytest.mark.parametrize(
    ("sort", "search_filter"),
    [
        (SearchSort.PRICE_ASC, SearchFilter()),
        (SearchSort.PRICE_DESC, SearchFilter()),
        (SearchSort.NEWEST, SearchFilter()),
        (SearchSort.RELEVANCE, SearchFilter(text="garden or house or apartment")),
        (SearchSort.DISTANCE, SearchFilter(near=GeoRadius(LISBON[0], LISBON[1], 500.0))),
    ],
)
async def test_pages_walk_the_whole_order_without_gaps_or_repeats(
    contract_index: SearchIndex, sort: SearchSort, search_filter: SearchFilter
) -> None:
    whole = await names(contract_index, search_filter, sort)
    assert len(whole) >= 4
    walked: list[str] = []
    after: tuple[object, ...] | None = None
    by_id = corpus.names_by_id(contract_index.name)
    for _ in range(20):
        page = await contract_index.search(
            SearchQuery(filter=search_filter, sort=sort, first=3, after=after, with_total=True)
        )
        # The total counted with a page is over the whole filter, whichever page it is.
        assert page.total == len(whole)
        walked.extend(by_id[hit.id] for hit in page.hits)
        if not page.has_next_page:
            break
        after = decode_cursor(page.hits[-1].cursor, sort)
    assert walked == whole


async def test_count_is_over_every_page(contract_index: SearchIndex) -> None:
    query = SearchQuery(filter=SearchFilter(types=("house",)), first=1)
    assert await contract_index.count(query) == 4
    assert len((await contract_index.search(query)).hits) == 1


# --- facets ----------------------------------------------------------------------------------


async def test_facets_over_the_filtered_set(contract_index: SearchIndex) -> None:
    facets = await contract_index.facets(SearchQuery(), Decimal(250000))
    assert {f.value: f.count for f in facets.types} == {
        "house": 4,
        "apartment": 3,
        "land": 1,
        "commercial": 1,
        "townhouse": 1,
        "condo": 1,
    }
    assert {f.value: f.count for f in facets.statuses} == {
        "available": 8,
        "pending": 1,
        "sold": 1,
        "rented": 1,
    }
    assert [(b.min, b.max, b.count) for b in facets.price_histogram] == [
        (Decimal(0), Decimal(250000), 2),
        (Decimal(250000), Decimal(500000), 6),
        (Decimal(500000), Decimal(750000), 2),
        (Decimal(750000), Decimal(1000000), 1),
    ]
    assert [(f.value, f.count) for f in facets.bedrooms] == [
        ("0", 2),
        ("1", 1),
        ("2", 3),
        ("3", 3),
        ("4", 1),
        ("5", 1),
    ]


async def test_facets_follow_the_filter(contract_index: SearchIndex) -> None:
    query = SearchQuery(filter=SearchFilter(text="lisbon"))
    facets = await contract_index.facets(query, Decimal(500000))
    assert {f.value: f.count for f in facets.types} == {"house": 2, "apartment": 2}
    assert {f.value: f.count for f in facets.statuses} == {"available": 3, "pending": 1}
    assert [(b.min, b.count) for b in facets.price_histogram] == [
        (Decimal(0), 3),
        (Decimal(500000), 1),
    ]


async def test_only_the_requested_facets_are_computed(contract_index: SearchIndex) -> None:
    query = SearchQuery(filter=SearchFilter(statuses=("available", "sold")))
    every = asdict(await contract_index.facets(query, Decimal(250000)))
    assert all(every.values())  # the corpus gives each facet something to count
    for size in range(len(ALL_FACETS) + 1):
        for chosen in combinations(sorted(ALL_FACETS), size):
            requested = frozenset(chosen)
            facets = asdict(await contract_index.facets(query, Decimal(250000), requested))
            expected = {f.value: every[f.value] if f in requested else [] for f in Facet}
            assert facets == expected, requested


# --- matching one listing --------------------------------------------------------------------


async def test_matches_one_listing(
    contract_index: SearchIndex, contract_sessions: async_sessionmaker[AsyncSession]
) -> None:
    l1 = corpus.listing_id("L1", contract_index.name)
    async with contract_sessions() as session:
        assert await contract_index.matches(session, SearchFilter(text="garden"), l1)
        assert not await contract_index.matches(session, SearchFilter(text="porto"), l1)
        assert not await contract_index.matches(
            session, SearchFilter(price_max=Decimal(400000)), l1
        )
