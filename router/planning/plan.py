"""Query plan nodes in Apollo's shape (Sequence, Parallel, Flatten, Fetch): printable, JSON-able."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

from router.planning.operation import Selection
from router.planning.selection import SubSelection


@dataclass(frozen=True)
class ContextRead:
    """How one contextual argument (``@fromContext``) of an entity fetch gets its value.

    For each entity, the value is read in the ancestor object ``levels_up`` object levels
    above it (0: the entity itself), following the data keys ``path`` (lists are mapped), and
    sent as variable ``variable`` of GraphQL type ``type``. An ancestor whose ``__typename`` is
    not ``ancestor_type`` does not set the context: the entity is left to another fetch.
    """

    variable: str
    type: str
    levels_up: int
    ancestor_type: str
    path: tuple[str, ...]


@dataclass(eq=False)
class FetchNode:
    """One request to one subgraph: a root operation or an ``_entities`` lookup."""

    id: int
    service: str
    operation: str
    operation_kind: str
    variable_usages: tuple[str, ...]
    selection: SubSelection
    # Entity fetches: how representations are built from the data at the merge path.
    requires: SubSelection | None = None
    input_rewrites: dict[str, str] = field(default_factory=dict)
    input_types: dict[str, str] = field(default_factory=dict)
    merge_path: tuple[str, ...] = ()
    # Contextual arguments: entities are partitioned by their values (one ``_entities`` each).
    contexts: tuple[ContextRead, ...] = ()
    # For contextual fetches: the operation's name part and the client's variable definitions.
    operation_name: str = ""
    client_definitions: tuple[str, ...] = ()
    _partitioned: dict[int, str] = field(default_factory=dict, repr=False)

    def partitioned(self, count: int) -> str:
        """The operation for ``count`` partitions of the entities: ``_0: _entities(...)`` and
        so on, representations ``$representations_<i>``, each contextual variable ``$<v>_<i>``
        (one request either way; Apollo's router sends contextual arguments the same way)."""
        text = self._partitioned.get(count)
        if text is None:
            pattern = re.compile(
                r"\$(" + "|".join(re.escape(c.variable) for c in self.contexts) + r")(?!\w)"
            )
            selection = self.selection.compact()
            definitions = [f"$representations_{i}:[_Any!]!" for i in range(count)]
            definitions += [
                f"${c.variable}_{i}:{c.type}" for i in range(count) for c in self.contexts
            ]
            definitions += self.client_definitions
            fields = [
                f"_{i}:_entities(representations:$representations_{i})"
                + pattern.sub(rf"$\g<1>_{i}", selection)
                for i in range(count)
            ]
            text = f"query{self.operation_name}({','.join(definitions)}){{{' '.join(fields)}}}"
            self._partitioned[count] = text
        return text

    def lines(self, indent: int) -> list[str]:
        pad = "  " * indent
        lines = [f'{pad}Fetch(service: "{self.service}") {{']
        if self.requires is not None:
            lines.extend(self.requires.pretty(indent + 1))
            lines[-1] += " =>"
            lines.extend(self.selection.pretty(indent + 1))
        else:
            lines.extend(self.selection.pretty(indent + 1))
        lines.append(pad + "},")
        return lines

    def to_json(self) -> dict[str, Any]:
        result: dict[str, Any] = {
            "kind": "Fetch",
            "serviceName": self.service,
            "operation": self.operation,
            "operationKind": self.operation_kind,
            "variableUsages": list(self.variable_usages),
        }
        if self.requires is not None:
            result["requires"] = self.requires.to_json()
            if self.contexts:
                result["contextRewrites"] = [
                    {
                        "kind": "KeyRenamer",
                        "path": [".."] * c.levels_up + [f"... on {c.ancestor_type}", *c.path],
                        "renameKeyTo": c.variable,
                    }
                    for c in self.contexts
                ]
            if self.input_rewrites:
                result["inputRewrites"] = [
                    {"kind": "ValueSetter", "path": [f"... on {k}", "__typename"], "setValueTo": v}
                    for k, v in self.input_rewrites.items()
                ]
        return result


@dataclass(eq=False)
class FlattenNode:
    """Run ``node`` for every object at ``path`` ("@" walks into lists)."""

    path: tuple[str, ...]
    node: FetchNode

    def lines(self, indent: int) -> list[str]:
        pad = "  " * indent
        path = ".".join(self.path)
        return [f'{pad}Flatten(path: "{path}") {{', *self.node.lines(indent + 1), pad + "},"]

    def to_json(self) -> dict[str, Any]:
        return {"kind": "Flatten", "path": list(self.path), "node": self.node.to_json()}

    @cached_property
    def as_batch(self) -> EntityBatch:
        """This fetch as a batch of one (the executor runs every entity fetch as a batch)."""
        slot = EntitySlot("_entities", "representations", [self], self.node.selection)
        return EntityBatch(
            self.node.service, self.node.operation, self.node.variable_usages, [slot]
        )


@dataclass(eq=False)
class EntitySlot:
    """One ``_entities`` selection of a batched request and the flattens it serves.

    Parts share a slot when their representations are built alike (same ``requires``) and their
    selections merge without conflict; their representations are then deduplicated together.
    ``project``: the parts' selections differ, so each part keeps only what it selected.
    """

    field: str  # response key of the ``_entities`` field in the request
    variable: str  # name of its representations variable
    parts: list[FlattenNode]
    selection: SubSelection
    project: bool = False


@dataclass(eq=False)
class EntityBatch:
    """Every entity fetch of one plan step to one subgraph, sent as one request."""

    service: str
    operation: str
    variable_usages: tuple[str, ...]
    slots: list[EntitySlot]

    @property
    def parts(self) -> list[FlattenNode]:
        """The batched flattens, in plan order."""
        return [part for slot in self.slots for part in slot.parts]

    def lines(self, indent: int) -> list[str]:
        pad = "  " * indent
        inner = [line for part in self.parts for line in part.lines(indent + 1)]
        head = f'{pad}Batch(service: "{self.service}", entitySelections: {len(self.slots)}) {{'
        return [head, *inner, pad + "},"]

    def to_json(self) -> dict[str, Any]:
        return {
            "kind": "Batch",
            "serviceName": self.service,
            "operation": self.operation,
            "variableUsages": list(self.variable_usages),
            "nodes": [part.to_json() for part in self.parts],
        }


@dataclass(eq=False)
class SequenceNode:
    """Children one after another."""

    nodes: list[PlanNode]

    def lines(self, indent: int) -> list[str]:
        pad = "  " * indent
        inner = [line for node in self.nodes for line in node.lines(indent + 1)]
        return [pad + "Sequence {", *inner, pad + "},"]

    def to_json(self) -> dict[str, Any]:
        return {"kind": "Sequence", "nodes": [n.to_json() for n in self.nodes]}


@dataclass(eq=False)
class ParallelNode:
    """Children concurrently."""

    nodes: list[PlanNode]

    def lines(self, indent: int) -> list[str]:
        pad = "  " * indent
        inner = [line for node in self.nodes for line in node.lines(indent + 1)]
        return [pad + "Parallel {", *inner, pad + "},"]

    def to_json(self) -> dict[str, Any]:
        return {"kind": "Parallel", "nodes": [n.to_json() for n in self.nodes]}


PlanNode = FetchNode | FlattenNode | EntityBatch | SequenceNode | ParallelNode


@dataclass(eq=False)
class QueryPlan:
    """A plan plus what the executor needs to shape the client's response."""

    operation_kind: str
    root_type: str
    node: PlanNode | None
    selections: list[Selection]
    has_introspection: bool = False
    # Progressive override: the labels whose state decided the plan's choices (read) and
    # which of them were enabled; the plan serves every request that agrees on those.
    labels_read: frozenset[str] = frozenset()
    labels_enabled: frozenset[str] = frozenset()
    # Caches of the response shaper, filled lazily: (id(selections), type) → grouped fields.
    shape_cache: dict[Any, Any] = field(default_factory=dict, repr=False)

    @property
    def fetch_nodes(self) -> list[FetchNode]:
        """Every fetch in the plan, in plan order."""
        found: list[FetchNode] = []

        def walk(node: PlanNode | None) -> None:
            if isinstance(node, FetchNode):
                found.append(node)
            elif isinstance(node, FlattenNode):
                walk(node.node)
            elif isinstance(node, EntityBatch):
                for part in node.parts:
                    walk(part.node)
            elif isinstance(node, SequenceNode | ParallelNode):
                for child in node.nodes:
                    walk(child)

        walk(self.node)
        return found

    def __str__(self) -> str:
        if self.node is None:
            return "QueryPlan {\n}"
        lines = self.node.lines(1)
        lines[-1] = lines[-1].rstrip(",")
        return "\n".join(["QueryPlan {", *lines, "}"])

    def to_json(self) -> dict[str, Any]:
        """Apollo-like JSON (``{"kind": "QueryPlan", "node": ...}``)."""
        return {"kind": "QueryPlan", "node": self.node.to_json() if self.node else None}
