"""The serving processes' garbage-collector policy: the router (decision 0034) and each
subgraph, once its app has started (decision 0040)."""

from __future__ import annotations

import gc
from collections.abc import Iterator

import pytest
import strawberry

from common.config import Settings
from common.gc_policy import MIDDLE, OLD, YOUNG, tune_gc
from common.graphql_app import create_subgraph_app
from tests.support.subgraph_apps import demo_subgraph


@pytest.fixture
def restored_gc() -> Iterator[tuple[int, int, int]]:
    """The collector as it was, put back after the test (the test process never tunes)."""
    before = gc.get_threshold()
    try:
        yield before
    finally:
        gc.unfreeze()
        gc.set_threshold(*before)


def test_tune_gc_freezes_startup_objects_and_raises_the_thresholds(
    restored_gc: tuple[int, int, int],
) -> None:
    startup_object: list[object] = [["alive at startup"]]  # a list is always tracked
    returned = tune_gc()
    assert returned == restored_gc
    assert gc.get_threshold() == (YOUNG, MIDDLE, OLD)
    assert gc.get_freeze_count() > 0
    # What was alive when the policy was applied is no longer tracked by any generation.
    assert not any(startup_object is item for item in gc.get_objects())
    gc.unfreeze()
    assert any(startup_object is item for item in gc.get_objects())


@strawberry.type
class Query:
    @strawberry.field
    def ping(self) -> str:
        return "pong"


@pytest.mark.parametrize("tuning", [True, False])
async def test_a_started_subgraph_tunes_the_collector_when_its_setting_says_so(
    restored_gc: tuple[int, int, int], tuning: bool
) -> None:
    settings = Settings(gc_tuning=tuning, log_json=False)
    app = create_subgraph_app(demo_subgraph("gc-demo", Query, settings, extensions=False))
    assert gc.get_freeze_count() == 0
    async with app.router.lifespan_context(app):
        started = gc.get_threshold(), gc.get_freeze_count()

    if tuning:
        assert started[0] == (YOUNG, MIDDLE, OLD)
        assert started[1] > 0
    else:
        assert started == (restored_gc, 0)


def test_the_setting_is_read_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("REALIO_GC_TUNING", raising=False)
    assert Settings().gc_tuning is True  # on unless said otherwise
    monkeypatch.setenv("REALIO_GC_TUNING", "true")
    assert Settings().gc_tuning is True
    monkeypatch.setenv("REALIO_GC_TUNING", "false")
    assert Settings().gc_tuning is False
