"""Offline evaluation: ``python -m subgraphs.recommendations.evaluate``.

1. **Ranking** on the simulator's world (``simulator.simulate``): the interaction log is cut in
   time — the first ``1 − holdout`` share trains the models, the rest is the test. For every
   user with a *relevant* test interaction (click, favourite, message, booking) on a home they
   had not touched before the cut, each method ranks 10 homes from what the user's state at the
   cut says (their training interactions and the searches they had saved by then). Reported:
   precision@10, recall@10, NDCG@10 (binary gains) and catalogue coverage (the share of
   recommendable listings that appear in anyone's top 10) for

   - random: 10 recommendable homes at random;
   - popularity: the most popular homes on the site (training popularity);
   - content / collaborative: the hybrid feed restricted to that one source;
   - hybrid: the full feed (content + collaborative + popular in the viewer's segment, MMR).

2. **Bandit**: a simulated feed slot where three sources (content, collaborative, popular) have
   click probabilities linear in the feed's context (how much history the viewer has, whether
   they saved a search, the slot). Linear Thompson sampling (``ml.Bandit``) against a greedy
   and an epsilon-greedy policy on the same linear model, and a random policy; reported as
   cumulative regret (expected clicks lost against always choosing the best source).

Figures are printed, never asserted as timings; the unit tests assert the orderings on a small
fixed seed.
"""

from __future__ import annotations

import argparse
import math
import time
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

import numpy as np

from subgraphs.recommendations.ml import Bandit, Interaction, Recommender, Scored, UserState
from subgraphs.recommendations.ml.model import FEED_CONTEXT_DIMENSIONS, SOURCES
from subgraphs.recommendations.ml.signals import allowed_rows
from subgraphs.recommendations.simulator import World, simulate

RELEVANT_KINDS = frozenset({"click", "favorite", "message", "booking"})
METHODS = ("random", "popularity", "content", "collaborative", "hybrid")


@dataclass(frozen=True, slots=True)
class Split:
    """A time-ordered hold-out: train before ``cut``, test from it."""

    cut: datetime
    train: list[Interaction]
    test: list[Interaction]


@dataclass(frozen=True, slots=True)
class Metrics:
    method: str
    precision: float
    recall: float
    ndcg: float
    coverage: float
    users: int


def time_split(interactions: list[Interaction], holdout: float = 0.2) -> Split:
    """Cut the (time-ordered) log so the last ``holdout`` share of interactions is the test."""
    ordered = sorted(interactions, key=lambda i: i.at)
    index = min(max(int(len(ordered) * (1.0 - holdout)), 1), len(ordered) - 1)
    cut = ordered[index].at
    return Split(cut, [i for i in ordered if i.at < cut], [i for i in ordered if i.at >= cut])


def ndcg_at(ranked: list[str], relevant: set[str], k: int) -> float:
    """Binary-gain NDCG@k."""
    gain = sum(1.0 / math.log2(r + 2) for r, pid in enumerate(ranked[:k]) if pid in relevant)
    ideal = sum(1.0 / math.log2(r + 2) for r in range(min(len(relevant), k)))
    return gain / ideal if ideal else 0.0


def evaluate(
    world: World, *, k: int = 10, holdout: float = 0.2, seed: int = 0, max_users: int | None = None
) -> list[Metrics]:
    """Metrics of every method in METHODS on ``world`` (see the module docstring)."""
    split = time_split(world.interactions, holdout)
    model = Recommender.fit(world.listings, split.train, now=split.cut, seed=seed)
    history: dict[str, list[Interaction]] = defaultdict(list)
    for interaction in split.train:
        history[interaction.user_id].append(interaction)
    searches = defaultdict(list)
    for search in world.searches:
        if search.at < split.cut:
            searches[search.user_id].append(search)
    targets: dict[str, set[str]] = defaultdict(set)
    for interaction in split.test:
        if interaction.kind in RELEVANT_KINDS:
            targets[interaction.user_id].add(interaction.property_id)
    users = []
    for user_id in sorted(targets):
        seen = {i.property_id for i in history[user_id]}
        relevant = targets[user_id] - seen
        if relevant:
            users.append((user_id, relevant))
    if max_users is not None:
        users = users[:max_users]
    rng = np.random.default_rng(seed)
    catalogue = model.catalogue
    popularity = catalogue.column("popularity").astype(np.float64)
    methods: dict[str, Callable[[UserState], list[str]]] = {
        "random": lambda viewer: _random(model, viewer, k, rng),
        "popularity": lambda viewer: _popular(model, viewer, k, popularity),
        "content": lambda viewer: _ids(model.feed(viewer, k, now=split.cut, sources=["content"])),
        "collaborative": lambda viewer: _ids(
            model.feed(viewer, k, now=split.cut, sources=["collaborative"])
        ),
        "hybrid": lambda viewer: _ids(model.feed(viewer, k, now=split.cut)),
    }
    recommendable = int(catalogue.column("active").sum())
    results = []
    for name in METHODS:
        precision = recall = ndcg = 0.0
        shown: set[str] = set()
        for user_id, relevant in users:
            viewer = UserState(
                user_id,
                interactions=history[user_id][::-1],
                searches=searches[user_id][::-1],
            )
            ranked = methods[name](viewer)[:k]
            hits = len(relevant.intersection(ranked))
            precision += hits / k
            recall += hits / len(relevant)
            ndcg += ndcg_at(ranked, relevant, k)
            shown.update(ranked)
        count = max(len(users), 1)
        results.append(
            Metrics(
                name,
                precision / count,
                recall / count,
                ndcg / count,
                len(shown) / max(recommendable, 1),
                len(users),
            )
        )
    return results


