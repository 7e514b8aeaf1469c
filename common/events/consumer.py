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


@dataclass
class ConsumerSpec:
    """A named consumer group of one subgraph.

    ``handlers`` maps event types (``property.created``) to handlers; events of other types on
    the topics are skipped. A failing event is retried ``max_attempts`` times in total, waiting
    ``backoff_base_seconds * 2**(attempt-1)`` between attempts, then dead-lettered.
    """

    group: str
    topics: Sequence[str]
    handlers: Mapping[str, EventHandler]
    max_attempts: int = 5
    backoff_base_seconds: float = 0.2
    batch_size: int = field(default=200, kw_only=True)

    def __post_init__(self) -> None:
        if not self.group or not self.topics:
            raise ValueError("a consumer needs a group and at least one topic")
        if self.max_attempts < 1:
            raise ValueError("max_attempts must be at least 1")
        if self.backoff_base_seconds < 0:
            raise ValueError("backoff_base_seconds must not be negative")

    def backoff(self, attempt: int) -> float:
        """Seconds to wait after failed attempt number ``attempt`` (1-based)."""
        return float(self.backoff_base_seconds * (2 ** (attempt - 1)))
