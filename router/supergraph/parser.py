"""Read a supergraph SDL (join spec v0.2–v0.5, link v1.0) into a :class:`Supergraph`."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from graphql import (
    DirectiveNode,
    DocumentNode,
    EnumTypeDefinitionNode,
    FieldDefinitionNode,
    GraphQLError,
    InputObjectTypeDefinitionNode,
    InterfaceTypeDefinitionNode,
    ObjectTypeDefinitionNode,
    SchemaDefinitionNode,
    SchemaExtensionNode,
    TypeDefinitionNode,
    UnionTypeDefinitionNode,
    build_ast_schema,
    parse,
    value_from_ast_untyped,
)

from router.supergraph.model import (
    ContextArgument,
    FieldInGraph,
    Key,
    Subgraph,
    Supergraph,
    TypeInfo,
    TypeInGraph,
)

APOLLO_SPECS = "https://specs.apollo.dev/"


class SupergraphError(ValueError):
    """The SDL is not a supergraph this router understands."""


@dataclass
class LinkedFeature:
    """One ``@link``: the spec's identity, the prefix of its elements and imported names."""

    url: str
    name: str  # spec name in the URL: "join", "inaccessible", "tag", ...
    prefix: str  # what ``name__X`` elements are prefixed with (``as`` or the spec name)
    imports: dict[str, str] = field(default_factory=dict)  # original → local name

    @property
    def is_apollo_spec(self) -> bool:
        """Whether the feature is one of Apollo's specs (link, join, inaccessible, tag...)."""
        return self.url.startswith(APOLLO_SPECS)

    def directive_name(self, original: str) -> str:
        """Local name of one of the feature's directives (``@original``)."""
        if f"@{original}" in self.imports:
            return self.imports[f"@{original}"].lstrip("@")
        if original == self.name:
            return self.prefix
        return f"{self.prefix}__{original}"


def directive_args(directive: DirectiveNode) -> dict[str, Any]:
    """Arguments of an applied directive as Python values."""
    return {arg.name.value: value_from_ast_untyped(arg.value) for arg in directive.arguments or ()}


def linked_features(document: DocumentNode) -> list[LinkedFeature]:
    """Every ``@link`` (or legacy ``@core``) applied to the schema."""
    features = []
    for definition in document.definitions:
        if not isinstance(definition, SchemaDefinitionNode | SchemaExtensionNode):
            continue
        for directive in definition.directives or ():
            if directive.name.value not in ("link", "core"):
                continue
            args = directive_args(directive)
            url = str(args.get("url") or args.get("feature") or "")
            parts = url.rstrip("/").split("/")
            name = parts[-2] if len(parts) >= 2 and parts[-1].startswith("v") else parts[-1]
            imports: dict[str, str] = {}
            for item in args.get("import") or ():
                if isinstance(item, dict):
                    imports[str(item["name"])] = str(item.get("as", item["name"]))
                else:
                    imports[str(item)] = str(item)
            features.append(LinkedFeature(url, name, str(args.get("as") or name), imports))
    return features


def find_feature(features: list[LinkedFeature], name: str) -> LinkedFeature | None:
    """The linked Apollo feature called ``name`` (e.g. "join"), if linked."""
    for feature in features:
        if feature.is_apollo_spec and feature.name == name:
            return feature
    return None


def _parse_fieldset(text: str) -> Any:
    try:
        return parse("{" + text + "}", no_location=True).definitions[0].selection_set  # type: ignore[attr-defined]
    except GraphQLError as error:
        raise SupergraphError(f"invalid field set {text!r}: {error.message}") from error


def _directives(node: Any, name: str) -> list[dict[str, Any]]:
    return [directive_args(d) for d in node.directives or () if d.name.value == name]


