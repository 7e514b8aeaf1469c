"""Recommendations, the model half: training time and peak memory, in-memory scoring latency.

``python -m bench.recommendations_model [--listings 100000 --interactions 1000000]``.
Builds a simulated world (``subgraphs.recommendations.simulator``) of the given size, fits the
``Recommender`` (timed; peak resident memory from ``resource.getrusage``), writes and reads the
signed artefact, then times top-10 ``similar``, ``for_property`` and ``feed`` (plain and with
the bandit) for random listings and users: p50/p95 in ms. Budget (ARCHITECTURE.md): top-10
recommendations at 100,000 listings ≤ 30 ms p95 (this half excludes the router and the
subgraph's HTTP). Prints figures only. BLAS is limited to one thread (shared machine).
"""

from __future__ import annotations

import argparse
import random
import resource
import statistics
import time
from collections import defaultdict
from collections.abc import Callable
from datetime import UTC, datetime
from functools import partial

from threadpoolctl import threadpool_limits

from subgraphs.recommendations.ml import Interaction, Recommender, UserState
from subgraphs.recommendations.simulator import simulate

KEY = b"bench-only-artefact-key-0123456789"
NOW = datetime(2026, 12, 1, tzinfo=UTC)


def _peak_rss_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0  # KiB on Linux


def _percentiles(samples: list[float]) -> tuple[float, float]:
    ordered = sorted(samples)
    p95 = ordered[min(len(ordered) - 1, int(round(0.95 * (len(ordered) - 1))))]
    return statistics.median(ordered), p95


def _time(label: str, calls: list[Callable[[], object]]) -> None:
    for call in calls[:5]:
        call()  # warm-up
    samples = []
    for call in calls:
        started = time.perf_counter()
        call()
        samples.append((time.perf_counter() - started) * 1000.0)
    p50, p95 = _percentiles(samples)
    print(f"  {label:<28} p50 {p50:7.2f} ms   p95 {p95:7.2f} ms   ({len(samples)} calls)")


def model_part(listings: int = 100_000, interactions: int = 1_000_000, requests: int = 300) -> None:
    """Run the model half of the recommendations benchmark and print its figures."""
    started = time.perf_counter()
    users = max(10, interactions // 90)  # the simulator yields about 90 per user at 16 sessions
    world = simulate(users, listings, seed=11, now=NOW, sessions=16.0)
    print(
        f"simulated {len(world.listings):,} listings, {len(world.preferences):,} users, "
        f"{len(world.interactions):,} interactions in {time.perf_counter() - started:.1f} s"
    )
    rss_before = _peak_rss_mib()
    started = time.perf_counter()
    model = Recommender.fit(world.listings, world.interactions, world.searches, now=NOW)
    fit_seconds = time.perf_counter() - started
    print(
        f"fit: {fit_seconds:.1f} s; peak RSS {_peak_rss_mib():,.0f} MiB "
        f"(before fit {rss_before:,.0f} MiB, world included)"
    )
    started = time.perf_counter()
    artefact = model.to_bytes(key=KEY)
    dumped = time.perf_counter() - started
    started = time.perf_counter()
    model = Recommender.from_bytes(artefact, key=KEY)
    print(
        f"artefact: {len(artefact) / 2**20:,.1f} MiB; to_bytes {dumped:.2f} s, "
        f"from_bytes {time.perf_counter() - started:.2f} s"
    )
    history: dict[str, list[Interaction]] = defaultdict(list)
    for interaction in world.interactions:
        history[interaction.user_id].append(interaction)
    searches = defaultdict(list)
    for search in world.searches:
        searches[search.user_id].append(search)
    rng = random.Random(5)
    ids = [x.id for x in world.listings]
    viewers = [
        UserState(u, interactions=history[u][::-1][:200], searches=searches[u][::-1])
        for u in rng.sample(sorted(history), min(requests, len(history)))
    ]
    picks = [rng.choice(ids) for _ in range(requests)]
    bandit = Recommender.new_bandit(seed=1)
    print(f"top-10 latency, in memory, {len(model.catalogue):,} listings:")
    _time("similar", [partial(model.similar, p, 10) for p in picks])
    _time("for_property", [partial(model.for_property, p, 10) for p in picks])
    _time("feed", [partial(model.feed, v, 10, now=NOW) for v in viewers])
    _time("feed with bandit", [partial(model.feed, v, 10, now=NOW, bandit=bandit) for v in viewers])
    cold = [UserState(f"cold-{i}", searches=v.searches) for i, v in enumerate(viewers)]
    _time("feed, cold start", [partial(model.feed, v, 10, now=NOW) for v in cold])
    fresh = world.listings[0]
    _time("add_listing", [partial(model.add_listing, fresh) for _ in range(50)])


def main() -> None:
    parser = argparse.ArgumentParser(description="recommendations benchmark, model half")
    parser.add_argument("--listings", type=int, default=100_000)
    parser.add_argument("--interactions", type=int, default=1_000_000)
    parser.add_argument("--requests", type=int, default=300)
    args = parser.parse_args()
    with threadpool_limits(limits=1):
        model_part(args.listings, args.interactions, args.requests)


if __name__ == "__main__":
    main()