def _ids(results: list[Scored]) -> list[str]:
    return [scored.property_id for scored in results]


def _allowed_unseen(model: Recommender, viewer: UserState) -> np.ndarray:
    allowed = allowed_rows(model.catalogue, viewer)
    for interaction in viewer.interactions:
        row = model.catalogue.rows.get(interaction.property_id)
        if row is not None:
            allowed[row] = False
    return allowed


def _random(model: Recommender, viewer: UserState, k: int, rng: np.random.Generator) -> list[str]:
    rows = np.flatnonzero(_allowed_unseen(model, viewer))
    picks = rng.choice(rows, size=min(k, rows.size), replace=False)
    return [model.catalogue.ids[int(r)] for r in picks]


def _popular(model: Recommender, viewer: UserState, k: int, popularity: np.ndarray) -> list[str]:
    scores = np.where(_allowed_unseen(model, viewer), popularity, -np.inf)
    rows = np.argsort(-scores, kind="stable")[:k]
    return [model.catalogue.ids[int(r)] for r in rows if np.isfinite(scores[r])]


# ---- the bandit simulation -------------------------------------------------------------------


def _click_probabilities(context: np.ndarray) -> np.ndarray:
    """Hidden click probability of each source (SOURCES order) for a feed context.

    Context: [1, history (0–1), saved search (0/1), has collaborative factors (0/1), slot (0–1)].
    Content is best with a little history, collaborative with a lot, popular-in-your-segment
    for newcomers with a saved search; every source tires a little further down the feed.
    """
    _, history, search, factors, slot = context
    content = 0.08 + 0.22 * history - 0.03 * slot
    collaborative = 0.02 + 0.40 * history * factors - 0.03 * slot
    popular = 0.10 + 0.10 * search - 0.06 * history - 0.03 * slot
    return np.clip(np.array([content, collaborative, popular]), 0.0, 1.0)


def _contexts(rng: np.random.Generator, rounds: int) -> np.ndarray:
    history = rng.random(rounds) ** 2
    return np.column_stack(
        [
            np.ones(rounds),
            history,
            (rng.random(rounds) < 0.6).astype(float),
            (history > 0.1).astype(float),
            rng.integers(0, 10, size=rounds) / 9.0,
        ]
    )


def bandit_regret(rounds: int = 5_000, *, seed: int = 0, epsilon: float = 0.1) -> dict[str, float]:
    """Cumulative regret of each policy over ``rounds`` simulated feed slots."""
    assert FEED_CONTEXT_DIMENSIONS == 5 and SOURCES == ("content", "collaborative", "popular")
    rng = np.random.default_rng(seed)
    contexts = _contexts(rng, rounds)
    probabilities = np.array([_click_probabilities(x) for x in contexts])
    outcomes = rng.random((rounds, len(SOURCES)))  # the same luck for every policy
    best = probabilities.max(axis=1)
    arms = list(SOURCES)
    regret: dict[str, float] = {}
    policies: dict[str, Callable[[Bandit, np.ndarray, np.random.Generator], str]] = {
        "thompson": lambda bandit, x, _: bandit.choose(x.tolist(), arms)[0],
        "greedy": lambda bandit, x, _: bandit.greedy(x.tolist(), arms),
        "epsilon-greedy": lambda bandit, x, r: (
            arms[int(r.integers(len(arms)))]
            if r.random() < epsilon
            else bandit.greedy(x.tolist(), arms)
        ),
        "random": lambda _, __, r: arms[int(r.integers(len(arms)))],
    }
    for name, policy in policies.items():
        bandit = Bandit(FEED_CONTEXT_DIMENSIONS, seed=seed)
        policy_rng = np.random.default_rng(seed + 1)
        total = 0.0
        for t in range(rounds):
            arm = policy(bandit, contexts[t], policy_rng)
            index = arms.index(arm)
            reward = float(outcomes[t, index] < probabilities[t, index])
            bandit.update(contexts[t].tolist(), arm, reward)
            total += best[t] - probabilities[t, index]
        regret[name] = total
    return regret


def format_table(rows: list[Metrics]) -> str:
    """The metrics as a fixed-width table."""
    lines = [f"{'method':<14}{'P@10':>8}{'R@10':>8}{'NDCG@10':>9}{'coverage':>10}"]
    for row in rows:
        lines.append(
            f"{row.method:<14}{row.precision:>8.4f}{row.recall:>8.4f}{row.ndcg:>9.4f}"
            f"{row.coverage:>10.3f}"
        )
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--users", type=int, default=1_000)
    parser.add_argument("--listings", type=int, default=3_000)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--holdout", type=float, default=0.2)
    parser.add_argument("--rounds", type=int, default=5_000, help="bandit simulation rounds")
    args = parser.parse_args(argv)
    started = time.perf_counter()
    world = simulate(args.users, args.listings, seed=args.seed)
    print(
        f"simulated world (seed {args.seed}): {len(world.listings)} listings, "
        f"{len(world.preferences)} users, {len(world.interactions)} interactions, "
        f"{len(world.searches)} saved searches"
    )
    rows = evaluate(world, holdout=args.holdout, seed=args.seed)
    print(
        f"time-ordered hold-out: last {args.holdout:.0%} of interactions; "
        f"{rows[0].users} test users with a relevant new home"
    )
    print(format_table(rows))
    regret = bandit_regret(args.rounds, seed=args.seed)
    print(
        f"\nbandit: cumulative regret over {args.rounds} simulated feed slots "
        "(expected clicks lost against the best source)"
    )
    for name, value in regret.items():
        print(f"{name:<16}{value:>10.1f}")
    print(f"\n({time.perf_counter() - started:.1f} s)")


if __name__ == "__main__":
    main()
