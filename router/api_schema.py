"""The API schema: what clients see of a supergraph.

Strips the federation machinery (``@link``, ``join__*``, ``link__*``, Apollo spec directives such
as ``@tag``) and every ``@inaccessible`` element — types, fields, arguments, input fields, enum
values, union members, implemented interfaces — so validation and introspection never see them.
Contextual arguments (``@fromContext``) are hidden too: the router fills them in. Composition
leaves them out of the supergraph already; a supergraph that keeps them marks them with the
context spec's ``@fromContext`` or lists them in ``@join__field(contextArguments:)``.
Directives composed in with ``@composeDirective`` (non-Apollo ``@link``s) stay.
"""

from __future__ import annotations

import dataclasses
from typing import Any

from graphql import (
    DirectiveDefinitionNode,
    DocumentNode,
    FieldDefinitionNode,
    GraphQLSchema,
    NamedTypeNode,
    SchemaDefinitionNode,
    SchemaExtensionNode,
    TypeDefinitionNode,
    UnionTypeDefinitionNode,
    build_ast_schema,
    parse,
    value_from_ast_untyped,
)
from graphql.language import ast

from router.supergraph.parser import find_feature, linked_features

_BUILT_IN_DIRECTIVES = {"deprecated", "specifiedBy", "skip", "include", "oneOf"}


def _named(node: Any) -> str:
    while not isinstance(node, NamedTypeNode):
        node = node.type
    return node.name.value


class _Stripper:
    def __init__(self, document: DocumentNode) -> None:
        features = linked_features(document)
        self.machinery_prefixes: set[str] = set()
        self.machinery_directives: set[str] = {"link", "core"}
        for feature in features:
            if feature.is_apollo_spec:
                self.machinery_prefixes.add(feature.prefix + "__")
                self.machinery_directives.add(feature.prefix)
                self.machinery_directives.update(v.lstrip("@") for v in feature.imports.values())
        # ``@link``/``@core`` are machinery even when a supergraph does not link their own spec
        # (hand-written ones often skip it), and so are the types their definitions use.
        for bootstrap in ("link", "core"):
            if find_feature(features, bootstrap) is None:
                self.machinery_prefixes.add(bootstrap + "__")
        inaccessible = find_feature(features, "inaccessible")
        self.inaccessible = inaccessible.directive_name("inaccessible") if inaccessible else None
        context = find_feature(features, "context")
        self.from_context = context.directive_name("fromContext") if context else None
        join = find_feature(features, "join")
        self.join_field = join.directive_name("field") if join else None
        self.removed_types: set[str] = set()

    def is_machinery(self, name: str) -> bool:
        return name in self.machinery_directives or any(
            name.startswith(prefix) for prefix in self.machinery_prefixes
        )

    def hidden(self, node: Any) -> bool:
        return any(d.name.value == self.inaccessible for d in node.directives or ())

    def directives(self, node: Any) -> tuple[Any, ...]:
        return tuple(d for d in node.directives or () if not self.is_machinery(d.name.value))

    def clean(self, node: Any) -> Any:
        """Copy a node without machinery directives and without inaccessible children."""
        updates: dict[str, Any] = {}
        if getattr(node, "directives", None):
            updates["directives"] = self.directives(node)
        contextual = self.contextual(node) if isinstance(node, FieldDefinitionNode) else set()
        for attr in ("fields", "arguments", "values"):
            children = getattr(node, attr, None)
            if children:
                updates[attr] = tuple(
                    self.clean(child)
                    for child in children
                    if not self.hidden(child)
                    and self.visible_type(child)
                    and not (attr == "arguments" and child.name.value in contextual)
                )
        if getattr(node, "interfaces", None):
            updates["interfaces"] = tuple(
                i for i in node.interfaces if i.name.value not in self.removed_types
            )
        if isinstance(node, UnionTypeDefinitionNode) and node.types:
            updates["types"] = tuple(
                t for t in node.types if t.name.value not in self.removed_types
            )
        return dataclasses.replace(node, **updates) if updates else node

    def contextual(self, node: FieldDefinitionNode) -> set[str]:
        """Names of the field's arguments whose values come from a context."""
        names = {
            arg.name.value
            for arg in node.arguments or ()
            if any(d.name.value == self.from_context for d in arg.directives or ())
        }
        for directive in node.directives or ():
            if directive.name.value != self.join_field:
                continue
            for argument in directive.arguments or ():
                if argument.name.value == "contextArguments":
                    value = value_from_ast_untyped(argument.value)
                    for item in value if isinstance(value, list) else ():
                        if isinstance(item, dict) and isinstance(item.get("name"), str):
                            names.add(item["name"])
        return names

    def visible_type(self, node: Any) -> bool:
        kind = getattr(node, "type", None)
        return kind is None or _named(kind) not in self.removed_types


def api_schema_document(supergraph_sdl: str | DocumentNode) -> DocumentNode:
    """The API schema document of a supergraph."""
    document = parse(supergraph_sdl) if isinstance(supergraph_sdl, str) else supergraph_sdl
    stripper = _Stripper(document)
    for definition in document.definitions:
        if isinstance(definition, TypeDefinitionNode):
            name = definition.name.value
            if stripper.is_machinery(name) or stripper.hidden(definition):
                stripper.removed_types.add(name)
    definitions: list[Any] = []
    for definition in document.definitions:
        if isinstance(definition, SchemaDefinitionNode | SchemaExtensionNode):
            definitions.append(dataclasses.replace(definition, directives=()))
        elif isinstance(definition, DirectiveDefinitionNode):
            name = definition.name.value
            if not stripper.is_machinery(name) and name not in _BUILT_IN_DIRECTIVES:
                definitions.append(stripper.clean(definition))
        elif isinstance(definition, TypeDefinitionNode):
            if definition.name.value not in stripper.removed_types:
                definitions.append(stripper.clean(definition))
        else:
            definitions.append(definition)
    return ast.DocumentNode(definitions=tuple(definitions))


def build_api_schema(supergraph_sdl: str | DocumentNode) -> GraphQLSchema:
    """Build the client-facing schema of a supergraph (validation and introspection use it)."""
    return build_ast_schema(api_schema_document(supergraph_sdl), assume_valid_sdl=True)
