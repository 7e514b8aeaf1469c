"""Envelope, topics and consumer specs: pure logic, no I/O."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from decimal import Decimal

import pytest

from common.config import Settings
from common.events import ConsumerSpec, decode_event, encode_event, new_event, topic_for
from common.events.kafka import bootstrap_servers
from common.events.topics import producer_of, topic_producers


def test_new_event_fills_the_envelope_and_normalises_the_payload_to_json() -> None:
    listing = uuid.uuid4()
    event = new_event(
        "property.created",
        listing,
        {"price": Decimal("250000.50"), "owner": listing, "tags": {"b", "a"}},
        producer="properties",
        aggregate_type="properties",
        trace_id="req-1",
    )
    assert event.aggregate_id == str(listing)
    assert event.version == 1 and event.trace_id == "req-1" and event.producer == "properties"
    assert event.occurred_at.tzinfo is not None
    assert event.payload == {"price": "250000.50", "owner": str(listing), "tags": ["a", "b"]}


def test_events_get_distinct_ids_and_a_trace_id_by_default() -> None:
    first = new_event("x.done", "1", {}, producer="p", aggregate_type="things")
    second = new_event("x.done", "1", {}, producer="p", aggregate_type="things")
    assert first.id != second.id
    assert first.trace_id


def test_encoded_event_decodes_to_an_equal_event() -> None:
    event = new_event(
        "property.updated",
        "42",
        {"changed": {"price": "1.00"}},
        producer="properties",
        aggregate_type="properties",
        version=2,
    )
    assert decode_event(encode_event(event)) == event


def test_naive_timestamps_on_the_wire_are_read_as_utc() -> None:
    event = new_event("x.done", "1", {}, producer="p", aggregate_type="things")
    wire = encode_event(event).replace(
        event.occurred_at.isoformat().encode(), b"2024-05-01T10:00:00"
    )
    assert decode_event(wire).occurred_at == datetime(2024, 5, 1, 10, tzinfo=UTC)


@pytest.mark.parametrize(
    "wire",
    [b'{"id": "not-a-uuid"}', b"[]", b"not json"],
)
def test_malformed_envelopes_are_rejected(wire: bytes) -> None:
    with pytest.raises((ValueError, KeyError, TypeError)):
        decode_event(wire)


def test_unserialisable_payload_is_refused_when_the_event_is_built() -> None:
    with pytest.raises(TypeError):
        new_event("x.done", "1", {"file": object()}, producer="p", aggregate_type="things")


def test_topic_per_aggregate_type() -> None:
    assert topic_for("properties") == "realio.properties"
    with pytest.raises(ValueError):
        topic_for("Properties; DROP")


def test_topic_producers_defaults_are_overridden_by_arguments() -> None:
    mapping = topic_producers(Settings(), {"realio.things": "evt_producer"})
    assert producer_of("realio.properties", mapping) == "properties"
    assert producer_of("realio.things", mapping) == "evt_producer"
    with pytest.raises(LookupError, match="realio.unknown"):
        producer_of("realio.unknown", mapping)


def test_backoff_doubles_from_the_base() -> None:
    spec = ConsumerSpec(group="g", topics=["realio.t"], handlers={}, backoff_base_seconds=0.2)
    assert [spec.backoff(n) for n in (1, 2, 3)] == [0.2, 0.4, 0.8]


@pytest.mark.parametrize(
    "options",
    [{"group": ""}, {"topics": []}, {"max_attempts": 0}, {"backoff_base_seconds": -1}],
)
def test_invalid_consumer_specs_are_refused(options: dict[str, object]) -> None:
    arguments: dict[str, object] = {"group": "g", "topics": ["realio.t"], "handlers": {}}
    with pytest.raises(ValueError):
        ConsumerSpec(**{**arguments, **options})  # type: ignore[arg-type]


def test_kafka_url_lists_bootstrap_servers() -> None:
    assert bootstrap_servers("kafka://a:9092, b:9093") == ["a:9092", "b:9093"]
    assert bootstrap_servers("localhost:9092") == ["localhost:9092"]
