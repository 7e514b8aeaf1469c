"""``InflightGroup``: work shared by overlapping callers, robust to a caller going away."""

from __future__ import annotations

import asyncio

import pytest

from router.execution.inflight import InflightGroup


async def test_a_caller_going_away_does_not_cancel_the_work_for_the_others() -> None:
    group: InflightGroup[str] = InflightGroup()
    release = asyncio.Event()
    runs = 0

    async def work() -> str:
        nonlocal runs
        runs += 1
        await release.wait()
        return "done"

    first = asyncio.ensure_future(group.run("k", work))
    second = asyncio.ensure_future(group.run("k", work))
    async with asyncio.timeout(5):
        while group.joined < 1:  # noqa: ASYNC110 (the second caller has joined: no event)
            await asyncio.sleep(0)
    first.cancel()  # the first caller's client disconnected
    with pytest.raises(asyncio.CancelledError):
        await first
    release.set()
    assert await asyncio.wait_for(second, 5) == "done"
    assert runs == 1
    assert len(group) == 0  # nothing is kept once the work is done


async def test_a_failure_reaches_every_caller_and_the_next_call_runs_again() -> None:
    group: InflightGroup[str] = InflightGroup()
    release = asyncio.Event()
    calls = 0

    async def failing() -> str:
        nonlocal calls
        calls += 1
        await release.wait()
        raise RuntimeError("subgraph down")

    callers = [asyncio.ensure_future(group.run("k", failing)) for _ in range(3)]
    async with asyncio.timeout(5):
        while group.joined < 2:  # noqa: ASYNC110 (the callers have joined: no event)
            await asyncio.sleep(0)
    release.set()
    outcomes = await asyncio.gather(*callers, return_exceptions=True)
    assert [str(outcome) for outcome in outcomes] == ["subgraph down"] * 3
    assert calls == 1

    async def working() -> str:
        return "back"

    assert await group.run("k", working) == "back"
    assert group.started == 2


async def test_different_keys_never_share() -> None:
    group: InflightGroup[str] = InflightGroup()
    release = asyncio.Event()

    async def work(value: str) -> str:
        await release.wait()
        return value

    a = asyncio.ensure_future(group.run(("q", "Bearer ada"), lambda: work("ada")))
    b = asyncio.ensure_future(group.run(("q", "Bearer grace"), lambda: work("grace")))
    async with asyncio.timeout(5):
        while len(group) < 2:  # noqa: ASYNC110 (both started: no event)
            await asyncio.sleep(0)
    release.set()
    assert await asyncio.gather(a, b) == ["ada", "grace"]
    assert (group.started, group.joined) == (2, 0)
