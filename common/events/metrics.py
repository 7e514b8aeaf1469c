"""Prometheus metrics of the event pipeline, on the subgraph's registry (its ``/metrics``)."""

from __future__ import annotations

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram


class EventMetrics:
    """Counters and gauges of one subgraph's relay and consumers."""

    def __init__(self, registry: CollectorRegistry) -> None:
        self.registry = registry
        self.published = Counter(
            "realio_events_published",
            "Outbox events published by the relay",
            ["subgraph", "topic"],
            registry=registry,
        )
        self.outbox_pending = Gauge(
            "realio_event_outbox_pending",
            "Committed outbox events not yet published",
            ["subgraph"],
            registry=registry,
        )
        self.consumed = Counter(
            "realio_events_consumed",
            "Events handled by consumers, by outcome "
            "(applied, duplicate, ignored, dead_lettered, replayed)",
            ["subgraph", "group", "topic", "outcome"],
            registry=registry,
        )
        self.handler_failures = Counter(
            "realio_event_handler_failures",
            "Failed handler attempts (each retry counts)",
            ["subgraph", "group", "event_type"],
            registry=registry,
        )
        self.lag = Gauge(
            "realio_event_consumer_lag",
            "Events on the topic that the group has not consumed yet",
            ["subgraph", "group", "topic"],
            registry=registry,
        )
        self.dead_letters = Gauge(
            "realio_event_dead_letters",
            "Dead letters waiting for an operator (dead or replay requested)",
            ["subgraph", "group"],
            registry=registry,
        )
        self.delivery_seconds = Histogram(
            "realio_event_delivery_seconds",
            "From occurred_at to the consumer's commit",
            ["subgraph", "group"],
            buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30),
            registry=registry,
        )
