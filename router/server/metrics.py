"""The router's Prometheus metrics, served at ``/metrics``.

- ``realio_router_requests_total{transport, operation, type, outcome}`` and
  ``realio_router_request_duration_seconds{operation, type, outcome}`` (queries and
  mutations; a subscription's lifetime is not a latency). ``outcome`` is ``ok``,
  ``graphql_error`` (the result carries errors), ``request_error`` (refused before execution:
  malformed, invalid, over a limit) or ``internal_error``.
- ``realio_router_subgraph_fetch_duration_seconds{subgraph, outcome}`` and
  ``realio_router_subgraph_fetch_errors_total{subgraph, kind}``: ``http_error`` (unreachable,
  timed out, not GraphQL) or ``graphql_error`` (the subgraph answered with errors).
- ``realio_router_plan_cache_hits_total`` / ``_misses_total``: read from the gateway's
  counters when scraped, so a cached request pays nothing for them.
- ``realio_router_open_subscriptions{transport}``: WebSocket and SSE subscriptions open now.

Clients choose operation names, so the ``operation`` label is bounded: the first
``max_operations`` distinct names keep their own series and later ones share ``other``
(common.metrics.BoundedLabel, the helper the subgraphs' metrics use too).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from prometheus_client import (
    CONTENT_TYPE_LATEST,
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    generate_latest,
)
from prometheus_client.core import CounterMetricFamily
from prometheus_client.registry import Collector
from starlette.requests import Request
from starlette.responses import Response

from common.metrics import ANONYMOUS, INVALID, BoundedLabel
from router.gateway import Gateway, PreparedOperation

LATENCY_BUCKETS = (0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10)
_NAME = re.compile(r"[_A-Za-z][_0-9A-Za-z]{0,99}")

OK = "ok"
GRAPHQL_ERROR = "graphql_error"
REQUEST_ERROR = "request_error"
INTERNAL_ERROR = "internal_error"
HTTP_ERROR = "http_error"


class _PlanCacheCollector(Collector):
    def __init__(self, gateway: Gateway) -> None:
        self.gateway = gateway

    def collect(self) -> Iterator[CounterMetricFamily]:
        yield CounterMetricFamily(
            "realio_router_plan_cache_hits",
            "Operations whose plan came from the plan cache",
            value=self.gateway.plan_cache_hits,
        )
        yield CounterMetricFamily(
            "realio_router_plan_cache_misses",
            "Operations parsed, validated and planned anew",
            value=self.gateway.plan_cache_misses,
        )


class RouterMetrics:
    """One registry per router app, so several routers in one process never collide."""

    def __init__(self, gateway: Gateway, *, max_operations: int = 200) -> None:
        self.registry = CollectorRegistry()
        self.operation_label = BoundedLabel(max_operations)
        self.requests = Counter(
            "realio_router_requests",
            "Client operations received, by transport, operation, type and outcome",
            ["transport", "operation", "type", "outcome"],
            registry=self.registry,
        )
        self.latency = Histogram(
            "realio_router_request_duration_seconds",
            "Latency of client queries and mutations, from request to response",
            ["operation", "type", "outcome"],
            buckets=LATENCY_BUCKETS,
            registry=self.registry,
        )
        self.fetch_latency = Histogram(
            "realio_router_subgraph_fetch_duration_seconds",
            "Latency of the router's HTTP fetches to subgraphs",
            ["subgraph", "outcome"],
            buckets=LATENCY_BUCKETS,
            registry=self.registry,
        )
        self.fetch_errors = Counter(
            "realio_router_subgraph_fetch_errors",
            "Subgraph fetches that failed (http_error) or answered with errors (graphql_error)",
            ["subgraph", "kind"],
            registry=self.registry,
        )
        self.open_subscriptions = Gauge(
            "realio_router_open_subscriptions",
            "Subscriptions open through the router now",
            ["transport"],
            registry=self.registry,
        )
        self._series: dict[tuple[str, str | None, str, str], tuple[Any, Any]] = {}
        self.registry.register(_PlanCacheCollector(gateway))
        gateway.observe_fetches(self.observe_fetch)

    def operation(self, name: str | None) -> str:
        """The ``operation`` label of an operation name: bounded, ``anonymous`` when absent."""
        if not name:
            return ANONYMOUS
        if _NAME.fullmatch(name) is None:
            return INVALID
        return self.operation_label(name)

    def observe_request(
        self,
        transport: str,
        operation_name: str | None,
        operation_type: str,
        outcome: str,
        seconds: float | None,
    ) -> None:
        """Count one client operation; ``seconds`` (queries, mutations) feeds the latency."""
        key = (transport, operation_name, operation_type, outcome)
        series = self._series.get(key)
        if series is None:
            # labels() costs microseconds; every key here is bounded, so keep the children.
            operation = self.operation(operation_name)
            series = (
                self.requests.labels(transport, operation, operation_type, outcome),
                self.latency.labels(operation, operation_type, outcome),
            )
            if len(self._series) < 10_000:
                self._series[key] = series
        series[0].inc()
        if seconds is not None:
            series[1].observe(seconds)

    def observe_fetch(self, subgraph: str, seconds: float, outcome: str) -> None:
        """One subgraph fetch (the gateway's fetch observer)."""
        self.fetch_latency.labels(subgraph, outcome).observe(seconds)
        if outcome != OK:
            self.fetch_errors.labels(subgraph, outcome).inc()


def outcome_of(result: dict[str, object]) -> str:
    """``ok`` or ``graphql_error`` for an execution result."""
    return GRAPHQL_ERROR if result.get("errors") else OK


def operation_name_of(prepared: PreparedOperation) -> str | None:
    """The name in the operation's definition (``query Home { … }``), if it has one."""
    name = prepared.operation.name
    return name.value if name is not None else None


@contextmanager
def open_subscription(metrics: RouterMetrics | None, transport: str) -> Iterator[None]:
    """Counts a subscription in ``realio_router_open_subscriptions`` while the block runs."""
    if metrics is None:
        yield
        return
    gauge = metrics.open_subscriptions.labels(transport)
    gauge.inc()
    try:
        yield
    finally:
        gauge.dec()


async def metrics_endpoint(request: Request) -> Response:
    """``GET /metrics``: the router's registry in Prometheus text format."""
    metrics: RouterMetrics = request.app.state.router.metrics
    return Response(generate_latest(metrics.registry), media_type=CONTENT_TYPE_LATEST)
