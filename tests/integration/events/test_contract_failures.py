"""Contract suite, failures: retries with backoff, dead letters, replay from the command line."""

from __future__ import annotations

import json
import time

from sqlalchemy.ext.asyncio import AsyncSession

from common.events import Event
from common.events.dead_letters import list_dead_letters
from tests.integration.events.conftest import CONSUMER, Pipeline, events_cli


class Poison:
    """Fails every attempt on one event while ``broken``; records when each attempt ran."""

    def __init__(self, pipeline: Pipeline, poisoned_seq: int) -> None:
        self.pipeline = pipeline
        self.poisoned_seq = poisoned_seq
        self.broken = True
        self.attempts: list[float] = []

    async def __call__(self, session: AsyncSession, event: Event) -> None:
        if event.payload["seq"] == self.poisoned_seq:
            self.attempts.append(time.monotonic())
            if self.broken:
                raise ValueError(f"cannot apply seq {self.poisoned_seq}")
        await self.pipeline.record(session, event)


async def test_failing_event_is_retried_with_backoff_then_dead_lettered(
    pipeline: Pipeline,
) -> None:
    producer = await pipeline.start_relay()
    poison = Poison(pipeline, poisoned_seq=2)
    consumer = await pipeline.start_consumer(poison, max_attempts=3, backoff_base_seconds=0.05)
    sent = [await pipeline.emit("agg-1", seq) for seq in range(5)]

    await pipeline.settle(producer, consumer)

    assert len(poison.attempts) == 3
    first_wait = poison.attempts[1] - poison.attempts[0]
    second_wait = poison.attempts[2] - poison.attempts[1]
    assert first_wait >= 0.05 and second_wait >= 0.1  # exponential: base, then twice the base
    applied = [effect.event_id for effect in await pipeline.effects()]
    assert applied == [e.id for e in sent if e.payload["seq"] != 2]

    [letter] = await list_dead_letters(pipeline.consumer_engine, group=pipeline.group)
    assert (letter.event_id, letter.attempts, letter.status) == (sent[2].id, 3, "dead")
    assert "cannot apply seq 2" in letter.error
    assert letter.envelope["payload"] == {"seq": 2}
    labels = {"subgraph": CONSUMER, "group": pipeline.group}
    assert consumer.registry.get_sample_value("realio_event_dead_letters", labels) == 1


async def test_dead_letter_listed_and_replayed_from_the_command_line_is_applied_once(
    pipeline: Pipeline,
) -> None:
    producer = await pipeline.start_relay()
    poison = Poison(pipeline, poisoned_seq=1)
    consumer = await pipeline.start_consumer(poison, max_attempts=2, backoff_base_seconds=0.01)
    sent = [await pipeline.emit("agg-1", seq) for seq in range(3)]
    await pipeline.settle(producer, consumer)

    code, out, _ = await events_cli(
        "dead-letters", "list", "--subgraph", CONSUMER, "--group", pipeline.group, "--json"
    )
    assert code == 0
    [listed] = [json.loads(line) for line in out.splitlines()]
    assert (listed["event_id"], listed["status"]) == (str(sent[1].id), "dead")

    poison.broken = False
    code, out, _ = await events_cli(
        "dead-letters", "replay", "--subgraph", CONSUMER, "--id", str(listed["id"])
    )
    assert code == 0, out
    await pipeline.settle(consumer)

    applied = sorted(effect.seq for effect in await pipeline.effects())
    assert applied == [0, 1, 2]
    [replayed] = await list_dead_letters(
        pipeline.consumer_engine, group=pipeline.group, statuses=["replayed"]
    )
    assert replayed.id == listed["id"] and replayed.replayed_at is not None
    labels = {"subgraph": CONSUMER, "group": pipeline.group}
    assert consumer.registry.get_sample_value("realio_event_dead_letters", labels) == 0

    # Replaying again is refused: the letter is no longer dead, and nothing is applied twice.
    code, _, err = await events_cli(
        "dead-letters", "replay", "--subgraph", CONSUMER, "--id", str(listed["id"])
    )
    assert code == 1 and "not dead" in err
    await pipeline.settle(consumer)
    assert sorted(effect.seq for effect in await pipeline.effects()) == [0, 1, 2]


async def test_replay_requested_while_no_consumer_runs_is_applied_when_it_starts(
    pipeline: Pipeline,
) -> None:
    producer = await pipeline.start_relay()
    poison = Poison(pipeline, poisoned_seq=0)
    consumer = await pipeline.start_consumer(poison, max_attempts=1)
    await pipeline.emit("agg-1", 0)
    await pipeline.settle(producer, consumer)
    await consumer.stop()
    assert await pipeline.effects() == []

    code, out, _ = await events_cli(
        "dead-letters", "replay", "--subgraph", CONSUMER, "--group", pipeline.group, "--all"
    )
    assert code == 0 and "1 dead letter" in out
    restarted = await pipeline.start_consumer()
    await pipeline.settle(restarted)

    assert [effect.seq for effect in await pipeline.effects()] == [0]
