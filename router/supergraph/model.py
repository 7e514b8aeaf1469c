"""The supergraph as the planner sees it: subgraphs, and per type and field who resolves what."""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property

from graphql import (
    GraphQLInterfaceType,
    GraphQLNamedType,
    GraphQLObjectType,
    GraphQLSchema,
    GraphQLUnionType,
    SelectionSetNode,
)

_NO_LABELS: frozenset[str] = frozenset()


@dataclass(frozen=True)
class Subgraph:
    """One subgraph: its name (as composed) and routing URL."""

    name: str
    url: str


@dataclass(frozen=True)
class Key:
    """A ``@key`` of a type in one subgraph."""

    fields: str
    selection: SelectionSetNode
    resolvable: bool


@dataclass
class TypeInGraph:
    """What one subgraph declares about a type (``@join__type``)."""

    graph: str
    keys: list[Key] = field(default_factory=list)
    extension: bool = False
    interface_object: bool = False


@dataclass(frozen=True)
class ContextArgument:
    """An argument a subgraph's field takes from a context (``@join__field(contextArguments:)``).

    ``context`` is the supergraph's name of the context (``catalog__store``), set by the types
    whose ``@context`` carries it; ``selection`` is what is read there (`` { currency }``).
    """

    name: str
    type: str
    context: str
    selection: str


@dataclass(frozen=True)
class FieldInGraph:
    """What one subgraph declares about a field (``@join__field``)."""

    graph: str
    requires: str | None = None
    provides: str | None = None
    type: str | None = None
    external: bool = False
    override: str | None = None
    used_overridden: bool = False
    override_label: str | None = None
    context_arguments: tuple[ContextArgument, ...] = ()


@dataclass
class TypeInfo:
    """A supergraph type and its per-subgraph facts."""

    name: str
    graphs: dict[str, TypeInGraph] = field(default_factory=dict)
    # graph → interfaces the type implements in that graph (@join__implements)
    implements: dict[str, set[str]] = field(default_factory=dict)
    # graph → union members in that graph (@join__unionMember)
    members: dict[str, set[str]] = field(default_factory=dict)
    # field name → per-graph facts; None when the field has no @join__field at all
    fields: dict[str, list[FieldInGraph] | None] = field(default_factory=dict)
    # contexts the type sets (``@context(name:)``), for fields below it that read them
    contexts: list[str] = field(default_factory=list)


