"""Satisfiability: every field a client can reach from a root field can be resolved.

A simplified form of Apollo's check. From each subgraph's root types we walk the types that
subgraph can return. Wherever a subgraph returns an object type, every field of that type in
the supergraph must either be resolved by that subgraph, or by another subgraph it can jump
to through an ``@key`` (resolvable there, with the key fields available here), possibly over
several jumps. A field that cannot be reached that way below a value type is still resolvable
when the nearest entity (or root) above on the path can jump to a subgraph that has the same
field chain down to the field (the planner then fetches that part from there). ``@requires``
conditions and ``@provides`` shortcuts are not modelled.
"""

from __future__ import annotations

from collections import deque
from typing import TYPE_CHECKING

from graphql.language import FieldNode

from router.composition.context_paths import check_context_paths
from router.composition.fieldset import FieldSetError, parse_field_set
from router.composition.model import CompositionError
from router.composition.schema_model import Subgraph, TypeDef, named_type

if TYPE_CHECKING:
    from router.composition.merge import Merger

ROOTS = ("Query", "Mutation", "Subscription")
State = tuple[str, str]  # (type name, subgraph name)


def check_satisfiability(merger: Merger) -> list[CompositionError]:
    """One ``SATISFIABILITY_ERROR`` per (type, field) that some path cannot resolve, and per
    path state that leaves a contextual argument without its context."""
    return _Checker(merger).run() + check_context_paths(merger)


