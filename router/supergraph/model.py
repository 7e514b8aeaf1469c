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


@dataclass
class Supergraph:
    """A parsed supergraph: the full schema (with inaccessible elements) and join metadata."""

    schema: GraphQLSchema
    subgraphs: dict[str, Subgraph]
    types: dict[str, TypeInfo]
    sdl: str = ""
    # enum → value → graphs that define it (@join__enumValue); absent: every graph of the enum
    enum_values: dict[str, dict[str, set[str]]] = field(default_factory=dict)
    _resolvers: dict[tuple[str, str], list[str]] = field(default_factory=dict, repr=False)

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

    def resolving_graphs(self, type_name: str, field_name: str) -> list[str]:
        """Subgraphs that can resolve ``type_name.field_name`` themselves (not external)."""
        cache_key = (type_name, field_name)
        found = self._resolvers.get(cache_key)
        if found is None:
            found = [
                fact.graph
                for fact in self.field_facts(type_name, field_name)
                if fact.graph and not fact.external and not fact.used_overridden
            ]
            self._resolvers[cache_key] = found
        return found

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
