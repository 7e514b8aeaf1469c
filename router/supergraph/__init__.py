"""Supergraph loading: the join metadata of a composed supergraph SDL."""

from router.supergraph.model import FieldInGraph, Key, Subgraph, Supergraph, TypeInfo, TypeInGraph
from router.supergraph.parser import SupergraphError, parse_supergraph

__all__ = [
    "FieldInGraph",
    "Key",
    "Subgraph",
    "Supergraph",
    "SupergraphError",
    "TypeInGraph",
    "TypeInfo",
    "parse_supergraph",
]
