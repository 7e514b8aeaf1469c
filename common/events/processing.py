"""Applying events in the consumer's database: idempotent, retried, dead-lettered.

Both transports hand deliveries here. A batch is applied in one transaction (effects, processed
ids and the new offset commit together); when a handler fails, the events before it are
committed, the failing event is retried on its own with exponential backoff, and after
``max_attempts`` it is written to the dead letters and the offset moves past it.

Runs of consecutive events of a type with a batch handler go to it in one call. When such a
run fails, the batch is applied again one event at a time, so the failing event is found and
treated exactly as above.
"""

from __future__ import annotations

import asyncio
import logging
import traceback
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import MetaData, String, and_, cast, func, literal, select, text, update
from sqlalchemy.dialects.postgresql import JSONB, insert
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from common.events.consumer import ConsumerSpec
from common.events.envelope import Event, encode_event, event_from_dict
from common.events.metrics import EventMetrics
from common.events.tables import OFFSETS, PROCESSED, consumer_tables
from common.logging import set_request_id

logger = logging.getLogger("realio.events")

_PROCESSED, _OFFSETS, _DEAD = consumer_tables(MetaData())

# Hot-path statements as plain SQL, built once.
_CLAIM = text(
    f"""
    INSERT INTO {PROCESSED} (consumer_group, event_id)
    SELECT :group, unnest(CAST(:ids AS uuid[]))
    ON CONFLICT DO NOTHING
    RETURNING event_id
    """
)
_ADVANCE = text(
    f"""
    INSERT INTO {OFFSETS} AS o (consumer_group, topic, position)
    VALUES (:group, :topic, :position)
    ON CONFLICT (consumer_group, topic)
    DO UPDATE SET position = EXCLUDED.position, updated_at = now()
    WHERE o.position < EXCLUDED.position
    """  # noqa: S608
)


@dataclass(frozen=True)
class Delivery:
    """One event as a transport delivers it; ``position`` is the Postgres log position."""

    topic: str
    event: Event
    position: int | None = None