class _Checker:
    def __init__(self, merger: Merger) -> None:
        self.merger = merger
        self.subgraphs = {s.name: s for s in merger.subgraphs}
        self.paths: dict[State, list[str]] = {}
        # State → the (parent type, field) steps that reached it, in its subgraph.
        self.trails: dict[State, list[tuple[str, str]]] = {}

    def run(self) -> list[CompositionError]:
        self._walk()
        errors: list[CompositionError] = []
        reported: set[tuple[str, str]] = set()
        for (type_name, subgraph_name), path in self.paths.items():
            merged = self.merger.supergraph.types.get(type_name)
            local = self.subgraphs[subgraph_name].types.get(type_name)
            if merged is None or local is None or local.kind != "object" or type_name in ROOTS:
                continue
            for field in merged.fields:
                if "@inaccessible" in field.directives or (type_name, field.name) in reported:
                    continue
                if self._resolvable(type_name, field.name, subgraph_name):
                    continue
                if self._reachable_from_above(type_name, field.name, subgraph_name):
                    continue
                reported.add((type_name, field.name))
                errors.append(self._error(type_name, field.name, subgraph_name, path))
        return errors

    def _walk(self) -> None:
        queue: deque[State] = deque()
        for subgraph in self.merger.subgraphs:
            for root in ROOTS:
                if root in subgraph.types:
                    self.paths[(root, subgraph.name)] = []
                    self.trails[(root, subgraph.name)] = []
                    queue.append((root, subgraph.name))
        while queue:
            type_name, subgraph_name = queue.popleft()
            subgraph = self.subgraphs[subgraph_name]
            type_def = subgraph.types[type_name]
            path = self.paths[(type_name, subgraph_name)]
            for field_def in type_def.fields.values():
                if field_def.has("external"):
                    continue
                child = named_type(field_def.type)
                for possible in self._possible_types(subgraph, child):
                    state = (possible, subgraph_name)
                    if state not in self.paths:
                        self.paths[state] = [*path, field_def.name]
                        trail = self.trails[(type_name, subgraph_name)]
                        self.trails[state] = [*trail, (type_name, field_def.name)]
                        queue.append(state)

    def _possible_types(self, subgraph: Subgraph, type_name: str) -> list[str]:
        type_def = subgraph.types.get(type_name)
        if type_def is None or type_def.kind not in ("object", "interface", "union"):
            return []
        found = [type_name]
        if type_def.kind == "union":
            found += [m for m in type_def.members if m in subgraph.types]
        elif type_def.kind == "interface":
            found += [t.name for t in subgraph.types.values() if type_name in t.interfaces]
        return found

    def _resolves(self, subgraph: Subgraph, type_name: str, field_name: str) -> bool:
        field_def = subgraph.field(type_name, field_name)
        if field_def is not None and not field_def.has("external"):
            return True
        return any(
            (obj := subgraph.types[i]).is_interface_object
            and field_name in obj.fields
            and not obj.fields[field_name].has("external")
            for i in self._abstractions(type_name)
            if i in subgraph.types
        )

    def _abstractions(self, type_name: str) -> list[str]:
        merged = self.merger.supergraph.types.get(type_name)
        return list(merged.interfaces) if merged else []

    def _entity_defs(self, subgraph: Subgraph, type_name: str) -> list[TypeDef]:
        defs = [subgraph.types[type_name]] if type_name in subgraph.types else []
        defs += [subgraph.types[i] for i in self._abstractions(type_name) if i in subgraph.types]
        return defs

    def _can_jump(
        self, source: Subgraph, target: Subgraph, type_name: str, assemble: bool = True
    ) -> bool:
        """Whether ``source`` can jump to ``target`` by one of its keys on the type. Key fields
        ``source`` lacks may come from a third subgraph it jumps to first (keys assembled from
        several subgraphs)."""
        available = set(source.types[type_name].fields) if type_name in source.types else set()
        if assemble:
            for third in self.merger.subgraphs:
                if third.name in (source.name, target.name) or type_name not in third.types:
                    continue
                if self._can_jump(source, third, type_name, assemble=False):
                    available |= {
                        name
                        for name, field_def in third.types[type_name].fields.items()
                        if not field_def.has("external")
                    }
        for type_def in self._entity_defs(target, type_name):
            for key in type_def.keys:
                if not key.arg_bool("resolvable", True):
                    continue
                try:
                    selection = parse_field_set(key.arg_str("fields") or "")
                except FieldSetError:
                    continue
                names = {s.name.value for s in selection.selections if isinstance(s, FieldNode)}
                if names <= available:
                    return True
        return False

    def _resolvable(self, type_name: str, field_name: str, start: str) -> bool:
        seen = {start}
        queue = deque([start])
        while queue:
            current = self.subgraphs[queue.popleft()]
            if self._resolves(current, type_name, field_name):
                return True
            for other in self.merger.subgraphs:
                if other.name not in seen and self._can_jump(current, other, type_name):
                    seen.add(other.name)
                    queue.append(other.name)
        return False

    def _reachable_from_above(self, type_name: str, field_name: str, start: str) -> bool:
        """Whether an object above ``type_name`` on its path (the root, or an entity that
        ``start`` can jump from) leads, in another subgraph, through the same fields to
        ``type_name`` and a subgraph that resolves ``field_name``."""
        trail = self.trails.get((type_name, start), [])
        source = self.subgraphs[start]
        for index in range(len(trail) - 1, -1, -1):
            anchor = trail[index][0]
            for other in self.merger.subgraphs:
                if other.name == start or anchor not in other.types:
                    continue
                if anchor not in ROOTS and not self._can_jump(source, other, anchor):
                    continue
                if self._follows(other, trail[index:], type_name) and self._resolvable(
                    type_name, field_name, other.name
                ):
                    return True
        return False

    def _follows(self, subgraph: Subgraph, steps: list[tuple[str, str]], end: str) -> bool:
        """Whether ``subgraph`` resolves each (type, field) step, arriving at type ``end``."""
        for position, (parent, name) in enumerate(steps):
            field_def = subgraph.field(parent, name)
            if field_def is None or field_def.has("external"):
                return False
            following = steps[position + 1][0] if position + 1 < len(steps) else end
            if following not in self._possible_types(subgraph, named_type(field_def.type)):
                return False
        return True

    def _error(
        self, type_name: str, field_name: str, subgraph_name: str, path: list[str]
    ) -> CompositionError:
        owners = [s.name for s in self.merger.subgraphs if self._resolves(s, type_name, field_name)]
        lines = ["{"]
        for depth, step in enumerate([*path, field_name]):
            indent = "  " * (depth + 1)
            lines.append(f"{indent}{step}" + (" {" if depth < len(path) else ""))
        for depth in range(len(path), 0, -1):
            lines.append("  " * depth + "}")
        lines.append("}")
        reasons = [f'  - cannot find field "{type_name}.{field_name}".']
        for owner in owners:
            reasons.append(
                f'  - cannot move to subgraph "{owner}", which has field '
                f'"{type_name}.{field_name}", '
                f'because type "{type_name}" has no @key defined in subgraph "{owner}" that '
                f'subgraph "{subgraph_name}" can provide.'
            )
        message = (
            "The following supergraph API query:\n"
            + "\n".join(lines)
            + "\ncannot be satisfied by the subgraphs because:\n"
            + f'- from subgraph "{subgraph_name}":\n'
            + "\n".join(reasons)
        )
        return CompositionError(
            "SATISFIABILITY_ERROR", message, tuple([subgraph_name, *owners]), type_name, field_name
        )
