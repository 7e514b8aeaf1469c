"""The hybrid feed: fold-in without retraining, cold start, filters, reasons, MMR."""

from __future__ import annotations

import numpy as np
import pytest

from subgraphs.recommendations.ml import Listing, Recommender, SearchSignal, UserState
from subgraphs.recommendations.ml.collaborative import interaction_matrix
from subgraphs.recommendations.ml.rerank import mmr, top_rows
from tests.unit.recommendations.fixtures import (
    NOW,
    catalogue,
    ids_where,
    interaction,
    taste_log,
)


@pytest.fixture(scope="module")
def listings() -> list[Listing]:
    return catalogue()


@pytest.fixture(scope="module")
def model(listings: list[Listing]) -> Recommender:
    return Recommender.fit(listings, taste_log(listings), now=NOW)


def test_a_new_favourite_changes_the_next_feed_without_a_retrain(
    model: Recommender, listings: list[Listing]
) -> None:
    lekki = ids_where(listings, city="Lekki", type_="apartment")
    yaba = ids_where(listings, city="Yaba", type_="house")
    before = UserState("newcomer", interactions=[interaction("newcomer", lekki[0], "favorite", 1)])
    after = UserState(
        "newcomer",
        interactions=[
            interaction("newcomer", yaba[0], "favorite", 0),
            interaction("newcomer", yaba[1], "favorite", 0),
            interaction("newcomer", yaba[2], "favorite", 0),
            *before.interactions,
        ],
    )
    first = [s.property_id for s in model.feed(before, 5, now=NOW)]
    second = [s.property_id for s in model.feed(after, 5, now=NOW)]
    assert yaba[3] not in first[:1]
    assert yaba[3] in second  # the one Yaba house they have not saved yet
    assert set(first) != set(second)


def test_fold_in_uses_the_item_factors(model: Recommender, listings: list[Listing]) -> None:
    lekki = ids_where(listings, city="Lekki", type_="apartment")
    viewer = UserState(
        "n", interactions=[interaction("n", pid, "favorite", 1) for pid in lekki[:3]]
    )
    results = model.feed(viewer, 3, now=NOW)
    collaborative = [s for s in results if s.source == "collaborative"]
    assert lekki[3] in [s.property_id for s in results]
    assert all(s.reason == "Liked by people with tastes like yours" for s in collaborative)


def test_weights_decay_and_not_interested_clears_a_cell(listings: list[Listing]) -> None:
    rows = {x.id: i for i, x in enumerate(listings)}
    log = [
        interaction("a", "p0", "favorite", 0),
        interaction("a", "p1", "favorite", 60),  # one half-life ago
        interaction("a", "p2", "view", 0),
        interaction("a", "p2", "not_interested", 0),
        interaction("a", "p3", "favorite", 2),
        interaction("a", "p3", "unfavorite", 1),
    ]
    matrix, users = interaction_matrix(log, rows, len(listings), NOW)
    row = matrix.toarray()[0]
    assert users == ["a"]
    assert row[0] == pytest.approx(np.log1p(5.0))
    assert row[1] == pytest.approx(np.log1p(2.5))
    assert row[2] == 0.0
    assert 0.0 <= row[3] < 0.2  # the unfavourite took (almost all of) it back


def test_cold_start_is_popular_in_the_area_and_price_band_of_searches(
    model: Recommender, listings: list[Listing]
) -> None:
    search = SearchSignal("cold", "Lekki", None, 90e6, None, NOW)
    results = model.feed(UserState("cold", searches=[search]), 4, now=NOW)
    by_id = {x.id: x for x in listings}
    assert len(results) == 4
    for scored in results:
        assert by_id[scored.property_id].city == "Lekki"
        assert by_id[scored.property_id].price <= 90e6
        assert scored.reason == "Popular in Lekki under ₦90M"
        assert scored.source == "popular"


def test_a_user_with_nothing_gets_popular_homes_on_the_site(model: Recommender) -> None:
    results = model.feed(UserState("nobody"), 5, now=NOW)
    assert len(results) == 5
    assert {s.reason for s in results} == {"Popular on Realio"}


def test_filters_own_sold_not_interested_and_seen(listings: list[Listing]) -> None:
    model = Recommender.fit(listings, taste_log(listings), now=NOW)
    lekki = ids_where(listings, city="Lekki", type_="apartment")
    model.remove_listing(lekki[1])  # sold
    owned = {x.id for x in listings if x.owner_id == "owner-2"}
    viewer = UserState(
        "owner-2",
        interactions=[interaction("owner-2", lekki[0], "favorite", 1)],
        own_listing_ids=frozenset({lekki[3]}),
        not_interested=frozenset({lekki[2]}),
    )
    banned = owned | {lekki[0], lekki[1], lekki[2], lekki[3]}
    for results in (
        model.feed(viewer, 30, now=NOW),
        model.similar(lekki[0], 30, viewer=viewer),
        model.for_property(lekki[0], 30, viewer=viewer),
    ):
        assert results
        assert not banned & {s.property_id for s in results}
    assert lekki[1] not in {s.property_id for s in model.similar(lekki[0], 35)}


def test_reasons_name_the_anchor_kind(model: Recommender, listings: list[Listing]) -> None:
    yaba_town = ids_where(listings, city="Yaba", type_="townhouse")
    viewer = UserState("r", interactions=[interaction("r", yaba_town[0], "booking", 1)])
    content = [s for s in model.feed(viewer, 8, now=NOW) if s.source == "content"]
    assert content
    assert {s.reason for s in content} == {"Similar to a home you booked a viewing of"}


def test_mmr_keeps_near_duplicates_apart() -> None:
    vectors = np.array([[1.0, 0.0], [1.0, 0.0], [0.0, 1.0]], dtype=np.float32)
    relevance = np.array([1.0, 0.99, 0.8])
    assert mmr(relevance, vectors, 2, trade_off=1.0) == [0, 1]
    assert mmr(relevance, vectors, 2, trade_off=0.5) == [0, 2]


def test_top_rows_is_ordered_and_respects_the_mask() -> None:
    scores = np.array([0.1, 0.9, 0.5, 0.9, 0.7])
    allowed = np.array([True, True, True, False, True])
    assert top_rows(scores, allowed, 3).tolist() == [1, 4, 2]
    assert top_rows(scores, np.zeros(5, dtype=bool), 3).tolist() == []


def test_feed_is_diversified(model: Recommender, listings: list[Listing]) -> None:
    lekki = ids_where(listings, city="Lekki", type_="apartment")
    viewer = UserState("d", interactions=[interaction("d", lekki[0], "favorite", 1)])
    results = model.feed(viewer, 6, now=NOW)
    by_id = {x.id: x for x in listings}
    assert len({(by_id[s.property_id].city, by_id[s.property_id].type) for s in results}) >= 2


def test_a_single_source_feed_for_a_newcomer_is_empty_not_an_error(model: Recommender) -> None:
    assert model.feed(UserState("new"), 5, now=NOW, sources=["content"]) == []
    assert model.feed(UserState("new"), 0, now=NOW) == []
