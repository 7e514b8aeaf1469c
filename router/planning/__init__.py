"""Query planning over a supergraph."""

from router.planning.operation import Field, Fragment, Selection, condition_variables, normalize
from router.planning.plan import (
    FetchNode,
    FlattenNode,
    ParallelNode,
    PlanNode,
    QueryPlan,
    SequenceNode,
)
from router.planning.planner import Planner, PlanningError

__all__ = [
    "FetchNode",
    "Field",
    "FlattenNode",
    "Fragment",
    "ParallelNode",
    "PlanNode",
    "Planner",
    "PlanningError",
    "QueryPlan",
    "Selection",
    "SequenceNode",
    "condition_variables",
    "normalize",
]
