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
    labels: frozenset[str] = frozenset(),
) -> QueryPlan:
    """Plan ``operation``; ``variables`` decide its ``@skip``/``@include`` conditions and
    ``labels`` are the progressive override labels enabled (the rest are disabled)."""
    fragments = {
        d.name.value: d for d in document.definitions if isinstance(d, FragmentDefinitionNode)
    }
    selections = normalize(operation.selection_set, fragments, variables or {})
    definitions = {v.variable.name.value: v for v in operation.variable_definitions or ()}
    name = operation.name.value if operation.name else None
    planner = Planner(supergraph, definitions, name, labels)
    plan = planner.plan(operation.operation.value, selections)
    plan.labels_read = frozenset(planner.labels_read)
    plan.labels_enabled = labels & plan.labels_read
    return plan