@dataclass
class Supergraph:
    """A parsed supergraph: the full schema (with inaccessible elements) and join metadata."""

    schema: GraphQLSchema
    subgraphs: dict[str, Subgraph]
    types: dict[str, TypeInfo]
    sdl: str = ""
    # enum → value → graphs that define it (@join__enumValue); absent: every graph of the enum
    enum_values: dict[str, dict[str, set[str]]] = field(default_factory=dict)
    _resolvers: dict[tuple[str, str, frozenset[str]], list[str]] = field(
        default_factory=dict, repr=False
    )

    def type(self, name: str) -> GraphQLNamedType:
        """The supergraph type called ``name``."""
        found = self.schema.type_map.get(name)
        if found is None:
            raise KeyError(name)
        return found

    def is_abstract(self, name: str) -> bool:
        """Whether ``name`` is an interface or a union."""
        return isinstance(self.schema.type_map.get(name), GraphQLInterfaceType | GraphQLUnionType)

    def type_graphs(self, name: str) -> dict[str, TypeInGraph]:
        """Subgraphs that declare the type (all subgraphs if the supergraph says nothing)."""
        info = self.types.get(name)
        if info is None or not info.graphs:
            return {graph: TypeInGraph(graph) for graph in self.subgraphs}
        return info.graphs

    def keys(self, type_name: str, graph: str) -> list[Key]:
        """The keys ``graph`` declares on ``type_name`` (resolvable or not)."""
        declared = self.type_graphs(type_name).get(graph)
        return declared.keys if declared else []

    def is_interface_object(self, type_name: str, graph: str) -> bool:
        """Whether ``graph`` declares interface ``type_name`` as an ``@interfaceObject``."""
        declared = self.types.get(type_name)
        if declared is None:
            return False
        in_graph = declared.graphs.get(graph)
        return bool(in_graph and in_graph.interface_object)

    def field_facts(self, type_name: str, field_name: str) -> list[FieldInGraph]:
        """Per-graph facts of a field, with defaults for graphs the supergraph leaves implicit."""
        info = self.types.get(type_name)
        facts = info.fields.get(field_name) if info else None
        if facts is None:
            return [FieldInGraph(graph) for graph in self.type_graphs(type_name)]
        return facts

    def resolving_graphs(
        self, type_name: str, field_name: str, enabled: frozenset[str] = frozenset()
    ) -> list[str]:
        """Subgraphs that can resolve ``type_name.field_name`` themselves (not external).

        ``enabled`` are the progressive override labels enabled for the request: a source that
        overrides with label L resolves the field only when L is enabled, the source it
        overrides only when L is disabled (:meth:`override_labels_of` lists a field's labels).
        """
        labels = self.override_labels_of(type_name, field_name)
        cache_key = (type_name, field_name, enabled & labels if labels else _NO_LABELS)
        found = self._resolvers.get(cache_key)
        if found is None:
            found = self._resolvers[cache_key] = self._resolving(type_name, field_name, enabled)
        return found

    def _resolving(self, type_name: str, field_name: str, enabled: frozenset[str]) -> list[str]:
        facts = self.field_facts(type_name, field_name)
        # Graph → labels of the progressive overrides taking the field from it. Apollo derives
        # the overridden side from the overriding one's ``override``/``overrideLabel``, so a
        # supergraph that leaves the label off the overridden side means the same.
        overridden_by: dict[str, set[str]] = {}
        for fact in facts:
            if fact.override and fact.override_label:
                overridden_by.setdefault(fact.override, set()).add(fact.override_label)
        found = []
        for fact in facts:
            if not fact.graph or fact.external:
                continue
            if fact.override and fact.override_label and fact.override_label not in enabled:
                continue
            labels = overridden_by.get(fact.graph)
            if labels is not None:
                if labels & enabled:
                    continue
            elif fact.used_overridden:
                continue
            found.append(fact.graph)
        return found

    def overridden_in(
        self, type_name: str, field_name: str, graph: str, enabled: frozenset[str]
    ) -> bool:
        """Whether ``graph`` defines the field but @override (under ``enabled``) moved it away."""
        fact = self.field_fact(type_name, field_name, graph)
        if fact is None or fact.external or (not fact.used_overridden and not self.override_labels):
            return False
        return graph not in self.resolving_graphs(type_name, field_name, enabled)

    def sets_context(self, type_name: str, context: str) -> bool:
        """Whether objects of ``type_name`` set ``context``: ``@context`` is on the type, on an
        interface it implements or on a union it belongs to."""
        return type_name in self.context_types.get(context, ())

    @cached_property
    def context_types(self) -> dict[str, frozenset[str]]:
        """Context name → the types whose objects set it (abstract ones and their objects)."""
        found: dict[str, set[str]] = {}
        for info in self.types.values():
            if not info.contexts or info.name not in self.schema.type_map:
                continue
            types = {info.name}
            if self.is_abstract(info.name):
                types.update(self.possible_types(info.name))
            for context in info.contexts:
                found.setdefault(context, set()).update(types)
        return {context: frozenset(types) for context, types in found.items()}

    def context_variable(self, graph: str, type_name: str, field_name: str, arg: str) -> str:
        """The variable that carries a contextual argument to ``graph``, named as Apollo's
        router names it: ``contextualArgument_<graph's position, from 1>_<index>``, the index
        counting the graph's contextual arguments in the order of their coordinates."""
        return self.context_variables[(graph, f"{type_name}.{field_name}({arg}:)")]

    @cached_property
    def context_variables(self) -> dict[tuple[str, str], str]:
        """(graph, ``Type.field(arg:)``) → variable name, for every contextual argument."""
        names: dict[tuple[str, str], str] = {}
        for position, graph in enumerate(self.subgraphs, start=1):
            coordinates = sorted(
                f"{info.name}.{name}({argument.name}:)"
                for info in self.types.values()
                for name, facts in info.fields.items()
                for fact in facts or ()
                if fact.graph == graph
                for argument in fact.context_arguments
            )
            for index, coordinate in enumerate(coordinates):
                names[(graph, coordinate)] = f"contextualArgument_{position}_{index}"
        return names

    def override_labels_of(self, type_name: str, field_name: str) -> frozenset[str]:
        """Progressive override labels that decide who resolves the field (usually none)."""
        return self.override_labels.get((type_name, field_name), _NO_LABELS)

    @cached_property
    def override_labels(self) -> dict[tuple[str, str], frozenset[str]]:
        """(type, field) → its progressive override labels, for the fields that have some."""
        found: dict[tuple[str, str], frozenset[str]] = {}
        for info in self.types.values():
            for name, facts in info.fields.items():
                labels = frozenset(f.override_label for f in facts or () if f.override_label)
                if labels:
                    found[(info.name, name)] = labels
        return found

    @cached_property
    def all_override_labels(self) -> frozenset[str]:
        """Every progressive override label of the supergraph."""
        return frozenset().union(*self.override_labels.values())

    def enum_value_in(self, enum: str, value: str, graph: str) -> bool:
        """Whether ``graph`` defines ``value`` of ``enum`` (true when the supergraph is silent)."""
        graphs = self.enum_values.get(enum, {}).get(value)
        return graphs is None or graph in graphs

    def input_field_in(self, input_type: str, field_name: str, graph: str) -> bool:
        """Whether ``graph``'s version of an input type has the field."""
        info = self.types.get(input_type)
        facts = info.fields.get(field_name) if info else None
        return facts is None or any(fact.graph == graph for fact in facts)

    def field_fact(self, type_name: str, field_name: str, graph: str) -> FieldInGraph | None:
        """The facts ``graph`` declares for a field, if it declares the field."""
        for fact in self.field_facts(type_name, field_name):
            if fact.graph == graph:
                return fact
        return None

    def is_key_field(self, type_name: str, field_name: str, graph: str) -> bool:
        """Whether ``field_name`` is a top-level field of one of ``graph``'s keys on the type."""
        for key in self.keys(type_name, graph):
            for selection in key.selection.selections:
                if getattr(selection, "name", None) and selection.name.value == field_name:  # type: ignore[attr-defined]
                    return True
        return False

    def possible_types(self, type_name: str, graph: str | None = None) -> list[str]:
        """Object types an abstract type can resolve to (in ``graph`` when given)."""
        gql_type = self.type(type_name)
        if isinstance(gql_type, GraphQLObjectType):
            return [type_name]
        assert isinstance(gql_type, GraphQLInterfaceType | GraphQLUnionType)
        everything = [t.name for t in self.schema.get_possible_types(gql_type)]
        if graph is None:
            return everything
        info = self.types.get(type_name)
        if isinstance(gql_type, GraphQLUnionType):
            if info is None or not info.members:
                return [t for t in everything if graph in self.type_graphs(t)]
            return [t for t in everything if t in info.members.get(graph, set())]
        result = []
        for candidate in everything:
            candidate_info = self.types.get(candidate)
            if graph not in self.type_graphs(candidate):
                continue
            if candidate_info is None or not candidate_info.implements:
                result.append(candidate)
            elif type_name in candidate_info.implements.get(graph, set()):
                result.append(candidate)
        return result

    def interfaces_of(self, type_name: str) -> list[str]:
        """Interfaces the supergraph type implements."""
        gql_type = self.type(type_name)
        if isinstance(gql_type, GraphQLObjectType | GraphQLInterfaceType):
            return [i.name for i in gql_type.interfaces]
        return []

    @cached_property
    def root_types(self) -> dict[str, str]:
        """Operation kind → root type name."""
        roots = {}
        for kind, root in (
            ("query", self.schema.query_type),
            ("mutation", self.schema.mutation_type),
            ("subscription", self.schema.subscription_type),
        ):
            if root is not None:
                roots[kind] = root.name
        return roots
