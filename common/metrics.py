"""Prometheus metrics of a subgraph: requests and latencies by operation, errors by code."""

from __future__ import annotations

import time
from collections.abc import Iterator

from prometheus_client import CollectorRegistry, Counter, Histogram
from strawberry.extensions import SchemaExtension


class GraphQLMetrics:
    """One registry per application, so several apps in one process never collide."""

    def __init__(self, subgraph: str) -> None:
        self.registry = CollectorRegistry()
        self.subgraph = subgraph
        self.requests = Counter(
            "realio_graphql_requests",
            "GraphQL operations served",
            ["subgraph", "operation", "type"],
            registry=self.registry,
        )
        self.latency = Histogram(
            "realio_graphql_request_duration_seconds",
            "GraphQL operation latency",
            ["subgraph", "operation"],
            buckets=(0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5),
            registry=self.registry,
        )
        self.errors = Counter(
            "realio_graphql_errors",
            "GraphQL errors returned, by extensions.code",
            ["subgraph", "code"],
            registry=self.registry,
        )

    def extension(self) -> type[SchemaExtension]:
        """A Strawberry extension class bound to this registry."""
        metrics = self

        class MetricsExtension(SchemaExtension):
            def on_operation(self) -> Iterator[None]:
                started = time.perf_counter()
                yield
                context = self.execution_context
                operation = context.operation_name or "anonymous"
                try:
                    kind = context.operation_type.value
                except Exception:
                    kind = "invalid"
                metrics.requests.labels(metrics.subgraph, operation, kind).inc()
                metrics.latency.labels(metrics.subgraph, operation).observe(
                    time.perf_counter() - started
                )
                result = context.result
                for error in (result.errors if result is not None else None) or ():
                    code = (error.extensions or {}).get("code", "INTERNAL_SERVER_ERROR")
                    metrics.errors.labels(metrics.subgraph, str(code)).inc()

        return MetricsExtension
