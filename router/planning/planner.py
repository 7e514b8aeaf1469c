"""The query planner: decides which subgraph fetches each field and in which order.

Depth-first over the client's selections, starting in the root subgraph whose whole plan for
the field is cheapest (fewest fetches, then the shortest sequence). A field the current
subgraph resolves (itself, as a key, or because a parent ``@provides`` it; never where it is
``@external``) stays in the current fetch, its sub-selection planned against the type that
subgraph declares. Any other field makes an *entity jump*: the current fetch also selects
``__typename`` and a key, and a dependent ``_entities`` fetch to a subgraph that resolves the
field is added at that response path (through intermediate subgraphs when no subgraph that
resolves it accepts a key the current one has; key fields the current subgraph lacks are
fetched first). Among the targets, one that serves the field's whole sub-selection wins, then
the cheapest. What no subgraph can serve from a value type comes back up as a *continuation*
of the field, which the nearest entity above fetches through a jump (at the root: another root
subgraph, under the same response key); what nothing can serve is a :class:`PlanningError`.
``@requires`` fields are planned first and become part of the representations (fragments on
abstract types expanded to their object types). Fetches to the same subgraph at the same path
are merged unless that would create a cycle or put two values of one field in a
representation.
"""

from __future__ import annotations

from typing import Any

from graphql import GraphQLUnionType, VariableDefinitionNode
from graphql.language import ArgumentNode, NameNode, VariableNode

from router.planning.groups import FetchGroup, assemble
from router.planning.operation import (
    Field,
    Fragment,
    Selection,
    copy_selections,
    parse_field_set,
    parse_selection,
    variables_in,
)
from router.planning.plan import ContextRead, PlanNode, QueryPlan, SequenceNode
from router.planning.routes import Path, PlanningError, RouteFinder, unwrap
from router.planning.selection import SubSelection
from router.supergraph.model import ContextArgument, Key, Supergraph

__all__ = ["Planner", "PlanningError", "unwrap"]

INTROSPECTION_FIELDS = ("__schema", "__type")


