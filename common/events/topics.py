"""Topics and which subgraph produces each one.

A topic carries the events of one aggregate type (``realio.properties``). The Postgres transport
needs to know which subgraph's database holds a topic's log, so the mapping is explicit: the
defaults below, overridden by ``Settings.event_topic_producers``, and
by the ``topic_producers`` argument of ``EventRuntime`` (tests use it for their own topics).
"""

from __future__ import annotations

import re
from collections.abc import Mapping

from common.config import Settings

TOPIC_PREFIX = "realio."

_AGGREGATE_TYPE = re.compile(r"^[a-z][a-z0-9_]{0,62}$")

DEFAULT_TOPIC_PRODUCERS: Mapping[str, str] = {
    "realio.users": "users",
    "realio.properties": "properties",
    "realio.searches": "search",
    "realio.bookings": "bookings",
    "realio.messages": "messaging",
    "realio.notifications": "notifications",
    "realio.recommendations": "recommendations",
}


def topic_for(aggregate_type: str) -> str:
    """The topic of an aggregate type: ``"properties"`` → ``"realio.properties"``."""
    if not _AGGREGATE_TYPE.match(aggregate_type):
        raise ValueError(f"invalid aggregate type {aggregate_type!r}")
    return f"{TOPIC_PREFIX}{aggregate_type}"


def topic_producers(
    settings: Settings, overrides: Mapping[str, str] | None = None
) -> dict[str, str]:
    """The topic → producer subgraph mapping in force: defaults, settings, then overrides."""
    mapping = dict(DEFAULT_TOPIC_PRODUCERS)
    mapping.update(settings.event_topic_producers)
    if overrides:
        mapping.update(overrides)
    return mapping


def producer_of(topic: str, mapping: Mapping[str, str]) -> str:
    """The subgraph whose outbox is the log of ``topic``; ``LookupError`` when unmapped."""
    try:
        return mapping[topic]
    except KeyError:
        raise LookupError(
            f"no producer subgraph is configured for topic {topic!r}; "
            "add it to DEFAULT_TOPIC_PRODUCERS or pass topic_producers"
        ) from None
