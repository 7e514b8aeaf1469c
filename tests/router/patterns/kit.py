"""Planner pattern fixtures: Apollo-composed supergraphs over subgraphs written for the test.

Each directory of ``fixtures/`` is one federation pattern: the subgraph SDLs
(``<subgraph>.graphql``) and ``supergraph.reference.graphql``, composed from them by Apollo's
composition (``FIXTURES_DIR=tests/router/patterns/fixtures node compose.mjs`` in
tools/compose-reference). The tests serve the SDLs with ``subgraph_kit`` on loopback, run
queries through the real gateway and check the response and the number of fetches.
"""

from __future__ import annotations

from pathlib import Path

from graphql import OperationDefinitionNode, parse

from router.planning.plan import QueryPlan
from router.planning.prepare import plan_operation
from router.supergraph import parse_supergraph

FIXTURES = Path(__file__).resolve().parent / "fixtures"


def sdl(case: str, subgraph: str) -> str:
    """A subgraph SDL of a pattern fixture."""
    return (FIXTURES / case / f"{subgraph}.graphql").read_text()


def supergraph(case: str) -> str:
    """The supergraph Apollo composed for a pattern fixture."""
    return (FIXTURES / case / "supergraph.reference.graphql").read_text()


def plan(case: str, query: str) -> QueryPlan:
    """The query plan of ``query`` over the fixture's supergraph."""
    document = parse(query)
    operation = document.definitions[0]
    assert isinstance(operation, OperationDefinitionNode)
    return plan_operation(parse_supergraph(supergraph(case)), document, operation)


def fetches(query_plan: QueryPlan) -> list[tuple[str, str]]:
    """(service, merge path) of every fetch, in plan order."""
    return [(f.service, ".".join(f.merge_path)) for f in query_plan.fetch_nodes]
