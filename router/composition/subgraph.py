"""Parses one subgraph SDL (as Strawberry or any federation library prints it) into the model.

Federation plumbing is dropped here: ``_Service``, ``_Entity``, ``_Any``, ``_service``,
``_entities``, the ``link``/``federation`` scalars and every federation directive definition.
"""

from __future__ import annotations

from graphql import GraphQLSyntaxError, parse
from graphql.language import (
    ConstDirectiveNode,
    DirectiveDefinitionNode,
    DocumentNode,
    EnumTypeDefinitionNode,
    EnumTypeExtensionNode,
    InputObjectTypeDefinitionNode,
    InputObjectTypeExtensionNode,
    InputValueDefinitionNode,
    InterfaceTypeDefinitionNode,
    InterfaceTypeExtensionNode,
    ListTypeNode,
    NamedTypeNode,
    NameNode,
    NonNullTypeNode,
    ObjectTypeDefinitionNode,
    ObjectTypeExtensionNode,
    ScalarTypeDefinitionNode,
    ScalarTypeExtensionNode,
    SchemaDefinitionNode,
    SchemaExtensionNode,
    TypeDefinitionNode,
    TypeExtensionNode,
    TypeNode,
    UnionTypeDefinitionNode,
    UnionTypeExtensionNode,
)

from router.composition.directives import LinkImports, read_links
from router.composition.graphql_rules import (
    definition_errors,
    document_errors,
    duplicate_type,
    model_errors,
    type_definition_errors,
)
from router.composition.model import CompositionError, SubgraphDefinition
from router.composition.naming import did_you_mean, suggestion_list
from router.composition.schema_model import (
    FEDERATION_DIRECTIVES,
    AppliedDirective,
    EnumValueDef,
    FieldDef,
    InputValue,
    Subgraph,
    TypeDef,
)
from router.composition.subgraph_checks import (
    applied_directives,
    first_unknown_type,
    root_name_errors,
    unknown_directive_errors,
)

BUILTIN_TYPES = frozenset(
    {
        "_Service",
        "_Entity",
        "_Any",
        "_FieldSet",
        "FieldSet",
        "String",
        "Int",
        "Float",
        "Boolean",
        "ID",
    }
)
BUILTIN_DIRECTIVES = frozenset({"deprecated", "specifiedBy", "include", "skip", "oneOf"})
# Federation directives Apollo composes without @composeDirective (asking is only a hint).
COMPOSED_BY_DEFAULT = frozenset(
    {"tag", "inaccessible", "authenticated", "requiresScopes", "policy", "context"}
)
ROOT_DEFAULTS = {"query": "Query", "mutation": "Mutation", "subscription": "Subscription"}
KIND_BY_NODE: dict[type, str] = {
    ObjectTypeDefinitionNode: "object",
    ObjectTypeExtensionNode: "object",
    InterfaceTypeDefinitionNode: "interface",
    InterfaceTypeExtensionNode: "interface",
    UnionTypeDefinitionNode: "union",
    UnionTypeExtensionNode: "union",
    EnumTypeDefinitionNode: "enum",
    EnumTypeExtensionNode: "enum",
    InputObjectTypeDefinitionNode: "input",
    InputObjectTypeExtensionNode: "input",
    ScalarTypeDefinitionNode: "scalar",
    ScalarTypeExtensionNode: "scalar",
}


class SubgraphParseError(Exception):
    def __init__(self, error: CompositionError, *more: CompositionError) -> None:
        super().__init__(error.message)
        self.error = error
        self.errors = [error, *more]


def parse_subgraph(definition: SubgraphDefinition) -> Subgraph:
    """Builds the :class:`Subgraph` model; raises :class:`SubgraphParseError` on invalid SDL."""
    try:
        document = parse(definition.sdl)
    except GraphQLSyntaxError as exc:
        raise SubgraphParseError(
            CompositionError(
                "INVALID_GRAPHQL",
                f"[{definition.name}] {exc.message}",
                subgraphs=(definition.name,),
            )
        ) from exc
    links, errors = _check_document(definition, document)
    subgraph = _Builder(definition, document).build()
    subgraph.applies_inaccessible = any(
        links.canonical(d.name.value) == "inaccessible" for d in applied_directives(document)
    ) or any(
        links.canonical(d.name.value) == "inaccessible"
        for node in document.definitions
        if isinstance(node, DirectiveDefinitionNode)
        for arg in node.arguments or ()
        for d in arg.directives or ()
    )
    invalid = definition_errors(document, subgraph, links)
    found = [("DIRECTIVE_DEFINITION_INVALID", m) for m in invalid]
    found += [("TYPE_DEFINITION_INVALID", m) for m in type_definition_errors(document, links)]
    found += document_errors(document, subgraph, links)
    found += [("INVALID_GRAPHQL", m) for m in model_errors(subgraph)]
    found += [("INVALID_GRAPHQL", m) for m in unknown_directive_errors(document, links)]
    name = definition.name
    errors += [CompositionError(c, f"[{name}] {m}", subgraphs=(name,)) for c, m in found]
    if errors:
        raise SubgraphParseError(*errors)
    return subgraph


