"""Precomputed neighbour lists: exact within cities with the bound, kept exact by add_rows,
stored in the artefact, and a lookup that still honours every filter (decision 0036)."""

from __future__ import annotations

import dataclasses

import numpy as np

from subgraphs.recommendations.ml import Recommender, SearchSignal, UserState
from subgraphs.recommendations.ml.neighbours import NEIGHBOURS, add_rows, nearest
from tests.unit.recommendations.fixtures import KEY, NOW, catalogue, listing


def _brute(vectors: np.ndarray, k: int) -> np.ndarray:
    scores = vectors @ vectors.T
    np.fill_diagonal(scores, -np.inf)
    return -np.sort(-scores, axis=1)[:, :k]


def _world(n: int, seed: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Unit vectors whose first 4 columns are a one-hot "city" of weight 1.5 (one city
    tiny, so its rows need the whole-catalogue fallback), like the content vectors."""
    rng = np.random.default_rng(seed)
    groups = rng.choice(4, size=n, p=[0.45, 0.45, 0.08, 0.02])
    rest = rng.normal(size=(n, 12)).astype(np.float32)
    city = np.zeros((n, 4), dtype=np.float32)
    city[np.arange(n), groups] = 1.5
    vectors = np.hstack([city, rest])
    vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
    rest_norms = np.linalg.norm(vectors[:, 4:], axis=1)
    return vectors, groups, rest_norms


def test_lists_are_the_exact_nearest_even_across_cities() -> None:
    vectors, groups, rest = _world(600, seed=3)
    rows, scores = nearest(vectors, groups, rest, k=20)
    assert np.allclose(scores, _brute(vectors, 20), atol=1e-5)
    # The rows are those scores, never the row itself.
    assert not np.any(rows == np.arange(600)[:, None])
    assert np.allclose(np.take_along_axis(vectors @ vectors.T, rows, axis=1), scores, atol=1e-5)


def test_a_catalogue_smaller_than_a_list_pads_it() -> None:
    vectors, groups, rest = _world(5, seed=1)
    rows, scores = nearest(vectors, groups, rest, k=8)
    assert (rows[:, 4:] == -1).all() and np.isneginf(scores[:, 4:]).all()
    assert np.allclose(scores[:, :4], _brute(vectors, 4), atol=1e-5)


def test_added_rows_keep_every_list_exact() -> None:
    vectors, groups, rest = _world(400, seed=5)
    rows, scores = nearest(vectors[:300], groups[:300], rest[:300], k=16)
    grown_rows = np.vstack([rows, np.full((100, 16), -1, np.int32)])
    grown_scores = np.vstack([scores, np.full((100, 16), -np.inf, np.float32)])
    add_rows(vectors, grown_rows, grown_scores, np.arange(300, 400))
    assert np.allclose(grown_scores, _brute(vectors, 16), atol=1e-5)


def test_similar_is_a_lookup_that_survives_the_artefact_and_new_listings() -> None:
    listings = catalogue()
    model = Recommender.fit(listings, [], now=NOW)
    assert model.catalogue.has_neighbours
    loaded = Recommender.from_bytes(model.to_bytes(key=KEY), key=KEY)
    assert np.array_equal(loaded.catalogue.neighbours, model.catalogue.neighbours)
    anchor = listings[3]
    assert [s.property_id for s in loaded.similar(anchor.id, 5)] == [
        s.property_id for s in model.similar(anchor.id, 5)
    ]
    twin = dataclasses.replace(anchor, id="twin", owner_id="owner-9")
    loaded.add_listing(twin)
    # The new home is in its twin's list at once, and has a list of its own.
    assert loaded.similar(anchor.id, 1)[0].property_id == "twin"
    assert loaded.similar("twin", 1)[0].property_id == anchor.id


def test_when_filters_empty_a_full_list_the_catalogue_is_scanned() -> None:
    base = catalogue()
    anchor = base[0]
    # NEIGHBOURS near-copies of the anchor, all owned by the viewer, then other homes.
    copies = [
        dataclasses.replace(anchor, id=f"copy{n}", owner_id="viewer") for n in range(NEIGHBOURS)
    ]
    model = Recommender.fit([*base, *copies], [], now=NOW)
    listed = set(model.catalogue.neighbours[model.catalogue.rows[anchor.id]].tolist())
    assert {model.catalogue.rows[c.id] for c in copies} <= listed
    viewer = UserState("viewer")
    found = model.similar(anchor.id, 5, viewer=viewer)
    assert len(found) == 5
    assert not any(s.property_id.startswith("copy") for s in found)
    assert anchor.id not in {s.property_id for s in found}


def test_a_home_listed_after_the_popularity_order_was_cached_reaches_a_cold_feed() -> None:
    listings = catalogue()
    model = Recommender.fit(listings, [], now=NOW)
    search = SearchSignal("cold", "Yaba", None, None, None, NOW)
    viewer = UserState("cold", searches=[search])
    before = [s.property_id for s in model.feed(viewer, 3, now=NOW)]  # caches the order
    newest = dataclasses.replace(listing(99, "Yaba", "house", 2, age_days=0.0), id="newest")
    model.add_listing(newest)
    after = model.feed(viewer, 3, now=NOW)
    assert "newest" not in before
    # No interactions anywhere: the freshest home in the searched area is the most popular.
    assert after[0].property_id == "newest"
    assert after[0].source == "popular" and "Yaba" in after[0].reason
