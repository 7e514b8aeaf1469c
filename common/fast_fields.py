"""Plain attribute fields resolved by one ``getattr``, without Strawberry's wrapper layers.

Strawberry resolves a field without a resolver ("basic field") through two wrapper calls
before ``getattr(source, python_name)``; a 50-entity fetch runs some 650 of them. For every
basic field of every object type, :func:`resolve_basic_fields_directly` puts the ``getattr``
itself in the GraphQL field, once per schema, when the schema's default resolver is
``getattr`` (Strawberry's default). What a field returns is unchanged.
"""

from __future__ import annotations

from typing import Any

import strawberry
from graphql import GraphQLObjectType
from strawberry.types.base import StrawberryObjectDefinition


def _getter(python_name: str) -> Any:
    def resolve(source: Any, _info: Any) -> Any:
        return getattr(source, python_name)

    resolve._is_default = True  # type: ignore[attr-defined]  # as Strawberry marks its own
    return resolve


def resolve_basic_fields_directly(schema: strawberry.Schema) -> None:
    """Replace the resolvers of ``schema``'s basic fields with a direct ``getattr``."""
    if schema.config.default_resolver is not getattr:
        return
    graphql_schema = schema._schema
    names = schema.config.name_converter
    for name, type_ in schema.schema_converter.type_map.items():
        definition = type_.definition
        if not isinstance(definition, StrawberryObjectDefinition) or definition.is_input:
            continue
        graphql_type = graphql_schema.type_map.get(name)
        if not isinstance(graphql_type, GraphQLObjectType):
            continue
        for field in definition.fields:
            if not field.is_basic_field:
                continue
            graphql_field = graphql_type.fields.get(names.get_graphql_name(field))
            if graphql_field is None or graphql_field.args:
                continue
            resolve = graphql_field.resolve
            # Strawberry's wrapper for basic fields without exception handlers, and only it.
            if resolve is not None and getattr(resolve, "__name__", "") == "_get_basic_result":
                graphql_field.resolve = _getter(field.python_name)
