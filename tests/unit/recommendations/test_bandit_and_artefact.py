"""The contextual bandit's update and state, and the signed model artefact."""

from __future__ import annotations

import json

import numpy as np
import pytest

from subgraphs.recommendations.ml import ArtefactError, Bandit, Recommender, UserState
from subgraphs.recommendations.ml.bandit import PROPENSITY_DRAWS
from tests.unit.recommendations.fixtures import KEY, NOW, catalogue, interaction, taste_log


def test_update_moves_the_posterior_towards_the_rewarded_arm() -> None:
    bandit = Bandit(2, seed=1)
    context = [1.0, 0.5]
    for _ in range(30):
        bandit.update(context, "good", 1.0)
        bandit.update(context, "bad", 0.0)
    good_mean, good_std = bandit.posterior(context, "good")
    bad_mean, bad_std = bandit.posterior(context, "bad")
    assert good_mean > 0.9 and abs(bad_mean) < 0.05
    assert good_std < 0.2 and bad_std < 0.2
    wins = sum(bandit.choose(context, ["good", "bad"])[0] == "good" for _ in range(50))
    assert wins >= 48
    arm, propensity = bandit.choose(context, ["good", "bad"])
    assert arm == "good" and propensity > 0.95


def test_unknown_arms_explore_with_even_propensities() -> None:
    bandit = Bandit(3, seed=2)
    draws = [bandit.choose([1.0, 0.0, 0.0], ["a", "b"]) for _ in range(200)]
    share = sum(arm == "a" for arm, _ in draws) / 200
    assert 0.35 < share < 0.65
    assert all(0.35 < propensity < 0.65 for _, propensity in draws)


def test_state_round_trips_through_json_and_continues_the_same_draws() -> None:
    bandit = Bandit(2, seed=3)
    bandit.update([1.0, 0.0], "x", 1.0)
    restored = Bandit.from_state(json.loads(json.dumps(bandit.to_state())))
    assert restored.posterior([1.0, 0.0], "x") == bandit.posterior([1.0, 0.0], "x")
    assert [restored.choose([1.0, 1.0], ["x", "y"]) for _ in range(5)] == [
        bandit.choose([1.0, 1.0], ["x", "y"]) for _ in range(5)
    ]


def test_bad_context_and_state_are_rejected() -> None:
    bandit = Bandit(2)
    with pytest.raises(ValueError):
        bandit.update([1.0], "x", 1.0)
    with pytest.raises(ValueError):
        bandit.choose([1.0, float("nan")], ["x"])
    with pytest.raises(ValueError):
        Bandit.from_state({"format": 1})


def test_feed_with_a_bandit_logs_source_propensity_and_context() -> None:
    listings = catalogue()
    model = Recommender.fit(listings, taste_log(listings), now=NOW)
    viewer = UserState("b", interactions=[interaction("b", listings[0].id, "favorite", 1)])
    bandit = Recommender.new_bandit(seed=4)
    results = model.feed(viewer, 6, bandit=bandit, now=NOW)
    assert len(results) == 6 and len({s.property_id for s in results}) == 6
    for slot, scored in enumerate(results):
        assert scored.source in {"content", "collaborative", "popular"}
        assert 0.0 < scored.propensity <= 1.0
        assert len(scored.context) == 5 and scored.context[-1] == pytest.approx(slot / 5)
        bandit.update(scored.context, scored.source, 1.0)
    assert sum(bandit.pulls(arm) for arm in bandit.arms) == 6


def test_artefact_round_trip_keeps_answers_and_the_fitted_pipeline() -> None:
    listings = catalogue()
    model = Recommender.fit(listings, taste_log(listings), now=NOW)
    data = model.to_bytes(key=KEY)
    loaded = Recommender.from_bytes(data, key=KEY)
    assert loaded.version == model.version
    viewer = UserState("v", interactions=[interaction("v", listings[3].id, "favorite", 1)])
    assert loaded.feed(viewer, 5, now=NOW) == model.feed(viewer, 5, now=NOW)
    assert loaded.similar(listings[3].id, 5) == model.similar(listings[3].id, 5)
    assert np.allclose(
        loaded.features.transform(listings[:2]), model.features.transform(listings[:2])
    )


def test_artefact_with_another_key_or_altered_bytes_is_refused() -> None:
    data = Recommender.fit(catalogue(), [], now=NOW).to_bytes(key=KEY)
    with pytest.raises(ArtefactError, match="signature"):
        Recommender.from_bytes(data, key=b"another-key-0123456789abcdef")
    altered = bytearray(data)
    altered[-10] ^= 0xFF
    with pytest.raises(ArtefactError, match="signature"):
        Recommender.from_bytes(bytes(altered), key=KEY)
    with pytest.raises(ArtefactError):
        Recommender.from_bytes(b"not an artefact", key=KEY)
    with pytest.raises(ArtefactError, match="key"):
        Recommender.from_bytes(data, key=b"short")


def test_draws_for_all_slots_pick_only_available_arms_with_their_propensity() -> None:
    bandit = Bandit(2, seed=3)
    for _ in range(200):
        bandit.update([1.0, 0.0], "good", 1.0)
        bandit.update([1.0, 0.0], "bad", 0.0)
    drawn = bandit.draws([[1.0, 0.0], [1.0, 0.0]], ["good", "bad"])
    assert drawn.shape == (2, PROPENSITY_DRAWS, 2)
    chosen, propensity = Bandit.pick(drawn[0], [0, 1])
    assert chosen == 0 and propensity > 0.95
    # Only "bad" left: it is chosen, with certainty among what is available.
    assert Bandit.pick(drawn[1], [1]) == (1, 1.0)
    # The same posterior as choose(): equal arms split the draws about evenly.
    even = Bandit(2, seed=4)
    _, share = Bandit.pick(even.draws([[1.0, 0.5]], ["x", "y"])[0], [0, 1])
    assert 0.4 < share < 0.6
