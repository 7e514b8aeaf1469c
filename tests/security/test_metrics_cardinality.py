"""Client-chosen operation names cannot grow a subgraph's /metrics without bound."""

from __future__ import annotations

import re

from prometheus_client import generate_latest
from starlette.routing import Route

from common.metrics import BoundedLabel, GraphQLMetrics
from tests.support.graph import Graph

SERIES = re.compile(r'^realio_graphql_requests_total\{operation="([^"]*)"', re.MULTILINE)


async def _metrics(graph: Graph, subgraph: str) -> str:
    response = await graph.http.get(f"{graph.subgraph_urls[subgraph]}/metrics")
    assert response.status_code == 200
    return response.text


def _schema(graph: Graph, subgraph: str) -> object:
    route = next(
        r for r in graph.apps[subgraph].routes if isinstance(r, Route) and r.path == "/graphql"
    )
    return route.endpoint.schema  # type: ignore[attr-defined]


async def test_operation_names_past_the_cap_share_one_series_on_metrics(graph: Graph) -> None:
    before = len(await _metrics(graph, "users"))
    # Some over HTTP, as an attacker would send them...
    for index in range(150):
        body = await graph.http.post(
            f"{graph.subgraph_urls['users']}/graphql",
            json={"query": f"query Op{index} {{ __typename }}"},
        )
        assert body.json() == {"data": {"__typename": "Query"}}
    # ...and more straight into the same schema (and so the same metrics registry).
    schema = _schema(graph, "users")
    for index in range(150, 1_000):
        result = await schema.execute(f"query Op{index} {{ __typename }}")  # type: ignore[attr-defined]
        assert result.errors is None

    text = await _metrics(graph, "users")

    names = set(SERIES.findall(text))
    assert len(names) <= 100 + 3  # at most 100 names, plus other/anonymous/invalid
    assert "other" in names
    assert "Op999" not in names
    assert 'operation="other",subgraph="users",type="query"} ' in text
    assert len(text) - before < 250_000


def test_twenty_thousand_operation_names_render_in_a_bounded_exposition() -> None:
    metrics = GraphQLMetrics("users")
    for index in range(20_000):
        # What the extension records for each valid operation.
        operation = metrics.operation(f"Op{index}", valid=True)
        metrics.requests.labels("users", operation, "query").inc()
        metrics.latency.labels("users", operation).observe(0.001)

    text = generate_latest(metrics.registry).decode()

    assert len(set(SERIES.findall(text))) == 101
    assert (
        'realio_graphql_requests_total{operation="other",subgraph="users",type="query"} 19900.0'
        in text
    )
    assert len(text) < 250_000  # the unbounded version was 47 MB for 21,877 names


async def test_names_of_operations_that_do_not_validate_are_never_labels(graph: Graph) -> None:
    url = f"{graph.subgraph_urls['users']}/graphql"

    for name in ("NoSuchField", "BrokenSyntax"):
        query = f"query {name} {{ noSuchField }}" if name == "NoSuchField" else f"query {name} {{"
        response = await graph.http.post(url, json={"query": query})
        assert response.json()["errors"]

    names = set(SERIES.findall(await _metrics(graph, "users")))
    assert "invalid" in names
    assert not {"NoSuchField", "BrokenSyntax"} & names


def test_bounded_label_keeps_the_first_values_then_answers_other() -> None:
    label = BoundedLabel(2, max_length=10)

    assert [label(v) for v in ("a", "b", "c", "a", "b")] == ["a", "b", "other", "a", "b"]
    assert BoundedLabel(5, max_length=10)("x" * 11) == "other"
