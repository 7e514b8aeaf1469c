"""The cost of an operation, each fragment costed once (see :mod:`common.operation_shape`)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from graphql import (
    DocumentNode,
    FieldNode,
    FragmentSpreadNode,
    GraphQLArgument,
    GraphQLNamedType,
    GraphQLSchema,
    InlineFragmentNode,
    IntValueNode,
    NullValueNode,
    OperationDefinitionNode,
    SelectionSetNode,
    VariableNode,
    get_named_type,
    is_composite_type,
    is_interface_type,
    is_object_type,
    value_from_ast_untyped,
)
from graphql.pyutils import Undefined

from common.operation_shape import fragment_order, fragments_of
from router.config import LimitsSettings

_GRAPHQL_INT = range(-(2**31), 2**31)


class CostModel:
    """The cost of an operation (in the spirit of saleor's query_cost_map).

    Every field returning an object costs ``default_object_cost``, every leaf
    ``default_leaf_cost``, unless the cost map says otherwise; a page-size argument multiplies
    the cost of the field and everything selected below it. A page-size argument the query
    leaves out counts at its schema default (what the subgraph will return), or at
    ``default_page_size`` when the schema gives none, so leaving ``first`` out never makes a
    query cheaper than asking for the default explicitly.
    """

    def __init__(self, schema: GraphQLSchema, settings: LimitsSettings) -> None:
        self.schema = schema
        self.settings = settings

    def cost(
        self,
        document: DocumentNode,
        operation: OperationDefinitionNode,
        variables: Mapping[str, Any] | None,
    ) -> tuple[int, bool]:
        """The cost, and whether a page size came from a variable (then it varies by request)."""
        values = _variable_values(operation, variables)
        fragments = fragments_of(document)
        run = _CostRun(self, values)
        for name in fragment_order(fragments, operation.selection_set):
            fragment = fragments[name]
            parent = self.schema.get_type(fragment.type_condition.name.value)
            run.known[name] = run.selection_set(fragment.selection_set, parent)
        root = self.schema.get_root_type(operation.operation)
        return run.selection_set(operation.selection_set, root), run.uses_variables


def _variable_values(
    operation: OperationDefinitionNode, variables: Mapping[str, Any] | None
) -> dict[str, Any]:
    """The request's variables, with the operation's defaults for those it leaves out."""
    values: dict[str, Any] = {}
    for definition in operation.variable_definitions or ():
        if definition.default_value is not None:
            values[definition.variable.name.value] = value_from_ast_untyped(
                definition.default_value
            )
    values.update(variables or {})
    return values


def _default_of(argument: GraphQLArgument) -> Any:
    """An argument's default value from the schema (a literal or a value), else ``None``."""
    default = argument.default
    if default is None:
        return None if argument.default_value is Undefined else argument.default_value
    if default.literal is not Undefined and default.literal is not None:
        return value_from_ast_untyped(default.literal)
    return None if default.value is Undefined else default.value


class _CostRun:
    """One cost computation: fragment costs so far and whether variables were read."""

    def __init__(self, model: CostModel, variables: Mapping[str, Any]) -> None:
        self.model = model
        self.settings = model.settings
        self.variables = variables
        self.known: dict[str, int] = {}
        self.uses_variables = False

    def selection_set(
        self, selection_set: SelectionSetNode | None, parent: GraphQLNamedType | None
    ) -> int:
        if selection_set is None:
            return 0
        total = 0
        for selection in selection_set.selections:
            if isinstance(selection, FieldNode):
                total += self._field(selection, parent)
            elif isinstance(selection, InlineFragmentNode):
                condition = selection.type_condition
                inner = self.model.schema.get_type(condition.name.value) if condition else parent
                # Sum over type conditions: an upper bound, whichever member is returned.
                total += self.selection_set(selection.selection_set, inner)
            elif isinstance(selection, FragmentSpreadNode):
                total += self.known.get(selection.name.value, 0)
        return total

    def _field(self, node: FieldNode, parent: GraphQLNamedType | None) -> int:
        name = node.name.value
        if name.startswith("__") or not (is_object_type(parent) or is_interface_type(parent)):
            return 0
        field = parent.fields.get(name)
        if field is None:
            return 0  # unknown field: validation reports it
        named = get_named_type(field.type)
        entry = self.settings.cost_map.get(f"{parent.name}.{name}")
        composite = is_composite_type(named)
        if entry is not None:
            complexity = entry.complexity
        elif composite:
            complexity = self.settings.default_object_cost
        else:
            complexity = self.settings.default_leaf_cost
        size_arguments = (
            entry.multipliers
            if entry is not None and entry.multipliers is not None
            else self.settings.list_size_arguments
        )
        defaults = {
            argument_name: _default_of(argument)
            for argument_name, argument in field.args.items()
            if argument_name in size_arguments
        }
        multiplier = self._multiplier(node, defaults)
        children = self.selection_set(node.selection_set, named) if composite else 0
        return multiplier * (complexity + children)

    def _multiplier(self, node: FieldNode, defaults: Mapping[str, Any]) -> int:
        """The largest page size the field may return: given, else defaulted."""
        if not defaults:
            return 1
        given: dict[str, Any] = {}
        for argument in node.arguments or ():
            name = argument.name.value
            if name not in defaults:
                continue
            if isinstance(argument.value, IntValueNode):
                given[name] = int(argument.value.value)
            elif isinstance(argument.value, VariableNode):
                self.uses_variables = True
                given[name] = self.variables.get(argument.value.name.value)
            elif isinstance(argument.value, NullValueNode):
                given[name] = None
        sizes = []
        for name, default in defaults.items():
            value = given.get(name)
            if value is None:
                value = default
            # A size outside GraphQL's Int is not a page size but an error: validation (or
            # variable coercion) refuses it as BAD_USER_INPUT naming the argument, which says
            # more than a cost computed from it (``first: 2^100``).
            if isinstance(value, int) and not isinstance(value, bool) and value in _GRAPHQL_INT:
                sizes.append(value)
        if not sizes:
            return max(1, self.settings.default_page_size)
        return max(1, *sizes)
