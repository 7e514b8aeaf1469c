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

Three more shortcuts, each with the same fallback (decision 0037):

- a selection made only of such plain fields (scalars, enums, ``__typename``, and objects
  whose own selection is plain) is completed by a plan built once per execution: a loop of
  ``getattr`` and ``serialize`` per object, without a path, an ``execute_field`` call or a
  resolve info per field. Anything but a plain value (a null in a non-null field, a refused
  value, an exception) abandons the plan for that object before anything is reported, and
  graphql-core completes the object from the start (only attributes were read);
- an object-typed plain field outside such a plan is completed without its resolve info,
  resolver call and ``complete_value`` dispatch (same sub-selection, same error handling);
- a union member is found from the value's class (remembered per union and class) when that
  is what Strawberry's union resolver would pick: a non-generic Strawberry type not cast
  with ``strawberry.cast``; anything else goes to Strawberry's resolver.
"""

from __future__ import annotations

from typing import Any

import strawberry
from graphql import (
    GraphQLEnumType,
    GraphQLNonNull,
    GraphQLObjectType,
    GraphQLScalarType,
    GraphQLUnionType,
)
from graphql.pyutils import Undefined
from graphql.type.scalars import serialize_boolean, serialize_id, serialize_string
from strawberry.schema.schema import StrawberryGraphQLCoreExecutionContext
from strawberry.schema.schema_converter import CustomGraphQLEnumType, GraphQLCoreConverter
from strawberry.types.base import StrawberryObjectDefinition
from strawberry.types.cast import TYPE_CAST_ATTRIBUTE

# Scalars whose serializer returns a value of exactly this class unchanged.
_UNCHANGED: dict[Any, type] = {serialize_string: str, serialize_id: str, serialize_boolean: bool}


def _enum_serializer(enum: GraphQLEnumType) -> Any:
    """``enum``'s serializer, answering a member of its Python enum by one dict lookup where
    Strawberry's compares the value with each of the enum's values in turn (the first name
    whose value matches, as there); anything else goes to Strawberry's."""
    serialize = enum.serialize
    if not isinstance(enum, CustomGraphQLEnumType):
        return serialize
    names: dict[Any, str] = {}
    for name, enum_value in enum.values.items():
        names.setdefault(enum_value.value, name)
    wrapped = enum.wrapped_cls

    def serialize_member(value: Any) -> Any:
        if type(value) is wrapped:
            name = names.get(value.value)
            if name is not None:
                return name
        return serialize(value)

    return serialize_member


def _leaf(python_name: str, leaf: GraphQLScalarType | GraphQLEnumType, nullable: bool) -> Any:
    """How a plain field of type ``leaf`` completes: attribute, serializer, nullable, and the
    class whose instances it returns unchanged (None: always call the serializer)."""
    if isinstance(leaf, GraphQLEnumType):
        return (python_name, _enum_serializer(leaf), nullable, None)
    return (python_name, leaf.serialize, nullable, _UNCHANGED.get(leaf.serialize))


def _getter(python_name: str, return_type: Any) -> Any:
    def resolve(source: Any, _info: Any) -> Any:
        return getattr(source, python_name)

    resolve._is_default = True  # type: ignore[attr-defined]  # as Strawberry marks its own
    nullable = not isinstance(return_type, GraphQLNonNull)
    leaf = return_type if nullable else return_type.of_type
    if isinstance(leaf, GraphQLScalarType | GraphQLEnumType):
        resolve._realio_leaf = _leaf(python_name, leaf, nullable)  # type: ignore[attr-defined]
    elif isinstance(leaf, GraphQLObjectType):
        resolve._realio_object = (python_name, leaf, nullable)  # type: ignore[attr-defined]
    return resolve


DEFINITION_BACKREF = GraphQLCoreConverter.DEFINITION_BACKREF
_SLOW = object()
_NOT_MEMBER = object()


def _union_member(union: GraphQLUnionType, value: Any) -> GraphQLObjectType | None:
    """The member of ``union`` that Strawberry's union type resolver picks for ``value``,
    when that is simply the object type of ``value``'s class (not generic, not a
    ``strawberry.cast``), remembered per class; None when Strawberry's resolver must decide
    (and report what is wrong)."""
    if getattr(value, TYPE_CAST_ATTRIBUTE, None) is not None:
        return None
    resolve_type = union.resolve_type
    if getattr(resolve_type, "__name__", "") != "_resolve_union_type":
        return None
    members: dict[type, Any] = union.__dict__.setdefault("_realio_members", {})
    cls = type(value)
    member = members.get(cls)
    if member is None:
        member = members[cls] = _member_of(union, cls)
    return None if member is _NOT_MEMBER else member


