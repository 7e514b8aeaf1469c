"""What the monitoring files say: the Grafana dashboard's PromQL and the metrics it reads."""

from __future__ import annotations

import json
import re
from typing import Any

from common.config import REPO_ROOT

DASHBOARD = REPO_ROOT / "deploy" / "grafana" / "dashboards" / "realio.json"
PROMETHEUS_CONFIG = REPO_ROOT / "deploy" / "prometheus.yml"
_METRIC = re.compile(r"\brealio_[a-z_]+")
_SAMPLE_SUFFIXES = ("_total", "_bucket", "_sum", "_count", "_created")


def dashboard() -> dict[str, Any]:
    data: dict[str, Any] = json.loads(DASHBOARD.read_text())
    return data


def dashboard_expressions() -> list[str]:
    return [target["expr"] for panel in dashboard()["panels"] for target in panel["targets"]]


def metric_families_used() -> set[str]:
    """The Realio metric families the dashboard's expressions read (sample suffixes removed)."""
    families = set()
    for expr in dashboard_expressions():
        for name in _METRIC.findall(expr):
            for suffix in _SAMPLE_SUFFIXES:
                if name.endswith(suffix):
                    name = name[: -len(suffix)]
                    break
            families.add(name)
    return families
