"""The event envelope every producer writes and every consumer receives.

Payloads are normalised to plain JSON values when the event is built (``Decimal`` becomes a
string, ``datetime`` an ISO-8601 string), so a consumer sees exactly what the producer stored.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import orjson

from common.logging import current_request_id


@dataclass(frozen=True)
class Event:
    """One domain event: something that happened to one aggregate, in the past tense."""

    id: uuid.UUID
    type: str
    version: int
    occurred_at: datetime
    aggregate_type: str
    aggregate_id: str
    producer: str
    payload: dict[str, Any]
    trace_id: str | None


def _json_default(value: object) -> object:
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, (set, frozenset)):
        return sorted(value)
    raise TypeError(f"{type(value).__name__} is not JSON serialisable in an event payload")


def dump_payload(payload: Mapping[str, Any]) -> bytes:
    """The payload as JSON bytes (UUIDs, datetimes, Decimals and sets are encoded)."""
    return orjson.dumps(dict(payload), default=_json_default, option=orjson.OPT_NON_STR_KEYS)


def new_event(
    type: str,
    aggregate_id: str | uuid.UUID,
    payload: Mapping[str, Any],
    *,
    producer: str,
    aggregate_type: str,
    version: int = 1,
    trace_id: str | None = None,
) -> Event:
    """Build an event with a fresh id and ``occurred_at = now`` (UTC).

    ``type`` is past tense and dotted (``property.created``); ``aggregate_type`` selects the topic
    (``properties`` → ``realio.properties``). ``trace_id`` defaults to the current request id,
    so a consumer's logs can be joined with the request that caused the event.
    """
    if not type or not aggregate_type or not producer:
        raise ValueError("type, aggregate_type and producer are required")
    if version < 1:
        raise ValueError("version starts at 1")
    return Event(
        id=uuid.uuid4(),
        type=type,
        version=version,
        occurred_at=datetime.now(UTC),
        aggregate_type=aggregate_type,
        aggregate_id=str(aggregate_id),
        producer=producer,
        payload=orjson.loads(dump_payload(payload)),
        trace_id=trace_id if trace_id is not None else current_request_id(),
    )


def event_to_dict(event: Event) -> dict[str, Any]:
    """The envelope as JSON-ready values (used on the Kafka wire and in dead letters)."""
    return {
        "id": str(event.id),
        "type": event.type,
        "version": event.version,
        "occurred_at": event.occurred_at.isoformat(),
        "aggregate_type": event.aggregate_type,
        "aggregate_id": event.aggregate_id,
        "producer": event.producer,
        "payload": event.payload,
        "trace_id": event.trace_id,
    }


def event_from_dict(data: Mapping[str, Any]) -> Event:
    """Inverse of ``event_to_dict``; raises ``KeyError``/``ValueError`` on a malformed envelope."""
    occurred_at = datetime.fromisoformat(str(data["occurred_at"]))
    if occurred_at.tzinfo is None:
        occurred_at = occurred_at.replace(tzinfo=UTC)
    payload = data["payload"]
    if not isinstance(payload, dict):
        raise ValueError("event payload must be a JSON object")
    return Event(
        id=uuid.UUID(str(data["id"])),
        type=str(data["type"]),
        version=int(data["version"]),
        occurred_at=occurred_at,
        aggregate_type=str(data["aggregate_type"]),
        aggregate_id=str(data["aggregate_id"]),
        producer=str(data["producer"]),
        payload=payload,
        trace_id=None if data.get("trace_id") is None else str(data["trace_id"]),
    )


def encode_event(event: Event) -> bytes:
    """The envelope as JSON bytes."""
    return orjson.dumps(event_to_dict(event))


def decode_event(raw: bytes | str) -> Event:
    """Inverse of ``encode_event``."""
    return event_from_dict(orjson.loads(raw))
