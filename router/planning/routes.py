"""Where fields can be fetched: locality, provides, entity entry points and key routes.

The read-only half of the planner: questions about the supergraph asked while planning, with
no effect on the fetch groups being built.
"""

from __future__ import annotations

from collections.abc import Iterable

from graphql import (
    EnumValueNode,
    GraphQLEnumType,
    GraphQLInputObjectType,
    GraphQLInputType,
    GraphQLInterfaceType,
    GraphQLList,
    GraphQLNonNull,
    GraphQLObjectType,
    GraphQLOutputType,
    ListValueNode,
    ObjectValueNode,
    ValueNode,
)

from router.planning.groups import FetchGroup
from router.planning.operation import Field, Selection, parse_field_set
from router.supergraph.model import Key, Supergraph

Path = tuple[str, ...]


class PlanningError(Exception):
    """The operation cannot be planned over this supergraph."""


def unwrap(field_type: GraphQLOutputType) -> tuple[str, int]:
    """Named type and list depth of a field type."""
    depth = 0
    current: object = field_type
    while isinstance(current, GraphQLNonNull | GraphQLList):
        if isinstance(current, GraphQLList):
            depth += 1
        current = current.of_type
    return current.name, depth  # type: ignore[attr-defined]


class RouteFinder:
    """Supergraph questions the planner asks; ``groups`` are the fetch groups planned so far."""

    sg: Supergraph
    groups: list[FetchGroup]
    _reach: dict[tuple[FetchGroup, FetchGroup], bool]
    # Progressive override labels enabled for the plan, and those the plan's choices read.
    labels: frozenset[str]
    labels_read: set[str]

    def resolvers(self, type_name: str, field_name: str) -> list[str]:
        """Subgraphs that resolve the field under the plan's override labels."""
        labels = self.sg.override_labels_of(type_name, field_name)
        if labels:
            self.labels_read |= labels
        return self.sg.resolving_graphs(type_name, field_name, self.labels)

    def applies(self, condition: str | None, type_name: str) -> bool:
        """Whether a fragment on ``condition`` applies to objects typed ``type_name``."""
        if condition is None or condition == type_name:
            return True
        sg = self.sg
        if condition not in sg.schema.type_map or type_name not in sg.schema.type_map:
            return False
        cond, target = sg.type(condition), sg.type(type_name)
        if isinstance(target, GraphQLObjectType) and sg.is_abstract(condition):
            return sg.schema.is_sub_type(cond, target)  # type: ignore[arg-type]
        if isinstance(target, GraphQLInterfaceType) and isinstance(cond, GraphQLInterfaceType):
            return cond in target.interfaces
        return False

    def collect(self, selections: Iterable[Selection], type_name: str) -> list[Field]:
        """Fields of ``selections`` that apply to ``type_name``, fragments flattened."""
        fields: list[Field] = []
        for selection in selections:
            if isinstance(selection, Field):
                fields.append(selection)
            elif self.applies(selection.type_condition, type_name):
                fields.extend(self.collect(selection.selections, type_name))
        return fields

    def field_type(self, type_name: str, field_name: str) -> GraphQLOutputType:
        parent = self.sg.type(type_name)
        fields = getattr(parent, "fields", {})
        if field_name not in fields:
            raise PlanningError(f"unknown field {type_name}.{field_name}")
        field_type: GraphQLOutputType = fields[field_name].type
        return field_type

    def child_path(self, path: Path, parent_type: str, field: Field) -> tuple[Path, str]:
        named, depth = unwrap(self.field_type(parent_type, field.name))
        return path + (field.data_key,) + ("@",) * depth, named

    def accepts(self, graph: str, type_name: str, field: Field) -> bool:
        """Whether ``graph`` knows every enum value and input field the field's literal
        arguments use (supergraphs record per-graph enum values and input fields)."""
        if not field.arguments:
            return True
        definition = getattr(self.sg.type(type_name), "fields", {}).get(field.name)
        if definition is None:
            return True
        for argument in field.arguments:
            arg_def = definition.args.get(argument.name.value)
            if arg_def is not None and not self._value_in(graph, argument.value, arg_def.type):
                return False
        return True

    def _value_in(self, graph: str, value: ValueNode, value_type: GraphQLInputType) -> bool:
        while isinstance(value_type, GraphQLNonNull):
            value_type = value_type.of_type
        if isinstance(value_type, GraphQLList):
            items = value.values if isinstance(value, ListValueNode) else (value,)
            return all(self._value_in(graph, item, value_type.of_type) for item in items)
        if isinstance(value_type, GraphQLEnumType) and isinstance(value, EnumValueNode):
            return self.sg.enum_value_in(value_type.name, value.value, graph)
        if isinstance(value_type, GraphQLInputObjectType) and isinstance(value, ObjectValueNode):
            for item in value.fields:
                name = item.name.value
                if not self.sg.input_field_in(value_type.name, name, graph):
                    return False
                field_def = value_type.fields.get(name)
                if field_def is not None and not self._value_in(graph, item.value, field_def.type):
                    return False
        return True  # variables are decided by the subgraph that receives them

    def is_local(self, graph: str, type_name: str, field_name: str) -> bool:
        """Whether ``graph`` resolves the field on objects of the type by itself."""
        if field_name == "__typename":
            return True
        if graph in self.resolvers(type_name, field_name):
            return True
        # A key field counts as local, unless @override took it away from the subgraph (which
        # keeps it only to be looked up by it): Apollo then reads it from where it moved.
        return self.sg.is_key_field(type_name, field_name, graph) and not self.sg.overridden_in(
            type_name, field_name, graph, self.labels
        )

    def provided_fields(self, provided: list[Selection] | None, type_name: str) -> dict[str, list]:
        """Field name → provided sub-selections, for fields a parent ``@provides`` here."""
        if not provided:
            return {}
        result: dict[str, list] = {}
        for field in self.collect(provided, type_name):
            result.setdefault(field.name, []).extend(field.selections or [])
        return result

    def depends(self, group: FetchGroup, on: FetchGroup) -> bool:
        """Whether ``group`` (transitively) waits for ``on``."""
        if group is on:
            return True
        cached = self._reach.get((group, on))
        if cached is None:
            cached = any(self.depends(dep, on) for dep in group.deps)
            self._reach[(group, on)] = cached
        return cached

    def has_contexts(self, graph: str, type_name: str, field_name: str) -> bool:
        fact = self.sg.field_fact(type_name, field_name, graph)
        return bool(fact and fact.context_arguments)

    def has_requires(self, graph: str, type_name: str, field_name: str) -> bool:
        fact = self.sg.field_fact(type_name, field_name, graph)
        return bool(fact and fact.requires)

    def serves(self, graph: str, type_name: str, field: Field, here: dict[str, list]) -> bool:
        """Whether ``graph`` resolves ``field`` itself in the current fetch (provided by a
        parent, or its own field without ``@requires``), whatever its sub-selection."""
        if not self.accepts(graph, type_name, field):
            return False
        if field.name in here:
            return True
        return self.is_local(graph, type_name, field.name) and not self.has_requires(
            graph, type_name, field.name
        )

    def stays_local(self, graph: str, type_name: str, field: Field, here: dict[str, list]) -> bool:
        """Whether ``graph`` fetches ``field`` in the current fetch (else: an entity jump)."""
        if not self.accepts(graph, type_name, field):
            return False
        if field.name in here:
            provided: list[Selection] | None = here[field.name]
        elif self.is_local(graph, type_name, field.name):
            if self.has_requires(graph, type_name, field.name):
                return False  # requirements come in a representation: a new fetch
            provided = None
        else:
            return False
        if field.selections is None or not self.sources(type_name, field.name):
            return True
        # A local field whose sub-selection cannot be completed from here (a value type whose
        # other fields live elsewhere) is better fetched from a subgraph that can.
        _child, named = self.child_path((), type_name, field)
        fact = self.sg.field_fact(type_name, field.name, graph)
        if fact is not None and fact.type:
            narrowed = fact.type.replace("[", "").replace("]", "").replace("!", "").strip()
            named = narrowed if narrowed in self.sg.schema.type_map else named
        if provided is None:
            provided = parse_field_set(fact.provides) if fact and fact.provides else None
        return self.feasible(graph, named, field.selections, provided)

    def feasible(
        self,
        graph: str,
        type_name: str,
        selections: list[Selection],
        provided: list[Selection] | None,
        depth: int = 0,
    ) -> bool:
        """Whether ``graph`` can serve ``selections`` here, itself or through entity jumps."""
        if depth > 20:
            return False
        if self.sg.is_abstract(type_name):
            if self.sg.is_interface_object(type_name, graph):
                return True
            return all(
                self.feasible(graph, t, list(self.collect(selections, t)), provided, depth + 1)
                for t in self.sg.possible_types(type_name, graph)
            )
        here = self.provided_fields(provided, type_name)
        return all(
            self.field_feasible(graph, type_name, field, here, depth)
            for field in self.collect(selections, type_name)
            if field.name != "__typename"
        )

    def field_feasible(
        self, graph: str, type_name: str, field: Field, here: dict[str, list], depth: int
    ) -> bool:
        """Whether the field can be served from ``graph`` locally or through a jump."""
        requires = self.has_requires(graph, type_name, field.name)
        named = ""
        if field.selections is not None:
            _child, named = self.child_path((), type_name, field)
        if field.name in here or (self.is_local(graph, type_name, field.name) and not requires):
            if field.selections is None:
                return True
            provided = here.get(field.name)
            if provided is None:
                provided = self.provides_of(graph, type_name, field.name)
            if self.feasible(graph, named, field.selections, provided, depth + 1):
                return True
        targets = self.sources(type_name, field.name)
        if not requires:
            targets.pop(graph, None)
        if not targets:
            return False
        try:
            route = self.find_route(type_name, graph, type_name, targets, (), field.name)
        except PlanningError:
            return False
        if field.selections is None:
            return True
        target = route[-1][0]
        provided = self.provides_of(target, route[-1][1], field.name)
        return self.feasible(target, named, field.selections, provided, depth + 1)

    def provides_of(self, graph: str, type_name: str, field_name: str) -> list[Selection] | None:
        """The ``@provides`` selections of a field in ``graph``, if any."""
        fact = self.sg.field_fact(type_name, field_name, graph)
        return parse_field_set(fact.provides) if fact and fact.provides else None

    def sources(self, type_name: str, field_name: str) -> dict[str, str]:
        """Graph → type to query there (the type itself, or an @interfaceObject of it)."""
        found = {graph: type_name for graph in self.resolvers(type_name, field_name)}
        for interface in self.sg.interfaces_of(type_name):
            for graph in self.resolvers(interface, field_name):
                if self.sg.is_interface_object(interface, graph) and graph not in found:
                    found[graph] = interface
        return found

    def entry_points(self, type_name: str) -> list[tuple[str, str, list[Key]]]:
        """(graph, type queried there, resolvable keys) for every way into the type."""
        entries = []
        for graph in self.sg.type_graphs(type_name):
            keys = [k for k in self.sg.keys(type_name, graph) if k.resolvable]
            if keys:
                entries.append((graph, type_name, keys))
        if isinstance(self.sg.type(type_name), GraphQLObjectType):
            for interface in self.sg.interfaces_of(type_name):
                for graph in self.sg.type_graphs(interface):
                    if self.sg.is_interface_object(interface, graph):
                        keys = [k for k in self.sg.keys(interface, graph) if k.resolvable]
                        if keys:
                            entries.append((graph, interface, keys))
        return entries

    _assembling = False

    def key_available(self, graph: str, type_name: str, key: Key) -> bool:
        return all(
            self.is_local(graph, type_name, s.name.value)  # type: ignore[attr-defined]
            for s in key.selection.selections
        )

    def find_route(
        self,
        type_name: str,
        start: str,
        start_type: str,
        targets: dict[str, str],
        path: Path,
        field_name: str = "",
    ) -> list[tuple[str, str, Key]]:
        """Shortest chain of key jumps from ``start`` to a graph in ``targets``."""
        entries = self.entry_points(type_name)
        if start in targets and (
            self.has_requires(start, targets[start], field_name)
            or self.has_contexts(start, targets[start], field_name)
        ):
            # The subgraph resolves the field but needs its @requires first, or values from a
            # context passed with each entity: jump to itself.
            for entry_graph, entry_type, keys in entries:
                if entry_graph == start and entry_type == targets[start]:
                    for key in keys:
                        if self.key_available(start, start_type, key):
                            return [(start, entry_type, key)]
        frontier: list[tuple[str, str, list[tuple[str, str, Key]]]] = [(start, start_type, [])]
        seen = {start}
        while frontier:
            reached: list[list[tuple[str, str, Key]]] = []
            next_frontier = []
            for graph, graph_type, route in frontier:
                for entry_graph, entry_type, keys in entries:
                    if entry_graph in seen:
                        continue
                    found = next(
                        (k for k in keys if self.key_available(graph, graph_type, k)), None
                    )
                    if found is None:
                        continue
                    hop = route + [(entry_graph, entry_type, found)]
                    if targets.get(entry_graph) == entry_type:
                        reached.append(hop)
                    next_frontier.append((entry_graph, entry_type, hop))
            if reached:
                # Cheapest first: a subgraph already fetched at this path (the jump then adds
                # no request), then one that needs no @requires first (no extra fetch before
                # it, a shorter sequence), then the supergraph's order (deterministic).
                def cost(route: list[tuple[str, str, Key]]) -> tuple[int, int]:
                    graph, via, _key = route[-1]
                    fetched = any(g.graph == graph and g.merge_path == path for g in self.groups)
                    return (
                        0 if fetched else 1,
                        1 if self.has_requires(graph, via, field_name) else 0,
                    )

                return min(reached, key=cost)
            seen.update(g for g, _t, _r in next_frontier)
            frontier = next_frontier
        assembled = self.assembled_route(type_name, start, start_type, targets, entries)
        if assembled is not None:
            return assembled
        raise PlanningError(
            f"no subgraph reachable from {start!r} resolves the requested {type_name} fields"
        )

    def assembled_route(
        self,
        type_name: str,
        start: str,
        start_type: str,
        targets: dict[str, str],
        entries: list[tuple[str, str, list[Key]]],
    ) -> list[tuple[str, str, Key]] | None:
        """A jump straight to a target whose key ``start`` lacks some fields of, when each
        missing field can be fetched first from a subgraph ``start`` reaches by its own keys
        (the planner then plans the key fields like any other field)."""
        if self._assembling:
            return None
        self._assembling = True
        try:
            for entry_graph, entry_type, keys in entries:
                if targets.get(entry_graph) != entry_type or entry_graph == start:
                    continue
                for key in keys:
                    if all(
                        self.key_field_reachable(type_name, start, start_type, name)
                        for name in key_field_names(key)
                    ):
                        return [(entry_graph, entry_type, key)]
            return None
        finally:
            self._assembling = False

    def key_field_reachable(self, type_name: str, start: str, start_type: str, name: str) -> bool:
        """Whether key field ``name`` is in ``start`` or one jump chain away from it."""
        if self.is_local(start, start_type, name):
            return True
        owners = {g: type_name for g in self.resolvers(type_name, name) if g != start}
        if not owners:
            return False
        try:
            self.find_route(type_name, start, start_type, owners, (), name)
        except PlanningError:
            return False
        return True


def key_field_names(key: Key) -> list[str]:
    """Top-level field names of a key."""
    return [s.name.value for s in key.selection.selections if hasattr(s, "name")]
