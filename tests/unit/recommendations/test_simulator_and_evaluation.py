"""The simulator (seeded, time-ordered, preferences visible) and the offline evaluation."""

from __future__ import annotations

from collections import Counter

import pytest

from subgraphs.recommendations.evaluate import (
    bandit_regret,
    evaluate,
    format_table,
    ndcg_at,
    time_split,
)
from subgraphs.recommendations.simulator import World, simulate, simulate_listings, simulate_log


@pytest.fixture(scope="module")
def world() -> World:
    return simulate(150, 600, seed=3)


def test_same_seed_same_world_and_the_log_is_time_ordered(world: World) -> None:
    again = simulate(150, 600, seed=3)
    assert again.interactions == world.interactions
    assert again.listings == world.listings
    times = [i.at for i in world.interactions]
    assert times == sorted(times)
    assert simulate(150, 600, seed=4).interactions != world.interactions


def test_users_act_on_their_hidden_preferences(world: World) -> None:
    city = {x.id: x.city for x in world.listings}
    taste = {p.user_id: p for p in world.preferences}
    saves = [i for i in world.interactions if i.kind in ("favorite", "booking")]
    in_area = sum(city[i.property_id] == taste[i.user_id].area for i in saves)
    assert len(saves) > 50
    assert in_area / len(saves) > 0.6  # 60% of what they are shown is in their area
    kinds = Counter(i.kind for i in world.interactions)
    assert kinds["view"] > kinds["click"] > kinds["favorite"] > kinds["booking"] > 0


def test_simulate_log_runs_over_given_listings() -> None:
    listings = simulate_listings(50, seed=1)
    log = simulate_log(listings, ["a", "b", "c"], seed=1)
    assert {i.user_id for i in log.interactions} <= {"a", "b", "c"}
    assert {i.property_id for i in log.interactions} <= {x.id for x in listings}
    assert [p.user_id for p in log.preferences] == ["a", "b", "c"]


def test_time_split_puts_the_latest_interactions_in_the_test(world: World) -> None:
    split = time_split(world.interactions, 0.2)
    assert max(i.at for i in split.train) < split.cut <= min(i.at for i in split.test)
    assert 0.15 < len(split.test) / len(world.interactions) < 0.25


def test_ndcg() -> None:
    assert ndcg_at(["a", "b"], {"a"}, 10) == 1.0
    assert ndcg_at(["x", "a"], {"a"}, 10) == pytest.approx(1 / 1.5849625)
    assert ndcg_at(["x"], {"a"}, 10) == 0.0


def test_hybrid_beats_popularity_on_ndcg(world: World) -> None:
    rows = {row.method: row for row in evaluate(world, seed=3)}
    assert set(rows) == {"random", "popularity", "content", "collaborative", "hybrid"}
    assert rows["hybrid"].users > 30
    assert rows["hybrid"].ndcg > rows["popularity"].ndcg
    assert rows["hybrid"].ndcg > rows["random"].ndcg
    assert rows["hybrid"].coverage > rows["popularity"].coverage
    assert "hybrid" in format_table(list(rows.values()))


def test_bandit_regret_is_below_the_random_policy() -> None:
    regret = bandit_regret(1_500, seed=5)
    assert set(regret) == {"thompson", "greedy", "epsilon-greedy", "random"}
    assert regret["thompson"] < regret["random"]