def _member_of(union: GraphQLUnionType, cls: type) -> Any:
    definition = getattr(cls, "__strawberry_definition__", None)
    if (
        not isinstance(definition, StrawberryObjectDefinition)
        or definition.origin is not cls
        or definition.is_graphql_generic
        or definition.concrete_of is not None
    ):
        return _NOT_MEMBER
    for member in union.types:
        if member.extensions.get(DEFINITION_BACKREF) is definition:
            return member
    return _NOT_MEMBER


# One field of a plain selection: response name, attribute (None: ``__typename``), the leaf's
# serialize (or the type name for ``__typename``), nullable, the object's own plan, the class
# whose instances the leaf's serialize returns unchanged (or None).
_Step = tuple[str, str | None, Any, bool, "list[Any] | None", type | None]
_Plan = list[_Step]


def _run_plan(plan: _Plan, source: Any) -> Any:
    """The completed selection, or ``_SLOW`` (nothing reported) for anything but plain values:
    a null in a non-null field, a value its scalar refuses, an exception. Only attributes are
    read, so graphql-core's own path then runs the selection again and reports it."""
    data: dict[str, Any] = {}
    try:
        for response_name, attribute, serialize, nullable, sub_plan, unchanged in plan:
            if attribute is None:
                data[response_name] = serialize
                continue
            value = getattr(source, attribute)
            if value is None:
                if not nullable:
                    return _SLOW
                data[response_name] = None
                continue
            if type(value) is unchanged:
                data[response_name] = value
                continue
            if isinstance(value, Exception):
                return _SLOW
            if sub_plan is None:
                completed = serialize(value)
                if completed is None or completed is Undefined:
                    return _SLOW
            else:
                completed = _run_plan(sub_plan, value)
                if completed is _SLOW:
                    return _SLOW
            data[response_name] = completed
    except Exception:
        return _SLOW
    return data


