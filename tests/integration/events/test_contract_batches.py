"""Contract suite, batch handlers: runs of consecutive events of one type go to one call, in
order, once each; a failing run is applied again one event at a time so only the failing
event is retried and dead-lettered; duplicates are skipped as for single handlers."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy.ext.asyncio import AsyncSession

from common.events import ConsumerSpec, Event, EventRuntime
from common.events.dead_letters import list_dead_letters
from tests.integration.events.conftest import CONSUMER, Pipeline
from tests.integration.events.test_contract_delivery import redeliver


class Recorder:
    """A batch handler recording each call's size; fails on ``poisoned_seq`` while broken."""

    def __init__(self, pipeline: Pipeline, poisoned_seq: int | None = None) -> None:
        self.pipeline = pipeline
        self.poisoned_seq = poisoned_seq
        self.calls: list[int] = []
        self.poison_attempts = 0

    async def __call__(self, session: AsyncSession, events: Sequence[Event]) -> None:
        self.calls.append(len(events))
        for event in events:
            if event.payload["seq"] == self.poisoned_seq:
                self.poison_attempts += 1
                raise ValueError(f"cannot apply seq {self.poisoned_seq}")
            await self.pipeline.record(session, event)


async def start_batched(pipeline: Pipeline, handler: Recorder, **options: object) -> EventRuntime:
    spec = ConsumerSpec(
        group=pipeline.group,
        topics=[pipeline.topic],
        handlers={},
        batch_handlers={"thing.changed": handler},
        **options,  # type: ignore[arg-type]
    )
    runtime = pipeline._runtime(CONSUMER, pipeline.consumer_engine)
    await runtime.start_consumer(spec)
    return runtime


async def test_a_backlog_is_applied_in_runs_in_order_once_each(pipeline: Pipeline) -> None:
    producer = await pipeline.start_relay()
    sent = [await pipeline.emit("agg-1", seq) for seq in range(120)]
    await pipeline.settle(producer)
    handler = Recorder(pipeline)

    consumer = await start_batched(pipeline, handler, batch_size=50)
    await pipeline.settle(consumer)

    assert [effect.event_id for effect in await pipeline.effects()] == [e.id for e in sent]
    assert sum(handler.calls) == 120
    assert max(handler.calls) > 1  # runs, not one call per event


async def test_redelivered_events_do_not_reach_the_batch_handler_again(
    pipeline: Pipeline,
) -> None:
    producer = await pipeline.start_relay()
    handler = Recorder(pipeline)
    consumer = await start_batched(pipeline, handler)
    sent = [await pipeline.emit("agg-1", seq) for seq in range(5)]
    await pipeline.settle(producer, consumer)

    await redeliver(pipeline, consumer, sent)
    again = await start_batched(pipeline, handler)
    await pipeline.settle(producer, again)

    assert [effect.event_id for effect in await pipeline.effects()] == [e.id for e in sent]
    assert sum(handler.calls) == 5


async def test_a_poisoned_event_in_a_run_alone_is_retried_and_dead_lettered(
    pipeline: Pipeline,
) -> None:
    producer = await pipeline.start_relay()
    sent = [await pipeline.emit("agg-1", seq) for seq in range(40)]
    await pipeline.settle(producer)
    handler = Recorder(pipeline, poisoned_seq=17)

    consumer = await start_batched(
        pipeline, handler, batch_size=100, max_attempts=3, backoff_base_seconds=0.01
    )
    await pipeline.settle(consumer)

    applied = [effect.event_id for effect in await pipeline.effects()]
    assert applied == [e.id for e in sent if e.payload["seq"] != 17]
    # Once in the run, then the attempts of the contract: max_attempts, one event each.
    assert handler.poison_attempts == 1 + 3
    [letter] = await list_dead_letters(pipeline.consumer_engine, group=pipeline.group)
    assert (letter.event_id, letter.attempts, letter.status) == (sent[17].id, 3, "dead")
    failures = consumer.registry.get_sample_value(
        "realio_event_handler_failures_total",
        {"subgraph": CONSUMER, "group": pipeline.group, "event_type": "thing.changed"},
    )
    assert failures == 3  # the failed run is not counted against an innocent event


def test_a_type_cannot_have_both_kinds_of_handler() -> None:
    async def single(session: AsyncSession, event: Event) -> None:
        return None

    async def batch(session: AsyncSession, events: Sequence[Event]) -> None:
        return None

    try:
        ConsumerSpec(
            group="g", topics=["t"], handlers={"a.b": single}, batch_handlers={"a.b": batch}
        )
    except ValueError as error:
        assert "a.b" in str(error)
    else:
        raise AssertionError("accepted a type with both handlers")
