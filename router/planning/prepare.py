"""Plan a parsed operation (the entry point used by the gateway and the CLI)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from graphql import DocumentNode, FragmentDefinitionNode, OperationDefinitionNode

from router.planning.operation import normalize
from router.planning.plan import QueryPlan
from router.planning.planner import Planner
from router.supergraph.model import Supergraph


def plan_operation(
    supergraph: Supergraph,
    document: DocumentNode,
    operation: OperationDefinitionNode,
    variables: Mapping[str, Any] | None = None,
) -> QueryPlan:
    """Plan ``operation``; ``variables`` decide its ``@skip``/``@include`` conditions."""
    fragments = {
        d.name.value: d for d in document.definitions if isinstance(d, FragmentDefinitionNode)
    }
    selections = normalize(operation.selection_set, fragments, variables or {})
    definitions = {v.variable.name.value: v for v in operation.variable_definitions or ()}
    name = operation.name.value if operation.name else None
    planner = Planner(supergraph, definitions, name)
    return planner.plan(operation.operation.value, selections)