class FastLeafExecutor(StrawberryGraphQLCoreExecutionContext):
    """Strawberry's execution context, completing plain scalar/enum fields directly."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        manager = self.middleware_manager
        self._fast = manager is None or getattr(manager, "_middleware_resolvers", 1) is None
        self._plans: dict[tuple[GraphQLObjectType, int], tuple[Any, _Plan | None]] = {}

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
            resolve = field.resolve if field is not None else None
            leaf = getattr(resolve, "_realio_leaf", None)
            if leaf is not None and not node.arguments:
                try:
                    value = getattr(source, leaf[0])
                    if value is not None:
                        serialized = leaf[1](value)
                        if serialized is not None and serialized is not Undefined:
                            return serialized
                except Exception:
                    pass
            else:
                plain = getattr(resolve, "_realio_object", None)
                if plain is not None and not node.arguments:
                    completed = self._complete_plain_object(
                        plain, field, source, field_details_list, path, position_context
                    )
                    if completed is not _SLOW:
                        return completed
        return super().execute_field(
            parent_type, source, field_details_list, path, position_context
        )

    def collect_and_execute_subfields(
        self,
        return_type: GraphQLObjectType,
        field_details_list: Any,
        path: Any,
        result: Any,
        position_context: Any,
    ) -> Any:
        if self._fast:
            plan = self._plan(return_type, field_details_list)
            if plan is not None:
                completed = _run_plan(plan, result)
                if completed is not _SLOW:
                    return completed
        return super().collect_and_execute_subfields(
            return_type, field_details_list, path, result, position_context
        )

    def complete_iterable_value(
        self,
        item_type: Any,
        field_details_list: Any,
        info: Any,
        path: Any,
        items: Any,
        position_context: Any,
    ) -> Any:
        if self._fast and type(items) is list and not field_details_list[0].node.directives:
            completed = self._complete_plain_items(item_type, field_details_list, items)
            if completed is not _SLOW:
                return completed
        return super().complete_iterable_value(
            item_type, field_details_list, info, path, items, position_context
        )

    def _complete_plain_items(
        self, item_type: Any, field_details_list: Any, items: list[Any]
    ) -> Any:
        """A list of objects (or of a union's members) whose selection is plain, completed by
        its plan item after item, without a path, a ``complete_value`` dispatch and a type
        resolution per item; ``_SLOW`` (nothing reported) when any item needs graphql-core:
        a null where the list's items are non-null, an awaitable, an exception, a member
        Strawberry's resolver must choose, a selection without a plan. graphql-core then
        completes the whole list, reading the same attributes again."""
        nullable = not isinstance(item_type, GraphQLNonNull)
        named = item_type if nullable else item_type.of_type
        union = named if isinstance(named, GraphQLUnionType) else None
        if union is None and not (
            isinstance(named, GraphQLObjectType) and named.is_type_of is None
        ):
            return _SLOW
        plans: dict[GraphQLObjectType, _Plan | None] = {}
        is_awaitable = self.is_awaitable
        completed: list[Any] = []
        for item in items:
            if item is None:
                if not nullable:
                    return _SLOW
                completed.append(None)
                continue
            if union is not None:
                runtime_type = _union_member(union, item)  # None for awaitables, exceptions
                if runtime_type is None or runtime_type.is_type_of is not None:
                    return _SLOW
            elif isinstance(item, Exception) or is_awaitable(item):
                return _SLOW
            else:
                runtime_type = named
            if runtime_type in plans:
                plan = plans[runtime_type]
            else:
                plan = plans[runtime_type] = self._plan(runtime_type, field_details_list)
            if plan is None:
                return _SLOW
            data = _run_plan(plan, item)
            if data is _SLOW:
                return _SLOW
            completed.append(data)
        return completed

    def _plan(self, object_type: GraphQLObjectType, field_details_list: Any) -> _Plan | None:
        """The selection of ``object_type`` as a list of plain reads, or None when any field
        of it needs graphql-core (a resolver, arguments, an abstract or list type, a
        deferred fragment). Kept per execution, like graphql-core's collected subfields."""
        key = (object_type, id(field_details_list))
        cached = self._plans.get(key)
        if cached is not None:
            return cached[1]
        plan: _Plan | None = []
        grouped_field_set, new_defer_usages, _forbidden = self.collect_subfields(
            object_type, field_details_list
        )
        if new_defer_usages:
            plan = None
        for response_name, sub_details in grouped_field_set.items():
            if plan is None:
                break
            node = sub_details[0].node
            if node.arguments:
                plan = None
                break
            name = node.name.value
            if name == "__typename":
                plan.append((response_name, None, object_type.name, False, None, None))
                continue
            field = object_type.fields.get(name)
            resolve = field.resolve if field is not None else None
            leaf = getattr(resolve, "_realio_leaf", None)
            if leaf is not None:
                plan.append((response_name, *leaf[:3], None, leaf[3]))
                continue
            plain = getattr(resolve, "_realio_object", None)
            sub_plan = None
            if plain is not None and plain[1].is_type_of is None:
                sub_plan = self._plan(plain[1], sub_details)
            if plain is None or sub_plan is None:
                plan = None
                break
            plan.append((response_name, plain[0], None, plain[2], sub_plan, None))
        self._plans[key] = (field_details_list, plan)
        return plan

    def complete_abstract_value(
        self,
        return_type: Any,
        field_details_list: Any,
        info: Any,
        path: Any,
        result: Any,
        position_context: Any,
    ) -> Any:
        if self._fast and isinstance(return_type, GraphQLUnionType):
            runtime_type = _union_member(return_type, result)
            if runtime_type is not None:
                return self.complete_object_value(
                    runtime_type, field_details_list, info, path, result, position_context
                )
        return super().complete_abstract_value(
            return_type, field_details_list, info, path, result, position_context
        )

    def _complete_plain_object(
        self,
        plain: tuple[str, GraphQLObjectType, bool],
        field: Any,
        source: Any,
        field_details_list: Any,
        path: Any,
        position_context: Any,
    ) -> Any:
        """An object-typed plain field, completed as graphql-core's ``execute_field`` would
        (same sub-selection execution, same error handling) without its resolve info, resolver
        call and ``complete_value`` dispatch. ``_SLOW`` (nothing run yet) for anything else:
        a null for a non-null field, an exception value, an ``is_type_of`` check."""
        name, object_type, nullable = plain
        try:
            value = getattr(source, name)
        except Exception:
            return _SLOW
        if value is None:
            return None if nullable else _SLOW
        if isinstance(value, Exception) or object_type.is_type_of is not None:
            return _SLOW
        return_type = field.type
        try:
            completed = self.collect_and_execute_subfields(
                object_type, field_details_list, path, value, position_context
            )
        except Exception as raw_error:
            self.handle_field_error(raw_error, return_type, field_details_list, path)
            return None
        if self.is_awaitable(completed):

            async def await_completed() -> Any:
                try:
                    return await completed
                except Exception as raw_error:
                    self.handle_field_error(raw_error, return_type, field_details_list, path)
                    return None

            return await_completed()
        return completed


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
