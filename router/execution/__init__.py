"""Execution of query plans: subgraph HTTP fetches, merging, response shaping."""

from router.execution.executor import ExecutionContext, merge, representation, run_node
from router.execution.fetcher import SubgraphFetcher, SubgraphFetchError
from router.execution.shaping import ResponseShaper

__all__ = [
    "ExecutionContext",
    "ResponseShaper",
    "SubgraphFetchError",
    "SubgraphFetcher",
    "merge",
    "representation",
    "run_node",
]
