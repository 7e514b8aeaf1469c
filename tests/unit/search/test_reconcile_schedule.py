"""When search's reconciliation runs next (the interval after success, backoff after failures),
and whether it is full or incremental (decision 0005)."""

from __future__ import annotations

import itertools
from datetime import UTC, datetime, timedelta

from subgraphs.search.reconcile import (
    RETRY_FIRST_SECONDS,
    SAFETY_MARGIN,
    PastRuns,
    RunKind,
    RunPlan,
    next_delay,
    plan_run,
)


def test_after_a_success_the_next_run_waits_out_the_interval() -> None:
    assert next_delay(300, 0, elapsed=20) == 280
    assert next_delay(300, 0, elapsed=400) == 1.0  # a run longer than the interval


def test_failures_retry_sooner_doubling_up_to_the_interval() -> None:
    delays = [next_delay(300, failures, elapsed=0) for failures in range(1, 10)]
    assert delays[0] == RETRY_FIRST_SECONDS
    assert all(later == min(300, 2 * earlier) for earlier, later in itertools.pairwise(delays))
    assert delays[-1] == 300


# --- full or incremental ---------------------------------------------------------------------

NOW = datetime(2026, 11, 24, 12, 0, tzinfo=UTC)
DAY = timedelta(hours=24)


def test_the_first_run_ever_is_full() -> None:
    assert plan_run(NOW, PastRuns(None, None), full_interval=DAY) == RunPlan(RunKind.FULL, None)
    # Only when nothing succeeded: the shell's default (no full interval) too.
    assert plan_run(NOW, PastRuns(None, None), full_interval=None).kind is RunKind.FULL


def test_after_a_recent_full_run_the_next_is_incremental_from_its_start_minus_the_margin() -> None:
    started = NOW - timedelta(minutes=5)
    plan = plan_run(NOW, PastRuns(started, started), full_interval=DAY)
    assert plan == RunPlan(RunKind.INCREMENTAL, started - SAFETY_MARGIN)
    assert plan_run(
        NOW, PastRuns(started, started), full_interval=DAY, margin=timedelta(seconds=7)
    ) == RunPlan(RunKind.INCREMENTAL, started - timedelta(seconds=7))


def test_an_incremental_run_reads_from_the_latest_successful_run_of_either_kind() -> None:
    full = NOW - timedelta(hours=3)
    latest = NOW - timedelta(minutes=5)
    plan = plan_run(NOW, PastRuns(latest, full), full_interval=DAY, margin=timedelta(0))
    assert plan == RunPlan(RunKind.INCREMENTAL, latest)


def test_a_full_run_comes_once_the_latest_full_run_is_a_full_interval_old() -> None:
    latest = NOW - timedelta(minutes=5)
    almost = PastRuns(latest, NOW - DAY + timedelta(seconds=1))
    assert plan_run(NOW, almost, full_interval=DAY).kind is RunKind.INCREMENTAL
    due = PastRuns(latest, NOW - DAY)
    assert plan_run(NOW, due, full_interval=DAY) == RunPlan(RunKind.FULL, None)
    # Without a full interval (the shell without --full), age never makes a run full.
    assert plan_run(NOW, PastRuns(latest, NOW - 30 * DAY), full_interval=None).kind is (
        RunKind.INCREMENTAL
    )


def test_a_restart_keeps_the_schedule_of_the_recorded_runs() -> None:
    """The first run after a start is full only when no recent full run succeeded."""
    recent = PastRuns(NOW - timedelta(hours=1), NOW - timedelta(hours=2))
    assert plan_run(NOW, recent, full_interval=DAY).kind is RunKind.INCREMENTAL
    stale = PastRuns(NOW - timedelta(hours=1), NOW - timedelta(hours=30))
    assert plan_run(NOW, stale, full_interval=DAY).kind is RunKind.FULL


def test_full_when_asked_for() -> None:
    latest = NOW - timedelta(minutes=5)
    plan = plan_run(NOW, PastRuns(latest, latest), full_interval=DAY, force_full=True)
    assert plan == RunPlan(RunKind.FULL, None)
