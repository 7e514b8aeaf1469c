"""The content feature pipeline and "similar homes" (nearest neighbours by cosine)."""

from __future__ import annotations

import dataclasses

import numpy as np
from sklearn.neighbors import NearestNeighbors

from subgraphs.recommendations.ml import Recommender, UserState
from subgraphs.recommendations.ml.features import ContentFeatures
from tests.unit.recommendations.fixtures import NOW, catalogue, interaction, listing


def test_vectors_are_unit_length_and_new_listings_use_the_fitted_pipeline() -> None:
    listings = catalogue()
    features, vectors = ContentFeatures.fit(listings)
    assert vectors.shape[0] == len(listings)
    assert np.allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-5)
    # Transforming a training listing again gives its training vector: same fitted pipeline.
    assert np.allclose(features.transform([listings[4]])[0], vectors[4], atol=1e-5)
    # A city and a type the pipeline never saw still transform (unknown categories ignored).
    strange = dataclasses.replace(listings[0], id="x", city="Kano", type="castle")
    assert features.transform([strange]).shape == (1, vectors.shape[1])


def test_missing_numbers_and_coordinates_are_imputed() -> None:
    listings = catalogue()
    bare = dataclasses.replace(
        listings[0],
        id="bare",
        bedrooms=None,
        bathrooms=None,
        area=None,
        latitude=None,
        longitude=None,
        city=None,
        text="",
    )
    features, _ = ContentFeatures.fit([*listings, bare])
    vector = features.transform([bare])[0]
    assert np.all(np.isfinite(vector))
    assert abs(float(np.linalg.norm(vector)) - 1.0) < 1e-5


def test_similar_matches_sklearn_nearest_neighbours_by_cosine() -> None:
    listings = catalogue()
    model = Recommender.fit(listings, [], now=NOW)
    vectors = model.catalogue.vectors
    neighbours = NearestNeighbors(n_neighbors=6, metric="cosine", algorithm="brute").fit(vectors)
    _, expected = neighbours.kneighbors(vectors[7:8])
    expected_ids = [listings[i].id for i in expected[0] if i != 7][:5]
    got = [scored.property_id for scored in model.similar(listings[7].id, 5)]
    assert got == expected_ids


def test_similar_homes_share_area_and_type() -> None:
    listings = catalogue()
    model = Recommender.fit(listings, [], now=NOW)
    anchor = next(
        x for x in listings if x.city == "Ikoyi" and x.type == "house" and x.bedrooms == 3
    )
    results = model.similar(anchor.id, 3)
    by_id = {x.id: x for x in listings}
    assert len(results) == 3
    for scored in results:
        assert by_id[scored.property_id].city == "Ikoyi"
        assert scored.source == "similar"
        assert scored.reason.startswith("Similar ") and "in Ikoyi" in scored.reason


def test_a_new_listing_is_recommended_by_content_before_any_interaction() -> None:
    listings = catalogue()
    model = Recommender.fit(listings, [], now=NOW)
    twin_of = next(x for x in listings if x.city == "Yaba" and x.type == "townhouse")
    model.add_listing(dataclasses.replace(twin_of, id="fresh", owner_id="owner-9"))
    assert model.similar(twin_of.id, 1)[0].property_id == "fresh"
    # And it reaches the feed of someone who saved its twin.
    viewer = UserState("u", interactions=[interaction("u", twin_of.id, "favorite", 1)])
    assert "fresh" in [s.property_id for s in model.feed(viewer, 5, now=NOW)]


def test_unknown_property_has_no_similar_homes() -> None:
    model = Recommender.fit(catalogue(), [], now=NOW)
    assert model.similar("nope", 5) == []
    assert model.for_property("nope", 5) == []
    assert "nope" not in model


def test_an_updated_listing_replaces_its_vector() -> None:
    listings = catalogue()
    model = Recommender.fit(listings, [], now=NOW)
    moved = dataclasses.replace(listing(0, "Ikoyi", "house", 4), id=listings[0].id)
    model.add_listing(moved)
    assert len(model.catalogue) == len(listings)
    similar_cities = {
        next(x for x in listings if x.id == s.property_id).city for s in model.similar(moved.id, 3)
    }
    assert similar_cities == {"Ikoyi"}


def test_add_listings_in_a_batch_equals_one_by_one() -> None:
    listings = catalogue()
    one, batch = (Recommender.fit(listings, [], now=NOW) for _ in range(2))
    new = [dataclasses.replace(x, id=f"new-{x.id}") for x in listings[:5]]
    for item in new:
        one.add_listing(item)
    batch.add_listings(new)
    assert batch.catalogue.ids == one.catalogue.ids
    assert np.allclose(batch.catalogue.vectors, one.catalogue.vectors, atol=1e-6)