def parse_supergraph(sdl: str) -> Supergraph:
    """Parse a supergraph SDL; raises :class:`SupergraphError` if it is not one."""
    try:
        document = parse(sdl)
    except GraphQLError as error:
        raise SupergraphError(f"supergraph does not parse: {error.message}") from error
    features = linked_features(document)
    join = find_feature(features, "join")
    if join is None:
        raise SupergraphError("not a supergraph: no @link to https://specs.apollo.dev/join")
    names = {d: join.directive_name(d) for d in ("graph", "type", "field", "implements")}
    names["unionMember"] = join.directive_name("unionMember")
    names["enumValue"] = join.directive_name("enumValue")
    graph_enum = f"{join.prefix}__Graph"
    context_feature = find_feature(features, "context")
    context_directive = context_feature.directive_name("context") if context_feature else None

    enum_to_graph: dict[str, str] = {}
    subgraphs: dict[str, Subgraph] = {}
    for definition in document.definitions:
        if isinstance(definition, EnumTypeDefinitionNode) and definition.name.value == graph_enum:
            for value in definition.values or ():
                for args in _directives(value, names["graph"]):
                    graph_name = str(args["name"])
                    enum_to_graph[value.name.value] = graph_name
                    subgraphs[graph_name] = Subgraph(graph_name, str(args.get("url") or ""))
    if not subgraphs:
        raise SupergraphError(f"not a supergraph: enum {graph_enum} declares no subgraphs")

    types: dict[str, TypeInfo] = {}
    enum_values: dict[str, dict[str, set[str]]] = {}
    for definition in document.definitions:
        if not isinstance(definition, TypeDefinitionNode):
            continue
        info = TypeInfo(definition.name.value)
        for args in _directives(definition, names["type"]):
            graph = enum_to_graph[str(args["graph"])]
            declared = info.graphs.setdefault(graph, TypeInGraph(graph))
            declared.extension = declared.extension or bool(args.get("extension"))
            declared.interface_object = declared.interface_object or bool(
                args.get("isInterfaceObject")
            )
            if args.get("key"):
                key_text = str(args["key"])
                resolvable = args.get("resolvable", True) is not False
                declared.keys.append(Key(key_text, _parse_fieldset(key_text), resolvable))
        if context_directive is not None:
            info.contexts = [str(a["name"]) for a in _directives(definition, context_directive)]
        for args in _directives(definition, names["implements"]):
            graph = enum_to_graph[str(args["graph"])]
            info.implements.setdefault(graph, set()).add(str(args["interface"]))
        if isinstance(definition, EnumTypeDefinitionNode) and definition.name.value != graph_enum:
            for value in definition.values or ():
                graphs = {
                    enum_to_graph[str(args["graph"])]
                    for args in _directives(value, names["enumValue"])
                }
                if graphs:
                    enum_values.setdefault(info.name, {})[value.name.value] = graphs
        if isinstance(definition, UnionTypeDefinitionNode):
            for args in _directives(definition, names["unionMember"]):
                graph = enum_to_graph[str(args["graph"])]
                info.members.setdefault(graph, set()).add(str(args["member"]))
        if isinstance(
            definition,
            ObjectTypeDefinitionNode | InterfaceTypeDefinitionNode | InputObjectTypeDefinitionNode,
        ):
            for field_node in definition.fields or ():
                info.fields[field_node.name.value] = _field_facts(
                    field_node, names["field"], enum_to_graph
                )
        types[info.name] = info

    try:
        schema = build_ast_schema(document, assume_valid_sdl=True)
    except (GraphQLError, TypeError) as error:
        raise SupergraphError(f"supergraph schema is invalid: {error}") from error
    return Supergraph(
        schema=schema, subgraphs=subgraphs, types=types, sdl=sdl, enum_values=enum_values
    )


def _field_facts(
    node: FieldDefinitionNode | Any, directive: str, enum_to_graph: dict[str, str]
) -> list[FieldInGraph] | None:
    applied = _directives(node, directive)
    if not applied:
        return None
    facts = []
    for args in applied:
        graph_value = args.get("graph")
        # `@join__field` without a graph: no subgraph resolves the field on this type itself
        # (an @interfaceObject adds it); it stays listed so the field is not "everywhere".
        graph = enum_to_graph.get(str(graph_value), "") if graph_value is not None else ""
        facts.append(
            FieldInGraph(
                graph=graph,
                requires=args.get("requires"),
                provides=args.get("provides"),
                type=args.get("type"),
                external=bool(args.get("external")),
                override=args.get("override"),
                used_overridden=bool(args.get("usedOverridden")),
                override_label=args.get("overrideLabel"),
                context_arguments=tuple(
                    ContextArgument(
                        str(item["name"]),
                        str(item["type"]),
                        str(item["context"]),
                        str(item["selection"]),
                    )
                    for item in args.get("contextArguments") or ()
                ),
            )
        )
    return facts
