"""Build small federated subgraphs for router tests from an SDL and plain Python data.

The SDL is a subgraph schema as written for composition (federation directives, ``extend
type`` for Federation 1). Directives are stripped (the subgraph server does not need them),
``_entities``/``_service`` are added, and fields resolve from dicts: a value that is callable
is called with the field's arguments.

    app = federated_app(SDL, root={"user": lambda id: USERS[id]},
                        entities={"User": lambda rep: USERS.get(rep["id"])})
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Mapping
from typing import Any

from graphql import (
    DirectiveNode,
    DocumentNode,
    GraphQLInterfaceType,
    GraphQLObjectType,
    GraphQLResolveInfo,
    GraphQLSchema,
    GraphQLUnionType,
    InterfaceTypeDefinitionNode,
    InterfaceTypeExtensionNode,
    ObjectTypeDefinitionNode,
    ObjectTypeExtensionNode,
    SchemaDefinitionNode,
    SchemaExtensionNode,
    TypeDefinitionNode,
    TypeExtensionNode,
    build_ast_schema,
    parse,
)
from graphql.language import ast

from tests.router.harness import ASGIApp, graphql_app

EntityResolver = Callable[[dict[str, Any]], Any]

_FEDERATION_TYPES = """
scalar _Any
type _Service { sdl: String }
"""

_KEEP_DIRECTIVES = {"deprecated", "specifiedBy", "oneOf"}

_TO_DEFINITION: dict[type, type] = {
    ObjectTypeExtensionNode: ObjectTypeDefinitionNode,
    InterfaceTypeExtensionNode: InterfaceTypeDefinitionNode,
}


def _strip(directives: Any) -> tuple[DirectiveNode, ...]:
    return tuple(d for d in directives or () if d.name.value in _KEEP_DIRECTIVES)


def _clean(node: Any) -> Any:
    """Copy a type-system node without federation directives (recursively on fields/args)."""
    updates: dict[str, Any] = {}
    if hasattr(node, "directives"):
        updates["directives"] = _strip(node.directives)
    for attr in ("fields", "arguments", "values"):
        children = getattr(node, attr, None)
        if children:
            updates[attr] = tuple(_clean(child) for child in children)
    return dataclasses.replace(node, **updates)


def subgraph_document(sdl: str) -> tuple[DocumentNode, list[str]]:
    """The executable subgraph document and the names of its entity (keyed object) types."""
    document = parse(sdl)
    defined = {d.name.value for d in document.definitions if isinstance(d, TypeDefinitionNode)}
    definitions: list[Any] = []
    entities: list[str] = []
    query_seen = False
    for definition in document.definitions:
        if isinstance(definition, SchemaExtensionNode | SchemaDefinitionNode):
            continue
        if isinstance(definition, TypeDefinitionNode | TypeExtensionNode):
            name = definition.name.value
            if name in ("_Any", "_Entity", "_Service"):
                continue  # printed by a federation library: added again below
            fields = getattr(definition, "fields", None)
            if name == "Query" and fields:
                kept = tuple(f for f in fields if f.name.value not in ("_entities", "_service"))
                definition = dataclasses.replace(definition, fields=kept)  # type: ignore[call-arg]
            directives = [d.name.value for d in definition.directives or ()]
            if "key" in directives and isinstance(
                definition, ObjectTypeDefinitionNode | ObjectTypeExtensionNode
            ):
                entities.append(name)
            if name == "Query":
                query_seen = True
            # Federation 1 declares entities owned elsewhere with `extend type` only.
            kind = _TO_DEFINITION.get(type(definition))
            if kind is not None and name not in defined:
                defined.add(name)
                fields = {k: getattr(definition, k) for k in definition.keys}
                definition = kind(**fields, description=None)
        definitions.append(_clean(definition))
    extra = _FEDERATION_TYPES
    if entities:
        extra += "union _Entity = " + " | ".join(dict.fromkeys(entities)) + "\n"
        extra += "extend type Query { _entities(representations: [_Any!]!): [_Entity]! }\n"
    extra += "extend type Query { _service: _Service! }\n"
    if not query_seen:
        extra = "type Query\n" + extra
    definitions.extend(parse(extra).definitions)
    return ast.DocumentNode(definitions=tuple(definitions)), entities


def _resolve(source: Any, info: GraphQLResolveInfo, **args: Any) -> Any:
    value = source.get(info.field_name) if isinstance(source, Mapping) else None
    if callable(value):
        return value(**args)
    return value


def _resolve_type(value: Any, info: GraphQLResolveInfo, abstract: Any) -> str | None:
    return value.get("__typename") if isinstance(value, Mapping) else None


def federated_schema(
    sdl: str, entities: Mapping[str, EntityResolver] | None = None
) -> GraphQLSchema:
    """A graphql-core schema for a subgraph SDL, with ``_entities`` resolving via ``entities``."""
    document, _entity_names = subgraph_document(sdl)
    schema = build_ast_schema(document, assume_valid_sdl=True)
    resolvers = dict(entities or {})
    for gql_type in schema.type_map.values():
        if isinstance(gql_type, GraphQLObjectType) and not gql_type.name.startswith("__"):
            for gql_field in gql_type.fields.values():
                gql_field.resolve = _resolve
        elif isinstance(gql_type, GraphQLInterfaceType | GraphQLUnionType):
            gql_type.resolve_type = _resolve_type

    def resolve_entities(
        _root: Any, _info: GraphQLResolveInfo, representations: list[dict[str, Any]]
    ) -> list[Any]:
        results = []
        for rep in representations:
            resolver = resolvers.get(rep["__typename"])
            found = resolver(rep) if resolver else None
            if isinstance(found, dict) and "__typename" not in found:
                found = {"__typename": rep["__typename"], **found}
            results.append(found)
        return results

    query_type = schema.query_type
    assert query_type is not None
    if "_entities" in query_type.fields:
        query_type.fields["_entities"].resolve = resolve_entities
    query_type.fields["_service"].resolve = lambda *_a, **_k: {"sdl": sdl}
    return schema


def federated_app(
    sdl: str,
    *,
    root: Mapping[str, Any] | None = None,
    entities: Mapping[str, EntityResolver] | None = None,
    **app_options: Any,
) -> ASGIApp:
    """An ASGI app serving the subgraph; ``root`` holds Query/Mutation field values."""
    return graphql_app(federated_schema(sdl, entities), root_value=dict(root or {}), **app_options)