def _check_document(
    definition: SubgraphDefinition, document: DocumentNode
) -> tuple[LinkImports, list[CompositionError]]:
    """What Apollo rejects before modelling the subgraph: invalid @link imports, unknown and
    duplicate types (raised at once); unknown federation versions and renamed roots are
    returned, to be reported with what the later checks find."""
    name = definition.name

    def error(code: str, message: str) -> CompositionError:
        return CompositionError(code, f"[{name}] {message}", subgraphs=(name,))

    schema_nodes = [
        d for d in document.definitions if isinstance(d, SchemaDefinitionNode | SchemaExtensionNode)
    ]
    links = read_links(schema_nodes)
    link_errors = [error(code, message) for code, message in links.errors]
    fatal = ("INVALID_LINK_DIRECTIVE_USAGE", "INVALID_LINK_IDENTIFIER")
    if any(e.code in fatal for e in link_errors):
        raise SubgraphParseError(*link_errors)
    errors = link_errors + [error(c, m) for c, m in root_name_errors(document)]
    unknown_type = first_unknown_type(document, links)
    if unknown_type is not None:
        errors.append(error("INVALID_GRAPHQL", f"Unknown type {unknown_type}"))
    duplicate = duplicate_type(document)
    if duplicate is not None and unknown_type is None:
        errors.append(error("INVALID_GRAPHQL", duplicate))
    if unknown_type is not None or duplicate is not None:
        raise SubgraphParseError(*errors)
    return links, errors


