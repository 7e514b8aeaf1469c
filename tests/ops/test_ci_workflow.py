"""The GitHub Actions workflow is valid for GitHub and runs `make test` against the servers the
suite needs."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path
from urllib.parse import urlsplit

import yaml

from common.config import REPO_ROOT

WORKFLOW = REPO_ROOT / ".github" / "workflows" / "test.yml"
CHECK_JSONSCHEMA = Path(sys.executable).with_name("check-jsonschema")


def check_builtin_schema(schema: str, path: Path) -> subprocess.CompletedProcess[str]:
    """check-jsonschema against one of the schemas it ships (no network needed)."""
    return subprocess.run(
        [str(CHECK_JSONSCHEMA), "--builtin-schema", schema, str(path)],
        capture_output=True,
        text=True,
    )


def test_the_workflow_matches_githubs_workflow_schema() -> None:
    result = check_builtin_schema("vendor.github-workflows", WORKFLOW)
    assert result.returncode == 0, result.stdout + result.stderr


def test_the_schema_check_rejects_a_broken_workflow(tmp_path: Path) -> None:
    broken = tmp_path / "broken.yml"
    broken.write_text("name: x\non: push\njobs:\n  t:\n    steps: [{run: make test}]\n")
    assert check_builtin_schema("vendor.github-workflows", broken).returncode != 0


def test_the_workflow_runs_make_test_against_postgres_and_redis() -> None:
    workflow = yaml.safe_load(WORKFLOW.read_text())
    (job,) = workflow["jobs"].values()
    assert [s.get("run") for s in job["steps"]][-1] == "make test"
    env = job["env"]
    database = urlsplit(env["REALIO_DATABASE_URL"]).hostname
    redis = urlsplit(env["REALIO_REDIS_URL"]).hostname
    assert job["services"][database]["image"] == "postgres:15"
    assert job["services"][redis]["image"] == "redis:7"
    assert "--health-cmd" in job["services"][database]["options"]
    triggers = workflow[True] if True in workflow else workflow["on"]  # YAML reads `on` as True
    assert {"push", "pull_request"} <= set(triggers)
