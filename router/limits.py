"""Operation limits: tokens, depth, aliases, root fields, cost and introspection.

Every check runs before the operation is planned, so a refused operation never reaches a
subgraph. Tokens are counted with graphql-core's lexer before anything is parsed; the other
measures walk the parsed operation, following fragment spreads (each spread counts as often
as it is used) and stopping at fragment cycles, which validation rejects afterwards anyway.
The structural measures depend only on the document, so they are cached by query text; the
cost is recomputed per request only when a page-size argument comes from a variable.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from graphql import (
    DocumentNode,
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    GraphQLError,
    GraphQLNamedType,
    GraphQLSchema,
    InlineFragmentNode,
    IntValueNode,
    OperationDefinitionNode,
    SelectionSetNode,
    VariableNode,
    get_named_type,
    is_composite_type,
    is_interface_type,
    is_object_type,
    parse,
)
from graphql.error import GraphQLSyntaxError
from graphql.language import Lexer, Source, TokenKind

from router.config import LimitsSettings

INTROSPECTION_FIELDS = frozenset({"__schema", "__type"})


def request_error(message: str, code: str, **extensions: Any) -> GraphQLError:
    """A request error carrying ``extensions.code`` (and any extra extensions)."""
    return GraphQLError(message, extensions={"code": code, **extensions})


def count_tokens(query: str, stop_after: int | None = None) -> int:
    """Count the lexical tokens of ``query`` (comments excluded), stopping past ``stop_after``.

    A lexing error ends the count early: the parser reports the syntax error afterwards.
    """
    lexer = Lexer(Source(query))
    count = 0
    try:
        while lexer.advance().kind != TokenKind.EOF:
            count += 1
            if stop_after is not None and count > stop_after:
                break
    except GraphQLSyntaxError:
        pass
    return count


@dataclass(frozen=True)
class OperationShape:
    """The variable-independent measures of one operation."""

    depth: int
    aliases: int
    root_fields: int
    introspection: bool
    # None when a page-size argument is a variable: the cost is then computed per request.
    static_cost: int | None
    document: DocumentNode
    operation: OperationDefinitionNode


class _Walker:
    """Walks one operation's selections, expanding fragments with cycle protection."""

    def __init__(
        self, document: DocumentNode, schema: GraphQLSchema | None, settings: LimitsSettings
    ) -> None:
        self.fragments: dict[str, FragmentDefinitionNode] = {
            d.name.value: d for d in document.definitions if isinstance(d, FragmentDefinitionNode)
        }
        self.schema = schema
        self.settings = settings
        self.uses_variable_sizes = False

    def _fragment(self, spread: FragmentSpreadNode, path: frozenset[str]) -> Any:
        name = spread.name.value
        if name in path:
            return None
        return self.fragments.get(name)

    def depth(
        self, selection_set: SelectionSetNode | None, path: frozenset[str] = frozenset()
    ) -> int:
        if selection_set is None:
            return 0
        deepest = 0
        for selection in selection_set.selections:
            if isinstance(selection, FieldNode):
                if selection.name.value in INTROSPECTION_FIELDS:
                    continue  # introspection has its own switch; its nesting is fixed
                deepest = max(deepest, 1 + self.depth(selection.selection_set, path))
            elif isinstance(selection, InlineFragmentNode):
                deepest = max(deepest, self.depth(selection.selection_set, path))
            elif isinstance(selection, FragmentSpreadNode):
                fragment = self._fragment(selection, path)
                if fragment is not None:
                    inner = path | {fragment.name.value}
                    deepest = max(deepest, self.depth(fragment.selection_set, inner))
        return deepest

    def aliases(
        self, selection_set: SelectionSetNode | None, path: frozenset[str] = frozenset()
    ) -> int:
        if selection_set is None:
            return 0
        total = 0
        for selection in selection_set.selections:
            if isinstance(selection, FieldNode):
                total += (selection.alias is not None) + self.aliases(selection.selection_set, path)
            elif isinstance(selection, InlineFragmentNode):
                total += self.aliases(selection.selection_set, path)
            elif isinstance(selection, FragmentSpreadNode):
                fragment = self._fragment(selection, path)
                if fragment is not None:
                    inner = path | {fragment.name.value}
                    total += self.aliases(fragment.selection_set, inner)
        return total

    def root_fields(
        self, selection_set: SelectionSetNode, path: frozenset[str] = frozenset()
    ) -> tuple[int, bool]:
        """Number of root fields and whether any of them is introspection."""
        count, introspection = 0, False
        for selection in selection_set.selections:
            if isinstance(selection, FieldNode):
                count += 1
                introspection = introspection or selection.name.value in INTROSPECTION_FIELDS
            else:
                inner_set: SelectionSetNode | None = None
                inner_path = path
                if isinstance(selection, InlineFragmentNode):
                    inner_set = selection.selection_set
                elif isinstance(selection, FragmentSpreadNode):
                    fragment = self._fragment(selection, path)
                    if fragment is not None:
                        inner_set, inner_path = fragment.selection_set, path | {fragment.name.value}
                if inner_set is not None:
                    more, more_introspection = self.root_fields(inner_set, inner_path)
                    count += more
                    introspection = introspection or more_introspection
        return count, introspection

    def cost(
        self,
        selection_set: SelectionSetNode | None,
        parent: GraphQLNamedType | None,
        variables: Mapping[str, Any] | None,
        path: frozenset[str] = frozenset(),
    ) -> int:
        if selection_set is None or self.schema is None:
            return 0
        total = 0
        for selection in selection_set.selections:
            if isinstance(selection, FieldNode):
                total += self._field_cost(selection, parent, variables, path)
            elif isinstance(selection, InlineFragmentNode):
                condition = selection.type_condition
                inner = self.schema.get_type(condition.name.value) if condition else parent
                # Sum over type conditions: an upper bound, whichever member is returned.
                total += self.cost(selection.selection_set, inner, variables, path)
            elif isinstance(selection, FragmentSpreadNode):
                fragment = self._fragment(selection, path)
                if fragment is not None:
                    inner = self.schema.get_type(fragment.type_condition.name.value)
                    inner_path = path | {fragment.name.value}
                    total += self.cost(fragment.selection_set, inner, variables, inner_path)
        return total

    def _field_cost(
        self,
        node: FieldNode,
        parent: GraphQLNamedType | None,
        variables: Mapping[str, Any] | None,
        path: frozenset[str],
    ) -> int:
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
        else:
            complexity = (
                self.settings.default_object_cost if composite else self.settings.default_leaf_cost
            )
        size_arguments = (
            entry.multipliers
            if entry is not None and entry.multipliers is not None
            else self.settings.list_size_arguments
        )
        multiplier = self._multiplier(node, size_arguments, variables)
        children = self.cost(node.selection_set, named, variables, path) if composite else 0
        return multiplier * (complexity + children)

    def _multiplier(
        self, node: FieldNode, size_arguments: list[str], variables: Mapping[str, Any] | None
    ) -> int:
        multiplier = 1
        for argument in node.arguments or ():
            if argument.name.value not in size_arguments:
                continue
            value: Any = None
            if isinstance(argument.value, IntValueNode):
                value = int(argument.value.value)
            elif isinstance(argument.value, VariableNode):
                self.uses_variable_sizes = True
                value = (variables or {}).get(argument.value.name.value)
            if isinstance(value, int) and not isinstance(value, bool) and value > multiplier:
                multiplier = value
        return multiplier


