"""When search's reconciliation runs next: the interval after success, backoff after failures."""

from __future__ import annotations

import itertools

from subgraphs.search.reconcile import RETRY_FIRST_SECONDS, next_delay


def test_after_a_success_the_next_run_waits_out_the_interval() -> None:
    assert next_delay(300, 0, elapsed=20) == 280
    assert next_delay(300, 0, elapsed=400) == 1.0  # a run longer than the interval


def test_failures_retry_sooner_doubling_up_to_the_interval() -> None:
    delays = [next_delay(300, failures, elapsed=0) for failures in range(1, 10)]
    assert delays[0] == RETRY_FIRST_SECONDS
    assert all(later == min(300, 2 * earlier) for earlier, later in itertools.pairwise(delays))
    assert delays[-1] == 300
