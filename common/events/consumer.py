"""What a consumer declares: its group, its topics and a handler per event type."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass, field

from sqlalchemy.ext.asyncio import AsyncSession

from common.events.envelope import Event

EventHandler = Callable[[AsyncSession, Event], Awaitable[None]]
"""Applies one event. It runs inside the consumer's transaction, which also records the event
id as processed, so the effect and the record commit (or roll back) together. Raising any
exception rolls both back and schedules a retry."""

BatchEventHandler = Callable[[AsyncSession, Sequence[Event]], Awaitable[None]]
"""Applies consecutive events of one type, in order, with the effect of applying them one by
one (a projection writing a whole run in one statement). Same transaction and failure rules
as ``EventHandler``; when a run fails, its events are applied one at a time to find the one
that fails, which alone is retried and dead-lettered. Retries and replays pass one event."""


@dataclass
class ConsumerSpec:
    """A named consumer group of one subgraph.

    ``handlers`` maps event types (``property.created``) to handlers; ``batch_handlers`` maps
    types to handlers of runs of consecutive events of that type (a type is in one map or the
    other); events of other types on the topics are skipped. A failing event is retried
    ``max_attempts`` times in total, waiting ``backoff_base_seconds * 2**(attempt-1)`` between
    attempts, then dead-lettered.
    """

    group: str
    topics: Sequence[str]
    handlers: Mapping[str, EventHandler]
    max_attempts: int = 5
    backoff_base_seconds: float = 0.2
    batch_size: int = field(default=200, kw_only=True)
    batch_handlers: Mapping[str, BatchEventHandler] = field(default_factory=dict, kw_only=True)

    def __post_init__(self) -> None:
        if not self.group or not self.topics:
            raise ValueError("a consumer needs a group and at least one topic")
        if both := set(self.handlers) & set(self.batch_handlers):
            raise ValueError(f"event types with both a handler and a batch handler: {both}")
        if self.max_attempts < 1:
            raise ValueError("max_attempts must be at least 1")
        if self.backoff_base_seconds < 0:
            raise ValueError("backoff_base_seconds must not be negative")

    def handles(self, event_type: str) -> bool:
        return event_type in self.handlers or event_type in self.batch_handlers

    def backoff(self, attempt: int) -> float:
        """Seconds to wait after failed attempt number ``attempt`` (1-based)."""
        return float(self.backoff_base_seconds * (2 ** (attempt - 1)))