class EventProcessor:
    """Applies deliveries for one consumer group of one subgraph."""

    def __init__(
        self,
        sessions: async_sessionmaker[AsyncSession],
        spec: ConsumerSpec,
        metrics: EventMetrics,
        subgraph: str,
    ) -> None:
        self.sessions = sessions
        self.spec = spec
        self.metrics = metrics
        self.subgraph = subgraph

    # -- the normal path ----------------------------------------------------------------------

    async def process(self, deliveries: Sequence[Delivery]) -> None:
        """Apply ``deliveries`` in order; returns when each is applied or dead-lettered."""
        remaining = list(deliveries)
        in_runs = True
        while remaining:
            failed_at, error, in_run = await self._try_batch(remaining, in_runs)
            if failed_at is None:
                return
            assert error is not None
            if in_run:  # a run failed: find its failing event one at a time, at once
                in_runs = False
                continue
            if failed_at > 0:
                # The events before the failure succeeded, but the rollback undid them: apply
                # them again (a shorter list, so this recursion ends) before retrying the one.
                await self.process(remaining[:failed_at])
            await self._retry_or_dead_letter(remaining[failed_at], error)
            remaining = remaining[failed_at + 1 :]

    async def _try_batch(
        self, deliveries: Sequence[Delivery], in_runs: bool = True
    ) -> tuple[int | None, BaseException | None, bool]:
        """Apply all in one transaction: ``(None, None, False)`` on success, else the failing
        index, the error, and whether it failed inside a run given to a batch handler (then
        the index is the run's first event, not necessarily the failing one)."""
        outcomes: list[str] = []
        in_run = False
        try:
            async with self.sessions() as session, session.begin():
                claimed = await self._claim(session, deliveries)
                at = 0
                while at < len(deliveries):
                    run = self._run_at(deliveries, at) if in_runs else 1
                    if run > 1:
                        in_run = True
                        outcomes.extend(
                            await self._apply_run(session, deliveries[at : at + run], claimed)
                        )
                        in_run = False
                    else:
                        outcomes.append(await self._apply_claimed(session, deliveries[at], claimed))
                    at += run
                await self._advance(session, deliveries)
        except Exception as error:  # any handler error means "retry"
            # The failing event is the first without an outcome (or the last, when the
            # offset update or the commit itself failed).
            failed_at = min(len(outcomes), len(deliveries) - 1)
            if not in_run:
                self._failed(deliveries[failed_at], error)
            return failed_at, error, in_run
        self._applied(deliveries, outcomes)
        return None, None, False

    def _run_at(self, deliveries: Sequence[Delivery], at: int) -> int:
        """How many consecutive events from ``at`` go to one batch handler call (1: none)."""
        kind = deliveries[at].event.type
        if kind not in self.spec.batch_handlers:
            return 1
        end = at + 1
        while end < len(deliveries) and deliveries[end].event.type == kind:
            end += 1
        return end - at

    async def _apply_run(
        self, session: AsyncSession, run: Sequence[Delivery], claimed: set[uuid.UUID]
    ) -> list[str]:
        outcomes: list[str] = []
        fresh: list[Event] = []
        for delivery in run:
            event = delivery.event
            if event.id in claimed:
                claimed.discard(event.id)  # a second copy in the same run is a duplicate
                fresh.append(event)
                outcomes.append("applied")
            else:
                outcomes.append("duplicate")
        if fresh:
            set_request_id(fresh[0].trace_id)
            await self.spec.batch_handlers[run[0].event.type](session, fresh)
        return outcomes

    async def _retry_or_dead_letter(self, delivery: Delivery, first_error: BaseException) -> None:
        error = first_error
        for attempt in range(2, self.spec.max_attempts + 1):
            await asyncio.sleep(self.spec.backoff(attempt - 1))
            try:
                async with self.sessions() as session, session.begin():
                    outcome = await self._apply(session, delivery)
                    await self._advance(session, [delivery])
            except Exception as retry_error:
                self._failed(delivery, retry_error)
                error = retry_error
                continue
            self._applied([delivery], [outcome])
            return
        await self._dead_letter(delivery, error)

    async def _apply(self, session: AsyncSession, delivery: Delivery) -> str:
        claimed = await self._claim(session, [delivery])
        return await self._apply_claimed(session, delivery, claimed)

    async def _claim(self, session: AsyncSession, deliveries: Sequence[Delivery]) -> set[uuid.UUID]:
        """Record the handled events as processed; returns the ids that were not processed yet.

        This is the idempotency check: the record commits with the effects, so an event id is
        claimed by exactly one committed transaction per group.
        """
        ids = [d.event.id for d in deliveries if self.spec.handles(d.event.type)]
        if not ids:
            return set()
        result = await session.execute(_CLAIM, {"group": self.spec.group, "ids": ids})
        return {row[0] for row in result}

    async def _apply_claimed(
        self, session: AsyncSession, delivery: Delivery, claimed: set[uuid.UUID]
    ) -> str:
        event = delivery.event
        if not self.spec.handles(event.type):
            return "ignored"
        if event.id not in claimed:
            return "duplicate"
        claimed.discard(event.id)  # a second copy in the same batch is a duplicate
        set_request_id(event.trace_id)
        handler = self.spec.handlers.get(event.type)
        if handler is not None:
            await handler(session, event)
        else:
            await self.spec.batch_handlers[event.type](session, [event])
        return "applied"

    async def _advance(self, session: AsyncSession, deliveries: Sequence[Delivery]) -> None:
        """Store the newest position per topic (Postgres transport) in the same transaction."""
        newest: dict[str, int] = {}
        for delivery in deliveries:
            if delivery.position is not None:
                newest[delivery.topic] = max(newest.get(delivery.topic, 0), delivery.position)
        for topic, position in newest.items():
            await session.execute(
                _ADVANCE, {"group": self.spec.group, "topic": topic, "position": position}
            )

    async def _dead_letter(self, delivery: Delivery, error: BaseException) -> None:
        event = delivery.event
        logger.error(
            "event dead-lettered",
            extra={"group": self.spec.group, "event_id": str(event.id), "type": event.type},
        )
        description = "".join(traceback.format_exception_only(type(error), error)).strip()
        statement = insert(_DEAD).values(
            consumer_group=self.spec.group,
            topic=delivery.topic,
            event_id=event.id,
            event_type=event.type,
            aggregate_id=event.aggregate_id,
            envelope=cast(literal(encode_event(event).decode(), String), JSONB),
            error=description[:4000],
            attempts=self.spec.max_attempts,
            status="dead",
        )
        async with self.sessions() as session, session.begin():
            await session.execute(
                statement.on_conflict_do_update(
                    index_elements=[_DEAD.c.consumer_group, _DEAD.c.event_id],
                    set_={
                        "error": statement.excluded.error,
                        "attempts": _DEAD.c.attempts + statement.excluded.attempts,
                        "status": "dead",
                        "updated_at": func.now(),
                    },
                )
            )
            await self._advance(session, [delivery])
        self.metrics.consumed.labels(
            self.subgraph, self.spec.group, delivery.topic, "dead_lettered"
        ).inc()
        await self.refresh_dead_letter_gauge()

    # -- replays ------------------------------------------------------------------------------

    async def replay_requested(self) -> int:
        """Apply the dead letters an operator asked to replay; returns how many were handled."""
        async with self.sessions() as session:
            rows = (
                await session.execute(
                    select(_DEAD.c.id, _DEAD.c.topic, _DEAD.c.envelope)
                    .where(
                        and_(_DEAD.c.consumer_group == self.spec.group, _DEAD.c.status == "replay")
                    )
                    .order_by(_DEAD.c.id)
                )
            ).all()
        for row in rows:
            delivery = Delivery(topic=row.topic, event=event_from_dict(row.envelope))
            await self._replay_one(row.id, delivery)
        if rows:
            await self.refresh_dead_letter_gauge()
        return len(rows)

    async def _replay_one(self, dead_letter_id: int, delivery: Delivery) -> None:
        error: BaseException | None = None
        for attempt in range(1, self.spec.max_attempts + 1):
            if attempt > 1:
                await asyncio.sleep(self.spec.backoff(attempt - 1))
            try:
                async with self.sessions() as session, session.begin():
                    await self._apply(session, delivery)
                    await session.execute(
                        update(_DEAD)
                        .where(and_(_DEAD.c.id == dead_letter_id, _DEAD.c.status == "replay"))
                        .values(status="replayed", replayed_at=func.now(), updated_at=func.now())
                    )
            except Exception as replay_error:
                self._failed(delivery, replay_error)
                error = replay_error
                continue
            self.metrics.consumed.labels(
                self.subgraph, self.spec.group, delivery.topic, "replayed"
            ).inc()
            return
        assert error is not None
        description = "".join(traceback.format_exception_only(type(error), error)).strip()
        async with self.sessions() as session, session.begin():
            await session.execute(
                update(_DEAD)
                .where(_DEAD.c.id == dead_letter_id)
                .values(
                    status="dead",
                    error=description[:4000],
                    attempts=_DEAD.c.attempts + self.spec.max_attempts,
                    updated_at=func.now(),
                )
            )

    async def has_pending_replays(self) -> bool:
        async with self.sessions() as session:
            found = await session.execute(
                select(literal(1))
                .where(and_(_DEAD.c.consumer_group == self.spec.group, _DEAD.c.status == "replay"))
                .limit(1)
            )
            return found.first() is not None

    async def refresh_dead_letter_gauge(self) -> None:
        async with self.sessions() as session:
            count = await session.scalar(
                select(func.count())
                .select_from(_DEAD)
                .where(
                    and_(
                        _DEAD.c.consumer_group == self.spec.group,
                        _DEAD.c.status.in_(("dead", "replay")),
                    )
                )
            )
        self.metrics.dead_letters.labels(self.subgraph, self.spec.group).set(count or 0)

    async def stored_offsets(self) -> dict[str, int]:
        """The group's committed positions per topic (Postgres transport)."""
        async with self.sessions() as session:
            rows = await session.execute(
                select(_OFFSETS.c.topic, _OFFSETS.c.position).where(
                    _OFFSETS.c.consumer_group == self.spec.group
                )
            )
            return {row.topic: row.position for row in rows}

    async def rewind(self, topic: str) -> None:
        """Forget the group's position on ``topic`` (its log was recreated)."""
        async with self.sessions() as session, session.begin():
            await session.execute(
                update(_OFFSETS)
                .where(
                    and_(_OFFSETS.c.consumer_group == self.spec.group, _OFFSETS.c.topic == topic)
                )
                .values(position=0, updated_at=func.now())
            )

    # -- metrics ------------------------------------------------------------------------------

    def _failed(self, delivery: Delivery, error: BaseException) -> None:
        logger.warning(
            "event handler failed",
            extra={
                "group": self.spec.group,
                "event_id": str(delivery.event.id),
                "type": delivery.event.type,
                "error": repr(error),
            },
        )
        self.metrics.handler_failures.labels(
            self.subgraph, self.spec.group, delivery.event.type
        ).inc()

    def _applied(self, deliveries: Sequence[Delivery], outcomes: Sequence[str]) -> None:
        now = datetime.now(UTC)
        for delivery, outcome in zip(deliveries, outcomes, strict=True):
            self.metrics.consumed.labels(
                self.subgraph, self.spec.group, delivery.topic, outcome
            ).inc()
            if outcome == "applied":
                self.metrics.delivery_seconds.labels(self.subgraph, self.spec.group).observe(
                    max(0.0, (now - delivery.event.occurred_at).total_seconds())
                )
