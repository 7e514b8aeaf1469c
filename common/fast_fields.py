"""Plain attribute fields resolved by one ``getattr``, without Strawberry's wrapper layers.

Strawberry resolves a field without a resolver ("basic field") through two wrapper calls
before ``getattr(source, python_name)``; a 50-entity fetch runs some 650 of them. For every
basic field of every object type, :func:`resolve_basic_fields_directly` puts the ``getattr``
itself in the GraphQL field, once per schema, when the schema's default resolver is
``getattr`` (Strawberry's default). What a field returns is unchanged.

:class:`FastLeafExecutor` then completes such a field whose type is a scalar or enum without
building its resolve info (its resolver needs none): ``getattr``, ``serialize``, done. Any
other case (a null, a value the scalar refuses, an error, middleware in use) goes through
graphql-core's own path, which reads the attribute again and reports exactly as before.
"""

from __future__ import annotations

from typing import Any

import strawberry
from graphql import (
    GraphQLEnumType,
    GraphQLNonNull,
    GraphQLObjectType,
    GraphQLScalarType,
)
from graphql.pyutils import Undefined
from strawberry.schema.schema import StrawberryGraphQLCoreExecutionContext
from strawberry.types.base import StrawberryObjectDefinition


def _getter(python_name: str, return_type: Any) -> Any:
    def resolve(source: Any, _info: Any) -> Any:
        return getattr(source, python_name)

    resolve._is_default = True  # type: ignore[attr-defined]  # as Strawberry marks its own
    leaf = return_type.of_type if isinstance(return_type, GraphQLNonNull) else return_type
    if isinstance(leaf, GraphQLScalarType | GraphQLEnumType):
        resolve._realio_leaf = (python_name, leaf.serialize)  # type: ignore[attr-defined]
    return resolve


class FastLeafExecutor(StrawberryGraphQLCoreExecutionContext):
    """Strawberry's execution context, completing plain scalar/enum fields directly."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        manager = self.middleware_manager
        self._fast = manager is None or getattr(manager, "_middleware_resolvers", 1) is None

    def execute_field(
        self,
        parent_type: GraphQLObjectType,
        source: Any,
        field_details_list: Any,
        path: Any,
        position_context: Any,
    ) -> Any:
        if self._fast:
            node = field_details_list[0].node
            field = parent_type.fields.get(node.name.value)
            leaf = getattr(field.resolve, "_realio_leaf", None) if field is not None else None
            if leaf is not None and not node.arguments:
                try:
                    value = getattr(source, leaf[0])
                    if value is not None:
                        serialized = leaf[1](value)
                        if serialized is not None and serialized is not Undefined:
                            return serialized
                except Exception:
                    pass
        return super().execute_field(
            parent_type, source, field_details_list, path, position_context
        )


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
                graphql_field.resolve = _getter(field.python_name, graphql_field.type)
    if schema.execution_context_class is StrawberryGraphQLCoreExecutionContext:
        schema.execution_context_class = FastLeafExecutor