class Planner(RouteFinder):
    """Plans one operation (one instance per plan; not thread-safe, not reused)."""

    def __init__(
        self,
        supergraph: Supergraph,
        variable_definitions: dict[str, VariableDefinitionNode] | None = None,
        operation_name: str | None = None,
        labels: frozenset[str] = frozenset(),
    ) -> None:
        self.sg = supergraph
        self.variable_definitions = variable_definitions or {}
        self.operation_name = operation_name
        self.labels = labels
        self.labels_read: set[str] = set()
        # Objects being planned, outermost first: (path, type, group, node). Contextual
        # arguments read their values in one of them.
        self.ancestors: list[tuple[Path, str, FetchGroup, SubSelection]] = []
        self.groups: list[FetchGroup] = []
        # path → data key → (signature, per-subgraph types) of the field stored there
        self.keys_at: dict[Path, dict[str, tuple[tuple[str, str], tuple]]] = {}
        self._reach: dict[tuple[FetchGroup, FetchGroup], bool] = {}

    # ----------------------------------------------------------------- helpers

    def new_group(self, graph: str, merge_path: Path | None, kind: str = "query") -> FetchGroup:
        group = FetchGroup(len(self.groups), graph, merge_path, kind)
        self.groups.append(group)
        return group

    # ------------------------------------------------------------ data keys

    def register_client(self, type_name: str, path: Path, selections: list[Selection]) -> None:
        """Give every client field a data key (its response key unless it would collide)."""
        registry = self.keys_at.setdefault(path, {})
        for selection in selections:
            if isinstance(selection, Fragment):
                condition = selection.type_condition or type_name
                self.register_client(condition, path, selection.selections)
                continue
            if selection.name.startswith("__"):
                continue
            # Same response key under different type conditions with types that differ in a
            # subgraph (String vs String!) cannot share a subgraph selection: alias it.
            entry = (selection.signature, self.type_signature(type_name, selection.name))
            existing = registry.get(selection.response_key)
            if existing is not None and existing != entry:
                selection.data_key = self._fresh_key(registry, selection.name)
            registry[selection.data_key] = entry
            if selection.selections is not None:
                child, named = self.child_path(path, type_name, selection)
                self.register_client(named, child, selection.selections)

    def type_signature(self, type_name: str, field_name: str) -> tuple:
        """The field's type as each subgraph declares it."""
        if self.sg.is_abstract(type_name) and isinstance(self.sg.type(type_name), GraphQLUnionType):
            return ()
        default = str(self.field_type(type_name, field_name))
        return tuple(
            (fact.graph, fact.type or default)
            for fact in self.sg.field_facts(type_name, field_name)
        )

    @staticmethod
    def _fresh_key(registry: dict[str, Any], name: str) -> str:
        index = 0
        key = name
        while key in registry:
            index += 1
            key = f"_{name}{index}"
        return key

    def internal(self, type_name: str, path: Path, selections: list[Selection]) -> list[Selection]:
        """Copies of field-set selections with data keys that reuse or avoid client keys."""
        copies = copy_selections(selections)
        self._assign_internal(type_name, path, copies)
        return copies

    def _assign_internal(self, type_name: str, path: Path, selections: list[Selection]) -> None:
        registry = self.keys_at.setdefault(path, {})
        for selection in selections:
            if isinstance(selection, Fragment):
                condition = selection.type_condition or type_name
                self._assign_internal(condition, path, selection.selections)
                continue
            if selection.name == "__typename":
                continue
            key = next((k for k, sig in registry.items() if sig[0] == selection.signature), None)
            if key is None:
                key = self._fresh_key(registry, selection.name)
                registry[key] = (selection.signature, ())
            selection.data_key = key
            if selection.selections is not None:
                child, named = self.child_path(path, type_name, selection)
                self._assign_internal(named, child, selection.selections)

    # ------------------------------------------------------------- planning

    def plan(self, operation_kind: str, selections: list[Selection]) -> QueryPlan:
        """Plan an operation's (normalised) root selections."""
        root_type = self.sg.root_types.get(operation_kind)
        if root_type is None:
            raise PlanningError(f"the supergraph has no {operation_kind} type")
        self.register_client(root_type, (), selections)
        fields = self.collect(selections, root_type)
        introspection = any(f.name in INTROSPECTION_FIELDS for f in fields)
        fields = [f for f in fields if not f.name.startswith("__")]
        if operation_kind == "mutation":
            node = self._plan_serial(root_type, fields)
        else:
            roots: dict[str, FetchGroup] = {}
            for field in fields:
                self.plan_root_field(roots, root_type, field, operation_kind)
            node = self._assemble(self.groups)
        return QueryPlan(operation_kind, root_type, node, selections, introspection)

    def plan_root_field(
        self,
        roots: dict[str, FetchGroup],
        root_type: str,
        field: Field,
        kind: str,
        tried: frozenset[str] = frozenset(),
        graph: str | None = None,
    ) -> None:
        """Plan one root field (query, subscription) in the cheapest root subgraph.

        What that subgraph cannot serve of the field's sub-selection, and no entity below can
        reach, comes back as a continuation of the field, fetched from another root subgraph
        (the root type is the entity above every field) and merged at the same response key.
        """
        if graph is None:
            graph = self.choose_root_graph(root_type, field, roots, tried, kind)
        group = roots.get(graph) or roots.setdefault(graph, self.new_group(graph, None, kind))
        # A subscription's event comes from one subgraph: no continuation at the root.
        rest: list[Field] | None = [] if kind == "query" else None
        self.add_local(group, group.selection, root_type, (), field, None, rest)
        for continuation in rest or ():
            self.plan_root_field(roots, root_type, continuation, kind, tried | {graph})

    def _plan_serial(self, root_type: str, fields: list[Field]) -> PlanNode | None:
        """Mutations: root fields in order; adjacent fields of one subgraph share a fetch."""
        stages = []
        current: FetchGroup | None = None
        start = 0
        for field in fields:
            graph = self.choose_root_graph(
                root_type, field, {current.graph: current} if current else {}, kind="mutation"
            )
            if current is None or current.graph != graph:
                if current is not None:
                    stages.append(self.groups[start:])
                start = len(self.groups)
                current = self.new_group(graph, None, "mutation")
            self.add_local(current, current.selection, root_type, (), field, None)
        if current is not None:
            stages.append(self.groups[start:])
        nodes = [n for groups in stages if (n := self._assemble(groups)) is not None]
        if not nodes:
            return None
        return nodes[0] if len(nodes) == 1 else SequenceNode(nodes)

    def _assemble(self, groups: list[FetchGroup]) -> PlanNode | None:
        for group in groups:
            for condition in group.inputs.fragments:
                if self.sg.is_abstract(condition):
                    for possible in self.sg.possible_types(condition):
                        group.input_types.setdefault(possible, condition)
        return assemble(groups, self.operation_name, self.variable_definitions)

    def choose_root_graph(
        self,
        root_type: str,
        field: Field,
        chosen: dict[str, FetchGroup],
        tried: frozenset[str] = frozenset(),
        kind: str = "query",
    ) -> str:
        """The subgraph for a root field: the one whose plan is cheapest (fewest fetches, then
        the shortest sequence, then a subgraph already fetched, then the supergraph's order)."""
        candidates = [g for g in self.resolvers(root_type, field.name) if g not in tried]
        if not candidates:
            if tried:
                raise PlanningError(f"no subgraph can resolve {root_type}.{field.name} as selected")
            raise PlanningError(f"no subgraph resolves {root_type}.{field.name}")
        candidates = [g for g in candidates if self.accepts(g, root_type, field)]
        if not candidates:
            raise PlanningError(
                f"no subgraph accepts the arguments given to {root_type}.{field.name}"
            )
        if len(candidates) == 1:
            return candidates[0]
        best: tuple[int, int, int, int] | None = None
        best_graph = candidates[0]
        for order, graph in enumerate(candidates):
            trial = Planner(self.sg, self.variable_definitions, self.operation_name, self.labels)
            trial.keys_at = {path: dict(keys) for path, keys in self.keys_at.items()}
            try:
                roots = {g: trial.new_group(g, None) for g in chosen}
                existing = set(roots.values())
                trial.plan_root_field(roots, root_type, field, kind, tried, graph)
                cost = sum(
                    1 for g in trial.groups if g not in existing and not g.selection.is_empty()
                )
                depth = trial.depth()
            except PlanningError:
                continue
            finally:
                self.labels_read |= trial.labels_read
            score = (cost, depth, 0 if graph in chosen else 1, order)
            if best is None or score < best:
                best, best_graph = score, graph
        if best is None:
            raise PlanningError(f"no subgraph can resolve {root_type}.{field.name} as selected")
        return best_graph

    def depth(self) -> int:
        """Length of the longest chain of dependent fetches planned so far."""
        levels: dict[FetchGroup, int] = {}

        def level(group: FetchGroup) -> int:
            if group not in levels:
                levels[group] = 1 + max((level(d) for d in group.deps), default=0)
            return levels[group]

        return max((level(g) for g in self.groups if not g.selection.is_empty()), default=0)

    def plan_at(
        self,
        group: FetchGroup,
        node: SubSelection,
        type_name: str,
        path: Path,
        selections: list[Selection],
        provided: list[Selection] | None,
        rest: list[Field] | None = None,
    ) -> set[FetchGroup]:
        """Plan ``selections`` on objects of ``type_name`` that ``group`` fetches at ``path``.

        Returns the groups that fetch any of them. Fields that neither ``group``'s subgraph nor
        an entity jump from here can serve go to ``rest`` (for the nearest entity above to
        fetch), or raise :class:`PlanningError` when ``rest`` is None.
        """
        if not self.sg.is_abstract(type_name):
            return self.plan_object(
                group, node, type_name, path, self.collect(selections, type_name), provided, rest
            )
        if self.sg.is_interface_object(type_name, group.graph):
            return self.plan_interface_object(group, node, type_name, path, selections, provided)
        node.add_typename()
        used: set[FetchGroup] = {group}
        possible_types = self.sg.possible_types(type_name, group.graph)
        if not possible_types:
            return self.plan_without_objects(group, node, type_name, path, selections)
        for possible in possible_types:
            fields = self.collect(selections, possible)
            if any(f.name != "__typename" for f in fields):
                used |= self.plan_object(
                    group, node.fragment(possible), possible, path, fields, provided, rest
                )
        return used

    def plan_without_objects(
        self,
        group: FetchGroup,
        node: SubSelection,
        type_name: str,
        path: Path,
        selections: list[Selection],
    ) -> set[FetchGroup]:
        """An abstract type that no object type of ``group``'s subgraph implements: only the
        fields the subgraph declares on the interface itself can be asked (its objects, if it
        returns any, are unknown to the plan); anything else is a planning error, never a
        field quietly left out."""
        used: set[FetchGroup] = {group}
        for field in self.collect(selections, type_name):
            if field.name == "__typename":
                continue
            fact = self.sg.field_fact(type_name, field.name, group.graph)
            if isinstance(self.sg.type(type_name), GraphQLUnionType) or fact is None:
                raise PlanningError(
                    f"no object type of {type_name} in subgraph {group.graph!r} resolves "
                    f"{type_name}.{field.name}"
                )
            used |= self.add_local(group, node, type_name, path, field, None)
        for selection in selections:
            if isinstance(selection, Fragment) and selection.type_condition not in (
                None,
                type_name,
            ):
                if self.collect(selection.selections, selection.type_condition):
                    raise PlanningError(
                        f"subgraph {group.graph!r} has no {selection.type_condition} "
                        f"object for {type_name} at {'.'.join(path)}"
                    )
        return used

    def plan_object(
        self,
        group: FetchGroup,
        node: SubSelection,
        type_name: str,
        path: Path,
        fields: list[Field],
        provided: list[Selection] | None,
        rest: list[Field] | None = None,
    ) -> set[FetchGroup]:
        self.ancestors.append((path, type_name, group, node))
        try:
            used: set[FetchGroup] = {group}
            here = self.provided_fields(provided, type_name)
            split: list[Field] = []
            remote: list[Field] = []
            for field in fields:
                if field.name == "__typename":
                    continue  # static on object types; representations add it themselves
                if self.contextual_in(group.graph, type_name, field.name):
                    remote.append(field)
                elif self.stays_local(group.graph, type_name, field, here):
                    used |= self.add_here(group, node, type_name, path, field, here, rest)
                elif self.serves(group.graph, type_name, field, here):
                    split.append(field)  # local, but not all of its sub-selection
                else:
                    remote.append(field)
            for field in split:
                # A subgraph that serves the whole sub-selection saves the split (route choice
                # checks the destination); else fetch here what can be, the rest through jumps.
                route = self.remote_route(group, type_name, path, field, frozenset(), whole=True)
                if route is not None:
                    used |= self.plan_remote(group, node, type_name, path, field, route, rest)
                else:
                    used |= self.add_here(group, node, type_name, path, field, here, rest)
            for field in remote:
                used |= self.plan_elsewhere(group, node, type_name, path, field, rest)
            return used
        finally:
            self.ancestors.pop()

    def add_here(
        self,
        group: FetchGroup,
        node: SubSelection,
        type_name: str,
        path: Path,
        field: Field,
        here: dict[str, list],
        rest: list[Field] | None,
    ) -> set[FetchGroup]:
        """Select ``field`` in ``group``; a continuation of what its sub-selection could not
        get here is fetched through an entity jump from this object, or passed up."""
        left: list[Field] = []
        used = self.add_local(group, node, type_name, path, field, here.get(field.name), left)
        for continuation in left:
            used |= self.plan_elsewhere(
                group, node, type_name, path, continuation, rest, frozenset({group.graph})
            )
        return used

    def plan_elsewhere(
        self,
        group: FetchGroup,
        node: SubSelection,
        type_name: str,
        path: Path,
        field: Field,
        rest: list[Field] | None,
        tried: frozenset[str] = frozenset(),
    ) -> set[FetchGroup]:
        """Fetch ``field`` from another subgraph through an entity jump from this object, or
        leave it to the entity above (``rest``) when no jump from here reaches one."""
        route = self.remote_route(group, type_name, path, field, tried, whole=True)
        if route is None:
            route = self.remote_route(group, type_name, path, field, tried, whole=False)
        if route is None:
            if rest is not None and not self.sg.is_interface_object(type_name, group.graph):
                rest.append(field)
                return set()
            targets = self.targets(type_name, field, tried)
            if not targets:
                raise PlanningError(f"no subgraph resolves {type_name}.{field.name} as asked")
            raise PlanningError(
                f"no subgraph reachable from {group.graph!r} resolves the requested "
                f"{type_name} fields"
            )
        return self.plan_remote(group, node, type_name, path, field, route, rest, tried)

    def add_local(
        self,
        group: FetchGroup,
        node: SubSelection,
        type_name: str,
        path: Path,
        field: Field,
        provided: list[Selection] | None,
        rest: list[Field] | None = None,
    ) -> set[FetchGroup]:
        """Select ``field`` in ``group`` and plan its sub-selection from there.

        What of the sub-selection cannot be had from here comes back in ``rest`` as a
        continuation of ``field`` (same data key), for the object above to fetch elsewhere.
        """
        sub = node.add_field(field.data_key, field.name, field.args_text)
        if field.arguments:
            group.variables |= variables_in(field.arguments)
        if field.selections is None:
            return {group}
        child, named = self.child_path(path, type_name, field)
        narrowed = self.type_in_graph(type_name, field.name, group.graph)
        if narrowed is not None and narrowed != named:
            if self.sg.is_abstract(named):
                sub_typename = True
            named = narrowed
        else:
            sub_typename = False
        if provided is None:
            fact = self.sg.field_fact(type_name, field.name, group.graph)
            if fact is not None and fact.provides:
                provided = parse_field_set(fact.provides)
        if sub.selection is None:
            sub.selection = SubSelection()
        if sub_typename:
            # The client's conditions are on the supergraph's abstract type: the shaper
            # needs the object's type, which the subgraph's narrower type leaves implicit.
            sub.selection.add_typename()
        left: list[Field] | None = [] if rest is not None else None
        used = self.plan_at(group, sub.selection, named, child, field.selections, provided, left)
        if sub.selection.is_empty():
            sub.selection.add_typename()  # never an empty selection set: `f{}` is invalid
        if left:
            assert rest is not None
            rest.append(
                Field(
                    field.response_key,
                    field.name,
                    field.arguments,
                    list(left),
                    field.data_key,
                    field.node,
                )
            )
        return used | {group}

    def concrete(self, type_name: str, selections: list[Selection]) -> list[Selection]:
        """``selections`` with each fragment on an interface or union replaced by fragments on
        its object types: representations are built from the runtime ``__typename``."""
        result: list[Selection] = []
        for selection in selections:
            if isinstance(selection, Field):
                if selection.selections is None:
                    result.append(selection)
                    continue
                named, _depth = unwrap(self.field_type(type_name, selection.name))
                result.append(
                    Field(
                        selection.response_key,
                        selection.name,
                        selection.arguments,
                        self.concrete(named, selection.selections),
                        selection.data_key,
                        selection.node,
                    )
                )
                continue
            condition = selection.type_condition or type_name
            if not self.sg.is_abstract(condition):
                result.append(
                    Fragment(
                        selection.type_condition, self.concrete(condition, selection.selections)
                    )
                )
                continue
            for possible in self.sg.possible_types(condition):
                if self.sg.is_abstract(type_name) and possible not in self.sg.possible_types(
                    type_name
                ):
                    continue
                if not self.sg.is_abstract(type_name) and possible != type_name:
                    continue
                result.append(Fragment(possible, self.concrete(possible, selection.selections)))
        return result

    def type_in_graph(self, type_name: str, field_name: str, graph: str) -> str | None:
        """The named type ``graph`` declares for the field, when it differs from the
        supergraph's (an object where the supergraph has an interface or a union)."""
        fact = self.sg.field_fact(type_name, field_name, graph)
        if fact is None or not fact.type:
            return None
        named = fact.type.replace("[", "").replace("]", "").replace("!", "").strip()
        return named if named in self.sg.schema.type_map else None

    # -------------------------------------------------------- entity jumps

    def entity_group(
        self, graph: str, path: Path, deps: set[FetchGroup], type_name: str, inputs: list[Selection]
    ) -> FetchGroup:
        """An ``_entities`` group for ``graph`` at ``path`` that may wait for ``deps``."""
        for candidate in self.groups:
            if candidate.graph != graph or candidate.merge_path != path or candidate.contexts:
                continue
            if any(self.depends(dep, candidate) for dep in deps):
                continue
            if not candidate.inputs_compatible(type_name, inputs):
                continue
            candidate.deps |= deps
            self._reach.clear()
            return candidate
        group = self.new_group(graph, path)
        group.deps |= deps
        return group

    def targets(self, type_name: str, field: Field, tried: frozenset[str]) -> dict[str, str]:
        """Subgraphs (and the type queried there) that resolve ``field`` with its arguments."""
        return {
            graph: via
            for graph, via in self.sources(type_name, field.name).items()
            if graph not in tried and self.accepts(graph, via, field)
        }

    def remote_route(
        self,
        group: FetchGroup,
        type_name: str,
        path: Path,
        field: Field,
        tried: frozenset[str],
        whole: bool,
    ) -> list[tuple[str, str, Key]] | None:
        """The jumps from ``group``'s subgraph to one that resolves ``field`` (with ``whole``:
        one that serves its whole sub-selection too), or None."""
        targets = self.targets(type_name, field, tried)
        if whole and field.selections is not None:
            targets = {
                graph: via for graph, via in targets.items() if self.serves_whole(graph, via, field)
            }
        if not targets:
            return None
        try:
            return self.find_route(type_name, group.graph, type_name, targets, path, field.name)
        except PlanningError:
            return None

    def serves_whole(self, graph: str, type_name: str, field: Field) -> bool:
        """Whether ``graph`` serves the field's whole sub-selection (itself or by jumps)."""
        assert field.selections is not None
        _child, named = self.child_path((), type_name, field)
        named = self.type_in_graph(type_name, field.name, graph) or named
        provided = self.provides_of(graph, type_name, field.name)
        return self.feasible(graph, named, field.selections, provided)

    def plan_remote(
        self,
        group: FetchGroup,
        node: SubSelection,
        type_name: str,
        path: Path,
        field: Field,
        route: list[tuple[str, str, Key]] | None = None,
        rest: list[Field] | None = None,
        tried: frozenset[str] = frozenset(),
    ) -> set[FetchGroup]:
        """Fetch ``field`` from another subgraph through entity jumps."""
        if route is None:
            targets = self.targets(type_name, field, tried)
            if not targets:
                raise PlanningError(f"no subgraph resolves {type_name}.{field.name} as asked")
            route = self.find_route(type_name, group.graph, type_name, targets, path, field.name)
        used: set[FetchGroup] = set()
        current, current_node, current_type = group, node, type_name
        for index, (graph, via, key) in enumerate(route):
            waits: set[FetchGroup] = set()
            key_fields = self.internal(type_name, path, parse_field_set(key.fields))
            inputs = list(key_fields)
            contexts: tuple[ContextArgument, ...] = ()
            if index == len(route) - 1:
                fact = self.sg.field_fact(via, field.name, graph)
                if fact is not None and fact.requires:
                    required = self.internal(type_name, path, parse_field_set(fact.requires))
                    waits |= self.plan_at(group, node, type_name, path, required, None)
                    inputs.extend(required)
                contexts = fact.context_arguments if fact is not None else ()
            waits |= self.plan_at(current, current_node, current_type, path, key_fields, None)
            current_node.add_typename()
            waits.add(current)
            if contexts:
                target = self.new_group(graph, path)
                target.deps |= waits
                field = self.with_contexts(target, type_name, path, field, contexts)
                waits |= target.deps
            else:
                target = self.entity_group(graph, path, waits, type_name, inputs)
            target.add_inputs(type_name, via, self.concrete(type_name, inputs))
            used |= waits
            current, current_node, current_type = target, target.selection.fragment(via), via
        left: list[Field] = []
        used |= self.add_local(current, current_node, current_type, path, field, None, left)
        for continuation in left:
            used |= self.plan_elsewhere(
                current,
                current_node,
                current_type,
                path,
                continuation,
                rest,
                tried | {group.graph, current.graph},
            )
        return used

    # ------------------------------------------------------ contextual arguments

    def contextual_in(self, graph: str, type_name: str, field_name: str) -> bool:
        """Whether ``graph`` resolves the field with arguments taken from a context."""
        fact = self.sg.field_fact(type_name, field_name, graph)
        return bool(fact and fact.context_arguments)

    def with_contexts(
        self,
        target: FetchGroup,
        type_name: str,
        path: Path,
        field: Field,
        contexts: tuple[ContextArgument, ...],
    ) -> Field:
        """Plan where each contextual argument's value comes from; ``target`` (a fetch of its
        own for ``field``) waits for it. Returns the field with the arguments as variables."""
        arguments = list(field.arguments)
        for argument in contexts:
            found = self.context_source(argument, path)
            if found is None:
                raise PlanningError(
                    f"no object above {type_name}.{field.name} sets context {argument.context}"
                )
            (ancestor_path, ancestor_type, group, node), selections = found
            target.deps |= self.plan_at(group, node, ancestor_type, ancestor_path, selections, None)
            node.add_typename()  # entities below other types read nothing there
            variable = self.sg.context_variable(target.graph, type_name, field.name, argument.name)
            levels = sum(1 for segment in path[len(ancestor_path) :] if segment != "@")
            target.contexts.append(
                ContextRead(
                    variable,
                    argument.type,
                    levels,
                    ancestor_type,
                    self.reader_path(ancestor_type, selections),
                )
            )
            arguments.append(
                ArgumentNode(
                    name=NameNode(value=argument.name),
                    value=VariableNode(name=NameNode(value=variable)),
                )
            )
        return Field(
            field.response_key,
            field.name,
            tuple(arguments),
            field.selections,
            field.data_key,
            field.node,
        )

    def context_source(
        self, argument: ContextArgument, path: Path
    ) -> tuple[tuple[Path, str, FetchGroup, SubSelection], list[Selection]] | None:
        """The nearest object above the entity at ``path`` whose type sets the argument's
        context and where its selection picks one value, with that selection.

        As in Apollo's planner: the entity itself does not count, and a type sets a context
        that is set on it, on an interface it implements or on a union it belongs to.
        """
        for ancestor_path, type_name, group, node in reversed(self.ancestors):
            if len(ancestor_path) >= len(path) or path[: len(ancestor_path)] != ancestor_path:
                continue
            if not self.sg.sets_context(type_name, argument.context):
                continue
            selections = self.internal(
                type_name, ancestor_path, parse_selection(argument.selection)
            )
            if self.reader_path(type_name, selections):
                return (ancestor_path, type_name, group, node), selections
        return None

    def reader_path(self, type_name: str, selections: list[Selection]) -> tuple[str, ...]:
        """Data keys leading to the one value ``selections`` pick on ``type_name`` (empty when
        they pick none or several)."""
        fields = [f for f in self.collect(selections, type_name) if f.name != "__typename"]
        if len(fields) != 1:
            return ()
        chosen = fields[0]
        if chosen.selections is None:
            return (chosen.data_key,)
        named, _depth = unwrap(self.field_type(type_name, chosen.name))
        rest = self.reader_path(named, chosen.selections)
        return (chosen.data_key, *rest) if rest else ()

    def plan_interface_object(
        self,
        group: FetchGroup,
        node: SubSelection,
        type_name: str,
        path: Path,
        selections: list[Selection],
        provided: list[Selection] | None,
    ) -> set[FetchGroup]:
        """``group``'s subgraph knows the interface only as an @interfaceObject.

        Its fields are fetched here; ``__typename``, fragments on implementations and fields it
        lacks go through a subgraph that has the real interface (which resolves the type).
        """
        here = self.provided_fields(provided, type_name)
        used: set[FetchGroup] = {group}
        rest: list[Selection] = []

        def split(items: list[Selection]) -> None:
            for item in items:
                if isinstance(item, Fragment):
                    if item.type_condition in (None, type_name):
                        split(item.selections)
                    else:
                        rest.append(item)
                elif item.name == "__typename":
                    rest.append(item)
                elif self.stays_local(group.graph, type_name, item, here):
                    used.update(
                        self.add_local(group, node, type_name, path, item, here.get(item.name))
                    )
                elif self.sources(type_name, item.name):
                    used.update(self.plan_remote(group, node, type_name, path, item))
                else:
                    rest.append(item)

        node.add_typename()
        split(selections)
        if not rest:
            return used
        for graph, entry_type, keys in self.entry_points(type_name):
            if entry_type != type_name or self.sg.is_interface_object(type_name, graph):
                continue
            key = next((k for k in keys if self.key_available(group.graph, type_name, k)), None)
            if key is None:
                continue
            key_fields = self.internal(type_name, path, parse_field_set(key.fields))
            waits = self.plan_at(group, node, type_name, path, key_fields, None)
            waits.add(group)
            target = self.entity_group(graph, path, waits, type_name, key_fields)
            target.add_inputs(type_name, type_name, key_fields)
            fragment = target.selection.fragment(type_name)
            return used | waits | self.plan_at(target, fragment, type_name, path, rest, None)
        raise PlanningError(f"no subgraph can resolve the concrete type of {type_name}")
