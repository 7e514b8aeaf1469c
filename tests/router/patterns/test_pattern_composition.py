"""Our composer accepts every planner pattern fixture and prints what Apollo's prints.

The planner lifts limits (sub-selections spanning subgraphs, keys assembled from several
subgraphs) that our composer's satisfiability check must not reject either.
"""

from __future__ import annotations

import pytest

from router.composition import compose
from router.composition.model import SubgraphDefinition
from tests.router.patterns.kit import FIXTURES, supergraph

CASES = sorted(p.name for p in FIXTURES.iterdir() if (p / "supergraph.reference.graphql").exists())


def _subgraphs(case: str) -> list[SubgraphDefinition]:
    return [
        SubgraphDefinition(path.stem, f"http://{path.stem}.test/graphql", path.read_text())
        for path in sorted((FIXTURES / case).glob("*.graphql"))
        if not path.name.startswith("supergraph.")
    ]


@pytest.mark.parametrize("case", CASES)
def test_our_composition_equals_apollos(case: str) -> None:
    result = compose(_subgraphs(case))
    assert result.errors == []
    assert result.supergraph_sdl == supergraph(case)