class _Builder:
    def __init__(self, definition: SubgraphDefinition, document: DocumentNode) -> None:
        self.definition = definition
        self.document = document
        schema_nodes = [
            d
            for d in document.definitions
            if isinstance(d, SchemaDefinitionNode | SchemaExtensionNode)
        ]
        self.links: LinkImports = read_links(schema_nodes)
        self.schema_nodes = schema_nodes
        self.root_renames = self._root_renames()
        self.subgraph = Subgraph(
            name=definition.name,
            url=definition.routing_url,
            federation_version=self.links.federation_version or (1, 0),
            is_fed1=self.links.is_fed1,
        )

    def _root_renames(self) -> dict[str, str]:
        renames: dict[str, str] = {}
        for node in self.schema_nodes:
            for op in node.operation_types or ():
                default = ROOT_DEFAULTS[op.operation.value]
                if op.type.name.value != default:
                    renames[op.type.name.value] = default
        return renames

    def build(self) -> Subgraph:
        self._read_compose_directives()
        for schema_node in self.schema_nodes:
            self.subgraph.schema_directives.extend(self._directives(schema_node.directives))
        defined: set[str] = set()
        for node in self.document.definitions:
            if isinstance(node, DirectiveDefinitionNode):
                self._directive_definition(node)
            elif isinstance(node, TypeDefinitionNode | TypeExtensionNode):
                name = node.name.value
                if self._is_plumbing_type(name):
                    continue
                self._type(node)
                if isinstance(node, TypeDefinitionNode):
                    defined.add(self.root_renames.get(name, name))
        for type_def in self.subgraph.types.values():
            type_def.only_extension = type_def.name not in defined
        query = self.subgraph.types.get("Query")
        if query is not None:
            query.fields.pop("_service", None)
            query.fields.pop("_entities", None)
            if not query.fields:
                del self.subgraph.types["Query"]
        return self.subgraph

    def _read_compose_directives(self) -> None:
        for node in self.schema_nodes:
            for directive in node.directives or ():
                if self.links.canonical(directive.name.value) != "composeDirective":
                    continue
                for arg in directive.arguments or ():
                    value = getattr(arg.value, "value", None)
                    if arg.name.value == "name" and isinstance(value, str):
                        local = value.lstrip("@")
                        self.subgraph.composed_directives[local] = self.links.foreign.get(local)
                problem = self._compose_problem(directive)
                if problem is not None:
                    self.subgraph.compose_errors.append(problem)

    def _compose_problem(self, directive: ConstDirectiveNode) -> str | None:
        """Why Apollo would refuse this ``@composeDirective(name:)``, if it would."""
        name_arg = next((a for a in directive.arguments or () if a.name.value == "name"), None)
        raw = getattr(name_arg.value, "value", None) if name_arg is not None else None
        where = f'in subgraph "{self.definition.name}"'
        if not isinstance(raw, str) or not raw:
            return f"Argument to @composeDirective {where} cannot be NULL or an empty String"
        if not raw.startswith("@"):
            return f'Argument to @composeDirective "{raw}" {where} must have a leading "@"'
        name = raw[1:]
        defined = {
            d.name.value
            for d in self.document.definitions
            if isinstance(d, DirectiveDefinitionNode)
        }
        federation = self.links.directive_names.get(name)
        if federation is not None:
            if federation in COMPOSED_BY_DEFAULT:
                return None  # Apollo only hints: these are composed anyway
            return f'Composing federation directive "{raw}" {where} is not supported'
        if name in defined or name in BUILTIN_DIRECTIVES:
            if name in self.links.foreign:
                return None
            return (
                f'Directive "{raw}" {where} cannot be composed because it is not a member of a '
                "core feature"
            )
        known = sorted(
            {f"@{d}" for d in defined | set(self.links.directive_names) | BUILTIN_DIRECTIVES}
            | {"@link"}
        )
        return (
            "Could not find matching directive definition for argument to @composeDirective "
            f'"{raw}" {where}.' + did_you_mean(suggestion_list(raw, known))
        )

    def _is_plumbing_type(self, name: str) -> bool:
        return (
            name in BUILTIN_TYPES
            or name.startswith(("link__", "federation__", "join__"))
            or any(name.startswith(f"{ns}__") for ns in self.links.link_names)
        )

    def _directive_definition(self, node: DirectiveDefinitionNode) -> None:
        name = node.name.value
        canonical = self.links.canonical(name)
        if canonical in FEDERATION_DIRECTIVES or name in BUILTIN_DIRECTIVES:
            return
        if name in self.links.link_names or name.startswith(("link__", "federation__")):
            return
        self.subgraph.directive_definitions[name] = node

    def _directives(self, nodes: object) -> list[AppliedDirective]:
        applied: list[AppliedDirective] = []
        for node in nodes or ():  # type: ignore[attr-defined]
            name = self.links.canonical(node.name.value)
            args = {a.name.value: a.value for a in node.arguments or ()}
            applied.append(
                AppliedDirective(
                    name, args, local_name=node.name.value, origin=self.definition.name
                )
            )
        return applied

    def _input_value(self, node: InputValueDefinitionNode) -> InputValue:
        return InputValue(
            name=node.name.value,
            type=self._rename_type(node.type),
            default=node.default_value,
            description=_description(node),
            directives=self._directives(node.directives),
        )

    def _rename_type(self, type_node: TypeNode) -> TypeNode:
        # Custom root type names (``schema { query: RootQuery }``) become the default names.
        if isinstance(type_node, NamedTypeNode):
            renamed = self.root_renames.get(type_node.name.value)
            if renamed:
                return NamedTypeNode(name=NameNode(value=renamed))
            return type_node
        if isinstance(type_node, ListTypeNode):
            return ListTypeNode(type=self._rename_type(type_node.type))
        assert isinstance(type_node, NonNullTypeNode)
        inner = self._rename_type(type_node.type)
        assert isinstance(inner, NamedTypeNode | ListTypeNode)
        return NonNullTypeNode(type=inner)

    def _type(self, node: TypeDefinitionNode | TypeExtensionNode) -> None:
        name = self.root_renames.get(node.name.value, node.name.value)
        kind = KIND_BY_NODE[type(node)]
        type_def = self.subgraph.types.get(name)
        if type_def is None:
            type_def = TypeDef(name=name, kind=kind)
            self.subgraph.types[name] = type_def
        if isinstance(node, TypeDefinitionNode):
            type_def.description = _description(node) or type_def.description
        applied = self._directives(node.directives)
        if isinstance(node, TypeExtensionNode):
            # A key written on ``extend type`` gives join__type(extension: true).
            for directive in applied:
                directive.from_extension = True
        type_def.directives.extend(applied)
        for field_node in getattr(node, "fields", None) or ():
            if kind == "input":
                value = self._input_value(field_node)
                type_def.input_fields[value.name] = value
                continue
            field_def = FieldDef(
                name=field_node.name.value,
                type=self._rename_type(field_node.type),
                args={a.name.value: self._input_value(a) for a in field_node.arguments or ()},
                description=_description(field_node),
                directives=self._directives(field_node.directives),
            )
            type_def.fields[field_def.name] = field_def
        for interface in getattr(node, "interfaces", None) or ():
            if interface.name.value not in type_def.interfaces:
                type_def.interfaces.append(interface.name.value)
        for member in getattr(node, "types", None) or ():
            if member.name.value not in type_def.members:
                type_def.members.append(member.name.value)
        for value_node in getattr(node, "values", None) or ():
            type_def.values[value_node.name.value] = EnumValueDef(
                name=value_node.name.value,
                description=_description(value_node),
                directives=self._directives(value_node.directives),
            )


def _description(node: object) -> str | None:
    description = getattr(node, "description", None)
    return description.value if description is not None else None
