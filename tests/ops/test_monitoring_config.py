"""Prometheus' config and the Grafana dashboard are valid for the tools that load them."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest
import yaml
from grafana_foundation_sdk.cog.encoder import JSONEncoder
from grafana_foundation_sdk.cog.plugins import register_default_plugins
from grafana_foundation_sdk.models.dashboard import Dashboard, Panel

from common.config import REPO_ROOT
from tests.ops.monitoring import PROMETHEUS_CONFIG, dashboard, dashboard_expressions

PROMTOOL = shutil.which("promtool")
needs_promtool = pytest.mark.skipif(
    PROMTOOL is None, reason="promtool (Debian's prometheus package) is not installed"
)
PROVISIONING = REPO_ROOT / "deploy" / "grafana" / "provisioning"


@needs_promtool
def test_promtool_accepts_the_prometheus_config() -> None:
    assert PROMTOOL is not None
    result = subprocess.run(
        [PROMTOOL, "check", "config", "--syntax-only", str(PROMETHEUS_CONFIG)],
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stdout + result.stderr


@needs_promtool
def test_every_dashboard_expression_is_promql_that_prometheus_parses(tmp_path: Path) -> None:
    # promtool parses a recording rule's expression with Prometheus' own PromQL parser.
    assert PROMTOOL is not None
    rules = {
        "groups": [
            {
                "name": "dashboard",
                "rules": [
                    {"record": f"realio:dashboard_{i}", "expr": expr}
                    for i, expr in enumerate(dashboard_expressions())
                ],
            }
        ]
    }
    path = tmp_path / "rules.yml"
    path.write_text(yaml.safe_dump(rules))
    result = subprocess.run([PROMTOOL, "check", "rules", str(path)], capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr


@needs_promtool
def test_promtool_rejects_an_expression_that_is_not_promql(tmp_path: Path) -> None:
    assert PROMTOOL is not None
    path = tmp_path / "rules.yml"
    path.write_text(
        yaml.safe_dump(
            {"groups": [{"name": "g", "rules": [{"record": "r", "expr": "sum by (code"}]}]}
        )
    )
    result = subprocess.run([PROMTOOL, "check", "rules", str(path)], capture_output=True)
    assert result.returncode != 0


def _dropped_or_changed(original: Any, decoded: Any, path: str = "") -> list[str]:
    """Paths of the original JSON that the decoded model lost or altered."""
    if isinstance(original, dict):
        if not isinstance(decoded, dict):
            return [path]
        problems = []
        for key, value in original.items():
            if key not in decoded:
                problems.append(f"{path}/{key}")
            else:
                problems += _dropped_or_changed(value, decoded[key], f"{path}/{key}")
        return problems
    if isinstance(original, list):
        if not isinstance(decoded, list) or len(original) != len(decoded):
            return [path]
        return [
            p
            for i, v in enumerate(original)
            for p in _dropped_or_changed(v, decoded[i], f"{path}[{i}]")
        ]
    return [] if original == decoded else [path]


def test_the_dashboard_decodes_into_grafanas_dashboard_schema_without_losing_a_key() -> None:
    # grafana-foundation-sdk's models are generated from Grafana's dashboard schema; a key
    # the schema does not know is dropped by the decoder, a mistyped panel or query changes.
    register_default_plugins()
    original = dashboard()
    decoded = Dashboard.from_json(original)
    encoded = json.loads(JSONEncoder().encode(decoded))
    assert _dropped_or_changed(original, encoded) == []
    panels = [p for p in decoded.panels or [] if isinstance(p, Panel)]
    assert {type(t).__module__ for p in panels for t in p.targets or []} == {
        "grafana_foundation_sdk.models.prometheus"
    }


def test_the_dashboard_reads_the_provisioned_prometheus_data_source() -> None:
    sources = yaml.safe_load((PROVISIONING / "datasources" / "prometheus.yml").read_text())
    prometheus = {s["uid"] for s in sources["datasources"] if s["type"] == "prometheus"}
    panels = dashboard()["panels"]
    assert panels
    for panel in panels:
        assert panel["datasource"]["uid"] in prometheus, panel["title"]
        for target in panel["targets"]:
            assert target["datasource"]["uid"] in prometheus, panel["title"]


def test_the_dashboard_shows_requests_latency_errors_health_lag_and_dead_letters() -> None:
    exprs = " ".join(dashboard_expressions())
    for metric in (
        "realio_graphql_requests_total",
        "realio_graphql_request_duration_seconds_bucket",
        "realio_graphql_errors_total",
        "up{",
        "realio_event_consumer_lag",
        "realio_event_dead_letters",
    ):
        assert metric in exprs


def test_grafana_provisions_the_dashboards_directory_compose_mounts() -> None:
    compose = yaml.safe_load((REPO_ROOT / "docker-compose.yml").read_text())
    mounts = compose["services"]["grafana"]["volumes"]
    provider = yaml.safe_load((PROVISIONING / "dashboards" / "realio.yml").read_text())
    path = provider["providers"][0]["options"]["path"]
    assert f"./deploy/grafana/dashboards:{path}:ro" in mounts
    assert "./deploy/grafana/provisioning:/etc/grafana/provisioning:ro" in mounts
