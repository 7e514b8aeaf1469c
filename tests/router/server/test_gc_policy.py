"""The serving process's garbage-collector policy (decision 0034)."""

from __future__ import annotations

import gc

from router.server.gc_policy import MIDDLE, OLD, YOUNG, tune_gc


def test_tune_gc_freezes_startup_objects_and_raises_the_thresholds() -> None:
    before = gc.get_threshold()
    startup_object: list[object] = [["alive at startup"]]  # a list is always tracked
    try:
        returned = tune_gc()
        assert returned == before
        assert gc.get_threshold() == (YOUNG, MIDDLE, OLD)
        assert gc.get_freeze_count() > 0
        # What was alive when the policy was applied is no longer tracked by any generation.
        assert not any(startup_object is item for item in gc.get_objects())
    finally:
        gc.unfreeze()
        gc.set_threshold(*before)
    assert any(startup_object is item for item in gc.get_objects())
