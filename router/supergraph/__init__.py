"""Supergraph loading: the join metadata of a composed supergraph SDL."""

from router.supergraph.model import (
    ContextArgument,
    FieldInGraph,
    Key,
    Subgraph,
    Supergraph,
    TypeInfo,
    TypeInGraph,
)
from router.supergraph.parser import SupergraphError, parse_supergraph

__all__ = [
    "ContextArgument",
    "FieldInGraph",
    "Key",
    "Subgraph",
    "Supergraph",
    "SupergraphError",
    "TypeInGraph",
    "TypeInfo",
    "parse_supergraph",
]
