"""The batch window (decision 0039): rounds of the relay and of a Postgres-log consumer start
at least ``event_batch_window_seconds`` apart. A lone event is taken at once; events that
arrive while the window is open are published, fetched and applied by the next round
together, in one transaction, in order."""

from __future__ import annotations

import pytest
from pydantic import ValidationError
from sqlalchemy.ext.asyncio import AsyncEngine

from common.config import Settings
from tests.integration.events.conftest import Pipeline
from tests.integration.events.test_contract_batches import Recorder, start_batched

# Long enough that five commits in a row fit in it on a loaded machine.
WINDOW_SECONDS = 3.0


async def test_events_that_arrive_within_the_window_are_applied_in_one_round(
    settings: Settings, producer_engine: AsyncEngine, consumer_engine: AsyncEngine
) -> None:
    windowed = settings.model_copy(update={"event_batch_window_seconds": WINDOW_SECONDS})
    pipeline = Pipeline(windowed, "postgres", producer_engine, consumer_engine)
    try:
        handler = Recorder(pipeline)
        producer = await pipeline.start_relay()
        consumer = await start_batched(pipeline, handler)
        first = await pipeline.emit("agg-1", 0)
        await pipeline.settle(producer, consumer)
        assert handler.calls == [1]  # the first event: its own round

        rest = [await pipeline.emit("agg-1", seq) for seq in range(1, 6)]
        await pipeline.settle(producer, consumer)

        # Published in one relay round, then fetched and applied in one consumer round.
        assert handler.calls == [1, 5]
        applied = [effect.event_id for effect in await pipeline.effects()]
        assert applied == [event.id for event in [first, *rest]]
    finally:
        await pipeline.stop_all()


def test_the_window_is_read_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("REALIO_EVENT_BATCH_WINDOW_SECONDS", "0.2")
    assert Settings().event_batch_window_seconds == 0.2
    monkeypatch.setenv("REALIO_EVENT_BATCH_WINDOW_SECONDS", "5")
    with pytest.raises(ValidationError, match="event_batch_window_seconds"):
        Settings()
