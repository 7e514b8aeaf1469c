"""Satisfiability of contextual arguments: every path to a field with ``@fromContext``
arguments passes an object that sets the context.

As Apollo's query planner matches contexts, an object sets a context that is set on its type,
on an interface it implements or on a union it belongs to, and the object holding the field
does not count (the context comes from above it). The walk follows the supergraph's types from
the roots, remembering which of the contexts that matter are set along the way: one error per
(type, contexts set) state from which such a field cannot get its value from any subgraph.
"""

from __future__ import annotations

from collections import deque
from typing import TYPE_CHECKING

from router.composition.contexts import context_arguments
from router.composition.model import CompositionError

if TYPE_CHECKING:
    from router.composition.merge import Merger

ROOTS = ("Query", "Mutation", "Subscription")
# (type, contexts set above it); a path is its steps: field names and "... on T".
State = tuple[str, frozenset[str]]


def check_context_paths(merger: Merger) -> list[CompositionError]:
    """``SATISFIABILITY_ERROR`` for fields whose contexts some path never sets."""
    return _Walk(merger).run()


class _Walk:
    def __init__(self, merger: Merger) -> None:
        self.merger = merger
        self.types = merger.supergraph.types
        # (type, field) → per subgraph resolving it: the contexts it needs (empty: none).
        self.needs: dict[tuple[str, str], dict[str, frozenset[str]]] = {}
        self.set_by: dict[str, set[str]] = {}
        for subgraph in merger.subgraphs:
            for type_def in subgraph.types.values():
                for directive in type_def.all("context"):
                    name = f"{subgraph.name}__{directive.arg_str('name')}"
                    for holder in self._objects(type_def.name) | {type_def.name}:
                        self.set_by.setdefault(holder, set()).add(name)
                for field_def in type_def.fields.values():
                    if field_def.has("external"):
                        continue
                    contexts = frozenset(
                        f"{subgraph.name}__{a.context}" for a in context_arguments(field_def)
                    )
                    key = (type_def.name, field_def.name)
                    self.needs.setdefault(key, {})[subgraph.name] = contexts
        self.relevant = frozenset(
            c for per in self.needs.values() for cs in per.values() for c in cs
        )

    def _objects(self, type_name: str) -> set[str]:
        """Object types of an abstract type (empty for an object type)."""
        merged = self.types.get(type_name)
        if merged is None:
            return set()
        if merged.kind == "union":
            return set(merged.members)
        if merged.kind == "interface":
            return {t.name for t in self.types.values() if type_name in t.interfaces}
        return set()

    def run(self) -> list[CompositionError]:
        if not self.relevant:
            return []
        paths: dict[State, list[str]] = {}
        queue: deque[State] = deque()
        for root in ROOTS:
            if root in self.types:
                paths[(root, frozenset())] = []
                queue.append((root, frozenset()))
        errors: list[CompositionError] = []
        while queue:
            state = queue.popleft()
            type_name, available = state
            merged = self.types[type_name]
            path = paths[state]
            if merged.kind in ("interface", "union"):
                for possible in sorted(self._objects(type_name)):
                    self._visit((possible, available), [*path, f"... on {possible}"], paths, queue)
                continue
            below = available | (self.set_by.get(type_name, set()) & self.relevant)
            for field in merged.fields:
                if "@inaccessible" in field.directives:
                    continue
                error = self._check(type_name, field.name, available, path)
                if error is not None:
                    errors.append(error)
                    continue
                child = named_type_of(field.type)
                if child in self.types and self.types[child].kind in (
                    "object",
                    "interface",
                    "union",
                ):
                    self._visit((child, frozenset(below)), [*path, field.name], paths, queue)
        return errors

    @staticmethod
    def _visit(
        state: State, path: list[str], paths: dict[State, list[str]], queue: deque[State]
    ) -> None:
        if state not in paths:
            paths[state] = path
            queue.append(state)

    def _check(
        self, type_name: str, field_name: str, available: frozenset[str], path: list[str]
    ) -> CompositionError | None:
        per_subgraph = self.needs.get((type_name, field_name), {})
        if not any(per_subgraph.values()):
            return None
        if any(contexts <= available for contexts in per_subgraph.values()):
            return None
        reasons = []
        for subgraph in self.merger.subgraphs:
            if type_name not in subgraph.types:
                continue
            if subgraph.name in per_subgraph:
                reasons.append(
                    f'- from subgraph "{subgraph.name}": could not find a match for required '
                    f'context for field "{type_name}.{field_name}".'
                )
            else:
                reasons.append(
                    f'- from subgraph "{subgraph.name}": cannot find field '
                    f'"{type_name}.{field_name}".'
                )
        message = (
            "The following supergraph API query:\n"
            + _query([*path, field_name])
            + "\ncannot be satisfied by the subgraphs because:\n"
            + "\n".join(reasons)
        )
        return CompositionError(
            "SATISFIABILITY_ERROR", message, tuple(per_subgraph), type_name, field_name
        )


def named_type_of(printed: str) -> str:
    """``[Product!]!`` → ``Product``."""
    return printed.replace("[", "").replace("]", "").replace("!", "")


def _query(steps: list[str]) -> str:
    lines = ["{"]
    for depth, step in enumerate(steps):
        indent = "  " * (depth + 1)
        lines.append(f"{indent}{step}" + (" {" if depth < len(steps) - 1 else ""))
    for depth in range(len(steps) - 1, 0, -1):
        lines.append("  " * depth + "}")
    lines.append("}")
    return "\n".join(lines)
