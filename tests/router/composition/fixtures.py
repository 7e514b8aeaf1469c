"""Loading the shared federation fixtures (tests/router/fixtures/<case>/)."""

from __future__ import annotations

import json
from pathlib import Path

from router.composition import SubgraphDefinition

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"
GENERATED = {"supergraph.reference.graphql", "supergraph.guild.graphql"}


def case_names(kind: str) -> list[str]:
    """Cases with an Apollo supergraph (``ok``) or with Apollo errors (``error``)."""
    marker = "supergraph.reference.graphql" if kind == "ok" else "errors.reference.json"
    return sorted(p.parent.name for p in FIXTURES.glob(f"*/{marker}"))


def subgraphs(case: str) -> list[SubgraphDefinition]:
    """The case's subgraphs with the fixture URL convention (``http://<name>.test/graphql``)."""
    directory = FIXTURES / case
    urls_file = directory / "urls.json"
    urls = json.loads(urls_file.read_text()) if urls_file.exists() else {}
    return [
        SubgraphDefinition(
            name=path.stem,
            routing_url=urls.get(path.stem, f"http://{path.stem}.test/graphql"),
            sdl=path.read_text(),
        )
        for path in sorted(directory.glob("*.graphql"))
        if path.name not in GENERATED
    ]


def reference_supergraph(case: str) -> str:
    return (FIXTURES / case / "supergraph.reference.graphql").read_text()


def reference_errors(case: str) -> list[dict[str, str]]:
    return json.loads((FIXTURES / case / "errors.reference.json").read_text())