def _select_operation(
    document: DocumentNode, operation_name: str | None
) -> OperationDefinitionNode | None:
    operations = [d for d in document.definitions if isinstance(d, OperationDefinitionNode)]
    if operation_name is None:
        return operations[0] if len(operations) == 1 else None
    for operation in operations:
        if operation.name is not None and operation.name.value == operation_name:
            return operation
    return None


class OperationLimits:
    """Checks operations against :class:`LimitsSettings`; results are cached by query text."""

    def __init__(
        self, settings: LimitsSettings, schema: GraphQLSchema | None, cache_size: int = 1000
    ) -> None:
        self.settings = settings
        self.schema = schema
        self._cache_size = cache_size
        self._shapes: OrderedDict[tuple[str, str | None], OperationShape | None] = OrderedDict()

    def check(
        self, query: str, operation_name: str | None, variables: Mapping[str, Any] | None
    ) -> GraphQLError | None:
        """The first limit ``query`` exceeds, or ``None``.

        Documents that do not parse, or name no operation, pass: ``Gateway.prepare`` then
        reports the syntax or validation error with its usual message.
        """
        key = (query, operation_name)
        shape = self._shapes.get(key, _MISSING)
        if shape is _MISSING:
            tokens_error = self._check_tokens(query)
            if tokens_error is not None:
                return tokens_error  # not cached: a huge query must not fill the cache
            shape = self._measure(query, operation_name)
            self._remember(key, shape)
        else:
            self._shapes.move_to_end(key)
        if shape is None:
            return None
        assert isinstance(shape, OperationShape)
        return self._check_shape(shape, variables)

    def _check_tokens(self, query: str) -> GraphQLError | None:
        limit = self.settings.max_tokens
        if limit is None:
            return None
        tokens = count_tokens(query, stop_after=limit)
        if tokens > limit:
            return request_error(
                f"Operation has more than {limit} tokens.", "MAX_TOKENS_EXCEEDED", limit=limit
            )
        return None

    def _measure(self, query: str, operation_name: str | None) -> OperationShape | None:
        try:
            document = parse(query, no_location=True)
        except GraphQLError:
            return None
        operation = _select_operation(document, operation_name)
        if operation is None:
            return None
        walker = _Walker(document, self.schema, self.settings)
        root_fields, introspection = walker.root_fields(operation.selection_set)
        static_cost: int | None = None
        if self.settings.max_cost is not None:
            cost = walker.cost(operation.selection_set, self._root_type(operation), None)
            static_cost = None if walker.uses_variable_sizes else cost
        return OperationShape(
            depth=walker.depth(operation.selection_set),
            aliases=walker.aliases(operation.selection_set),
            root_fields=root_fields,
            introspection=introspection,
            static_cost=static_cost,
            document=document,
            operation=operation,
        )

    def _root_type(self, operation: OperationDefinitionNode) -> GraphQLNamedType | None:
        if self.schema is None:
            return None
        return self.schema.get_root_type(operation.operation)

    def _check_shape(
        self, shape: OperationShape, variables: Mapping[str, Any] | None
    ) -> GraphQLError | None:
        settings = self.settings
        if shape.introspection and not settings.introspection:
            return request_error("GraphQL introspection is not allowed.", "INTROSPECTION_DISABLED")
        if settings.max_depth is not None and shape.depth > settings.max_depth:
            return request_error(
                f"Operation depth {shape.depth} exceeds the maximum of {settings.max_depth}.",
                "MAX_DEPTH_EXCEEDED",
                limit=settings.max_depth,
            )
        if settings.max_aliases is not None and shape.aliases > settings.max_aliases:
            return request_error(
                f"Operation uses {shape.aliases} aliases; the maximum is {settings.max_aliases}.",
                "MAX_ALIASES_EXCEEDED",
                limit=settings.max_aliases,
            )
        if settings.max_root_fields is not None and shape.root_fields > settings.max_root_fields:
            return request_error(
                f"Operation selects {shape.root_fields} root fields;"
                f" the maximum is {settings.max_root_fields}.",
                "MAX_ROOT_FIELDS_EXCEEDED",
                limit=settings.max_root_fields,
            )
        if settings.max_cost is not None:
            cost = shape.static_cost
            if cost is None:
                walker = _Walker(shape.document, self.schema, settings)
                root = self._root_type(shape.operation)
                cost = walker.cost(shape.operation.selection_set, root, variables)
            if cost > settings.max_cost:
                return request_error(
                    f"Operation cost {cost} exceeds the maximum of {settings.max_cost}.",
                    "COST_LIMIT_EXCEEDED",
                    cost=cost,
                    limit=settings.max_cost,
                )
        return None

    def _remember(self, key: tuple[str, str | None], shape: OperationShape | None) -> None:
        self._shapes[key] = shape
        if len(self._shapes) > self._cache_size:
            self._shapes.popitem(last=False)


_MISSING: Any = object()
