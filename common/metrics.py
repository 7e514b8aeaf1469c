"""Prometheus metrics of a subgraph: requests and latencies by operation, errors by code.

Operation names are chosen by clients, and every distinct label value is a time series kept
for the life of the process and rendered on every scrape. So only operations that parsed and
validated are labelled by name, and only the first ``max_operation_names`` distinct names;
the rest share :data:`OTHER` (and invalid operations :data:`INVALID`). :class:`BoundedLabel`
is the helper; the router's metrics use it the same way.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from typing import TYPE_CHECKING

from prometheus_client import CollectorRegistry, Counter, Histogram

if TYPE_CHECKING:
    from strawberry.extensions import SchemaExtension

OTHER = "other"
INVALID = "invalid"
ANONYMOUS = "anonymous"


class BoundedLabel:
    """Label values from outside, bounded: the first ``limit`` distinct values, then ``other``.

    Values longer than ``max_length`` characters are never kept (a long name costs memory on
    every scrape as much as many short ones).
    """

    def __init__(self, limit: int, *, max_length: int = 100, other: str = OTHER) -> None:
        self.limit = limit
        self.max_length = max_length
        self.other = other
        self._known: set[str] = set()

    def __call__(self, value: str) -> str:
        """``value`` when it is (or can still become) one of the kept values, else ``other``."""
        if value in self._known:
            return value
        if len(value) > self.max_length or len(self._known) >= self.limit:
            return self.other
        self._known.add(value)
        return value


class GraphQLMetrics:
    """One registry per application, so several apps in one process never collide."""

    def __init__(
        self, subgraph: str, *, max_operation_names: int = 100, max_error_codes: int = 50
    ) -> None:
        self.registry = CollectorRegistry()
        self.subgraph = subgraph
        self.operation_label = BoundedLabel(max_operation_names)
        self.code_label = BoundedLabel(max_error_codes)
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

    def operation(self, name: str | None, valid: bool) -> str:
        """The label of an operation: its name when valid and among the kept names."""
        if not valid:
            return INVALID
        return self.operation_label(name) if name else ANONYMOUS

    def extension(self) -> type[SchemaExtension]:
        """A Strawberry extension class bound to this registry."""
        metrics = self

        # Imported here: the router uses this module's labels without Strawberry.
        from strawberry.extensions import SchemaExtension

        class MetricsExtension(SchemaExtension):
            def on_operation(self) -> Iterator[None]:
                started = time.perf_counter()
                yield
                context = self.execution_context
                valid = context.graphql_document is not None and not context.pre_execution_errors
                operation = metrics.operation(context.operation_name, valid)
                try:
                    kind = context.operation_type.value
                except Exception:
                    kind = INVALID
                metrics.requests.labels(metrics.subgraph, operation, kind).inc()
                metrics.latency.labels(metrics.subgraph, operation).observe(
                    time.perf_counter() - started
                )
                result = context.result
                for error in (result.errors if result is not None else None) or ():
                    code = (error.extensions or {}).get("code", "INTERNAL_SERVER_ERROR")
                    metrics.errors.labels(metrics.subgraph, metrics.code_label(str(code))).inc()

        return MetricsExtension
