"""The measures of one operation (depth, aliases, fields, spreads, cost), each fragment once.

A fragment may be spread many times, and fragments spread other fragments: a few hundred
bytes of ``fragment F1 on T { ...F2 ...F2 }`` chains stand for 2^29 spreads. Expanding them
would block the router, so each fragment is measured once, in an order where the fragments it
spreads are measured before it, and a spread adds its fragment's measure. Spreads that close
a cycle (or name no fragment) add nothing: validation rejects such documents afterwards. The
order is found without recursion through spreads, so a long chain of fragments cannot
exhaust the stack either; recursion only follows the nesting of one definition, which the
parser bounds.

Sums can grow huge (2^29 fields); Python integers stay exact, and the limits compare them.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from graphql import (
    DocumentNode,
    FieldNode,
    FragmentDefinitionNode,
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

from router.config import LimitsSettings

INTROSPECTION_FIELDS = frozenset({"__schema", "__type"})


@dataclass(frozen=True)
class Measure:
    """Measures of one selection set with its fragments expanded."""

    depth: int = 0
    aliases: int = 0
    fields: int = 0  # field selections, each fragment counted as often as it is spread
    spreads: int = 0  # fragment spreads, counted the same way
    top_fields: int = 0  # fields directly in the selection set (through fragments)
    introspection: bool = False  # whether one of those is __schema or __type


_EMPTY = Measure()


def _spreads_in(selection_set: SelectionSetNode | None) -> Iterator[str]:
    """Names of the fragments spread in ``selection_set`` (not through other fragments)."""
    if selection_set is None:
        return
    for selection in selection_set.selections:
        if isinstance(selection, FragmentSpreadNode):
            yield selection.name.value
        else:
            yield from _spreads_in(selection.selection_set)  # type: ignore[attr-defined]


def fragment_order(
    fragments: Mapping[str, FragmentDefinitionNode], selection_set: SelectionSetNode
) -> list[str]:
    """The fragments reachable from ``selection_set``, each after the ones it spreads.

    An iterative depth-first walk; a spread back onto the current path (a cycle) is skipped.
    """
    direct = {
        name: list(dict.fromkeys(_spreads_in(f.selection_set))) for name, f in fragments.items()
    }
    order: list[str] = []
    done: set[str] = set()
    for root in dict.fromkeys(_spreads_in(selection_set)):
        if root in done or root not in fragments:
            continue
        path = [(root, iter(direct[root]))]
        on_path = {root}
        while path:
            name, pending = path[-1]
            for spread in pending:
                if spread in fragments and spread not in done and spread not in on_path:
                    path.append((spread, iter(direct[spread])))
                    on_path.add(spread)
                    break
            else:
                path.pop()
                on_path.discard(name)
                done.add(name)
                order.append(name)
    return order


def fragments_of(document: DocumentNode) -> dict[str, FragmentDefinitionNode]:
    """The document's fragment definitions by name (the first of a duplicated name wins)."""
    found: dict[str, FragmentDefinitionNode] = {}
    for definition in document.definitions:
        if isinstance(definition, FragmentDefinitionNode):
            found.setdefault(definition.name.value, definition)
    return found


def measure(document: DocumentNode, operation: OperationDefinitionNode) -> Measure:
    """Depth, aliases, field and spread counts and root fields of ``operation``."""
    fragments = fragments_of(document)
    known: dict[str, Measure] = {}
    for name in fragment_order(fragments, operation.selection_set):
        known[name] = _measure_set(fragments[name].selection_set, known)
    return _measure_set(operation.selection_set, known)


def _measure_set(selection_set: SelectionSetNode | None, known: Mapping[str, Measure]) -> Measure:
    if selection_set is None:
        return _EMPTY
    depth = aliases = fields = spreads = top_fields = 0
    introspection = False
    for selection in selection_set.selections:
        if isinstance(selection, FieldNode):
            inner = _measure_set(selection.selection_set, known)
            name = selection.name.value
            top_fields += 1
            fields += 1 + inner.fields
            aliases += (selection.alias is not None) + inner.aliases
            spreads += inner.spreads
            if name in INTROSPECTION_FIELDS:
                introspection = True  # introspection has its own switch; its nesting is fixed
            else:
                depth = max(depth, 1 + inner.depth)
            continue
        if isinstance(selection, InlineFragmentNode):
            inner = _measure_set(selection.selection_set, known)
        else:
            assert isinstance(selection, FragmentSpreadNode)
            inner = known.get(selection.name.value, _EMPTY)
            spreads += 1
        depth = max(depth, inner.depth)
        aliases += inner.aliases
        fields += inner.fields
        spreads += inner.spreads
        top_fields += inner.top_fields
        introspection = introspection or inner.introspection
    return Measure(depth, aliases, fields, spreads, top_fields, introspection)


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
            if isinstance(value, int) and not isinstance(value, bool):
                sizes.append(value)
        if not sizes:
            return max(1, self.settings.default_page_size)
        return max(1, *sizes)


def most_repeated_field(
    document: DocumentNode, operation: OperationDefinitionNode
) -> tuple[str, int]:
    """The response name selected most often in one selection set, and how often.

    Validation checks every pair of fields that share a response name in a selection set
    (fragments spread there included), which grows with the square of the repeats. This walk
    expands the fragments spread directly in a selection set, so call it only on an operation
    whose expanded size is bounded. A field's selection set counts the same wherever its
    fragment is spread, so each is counted once (which also ends fragment cycles).
    """
    fragments = fragments_of(document)
    worst = ("", 0)
    pending: list[SelectionSetNode] = [operation.selection_set]
    seen: set[int] = set()
    while pending:
        selection_set = pending.pop()
        if id(selection_set) in seen:
            continue
        seen.add(id(selection_set))
        counts: dict[str, int] = {}
        pending.extend(_collect(selection_set, fragments, counts, frozenset()))
        for name, count in counts.items():
            if count > worst[1]:
                worst = (name, count)
    return worst


def _collect(
    selection_set: SelectionSetNode,
    fragments: Mapping[str, FragmentDefinitionNode],
    counts: dict[str, int],
    path: frozenset[str],
) -> list[SelectionSetNode]:
    """Count the response names of ``selection_set``; return the fields' own selection sets."""
    nested: list[SelectionSetNode] = []
    for selection in selection_set.selections:
        if isinstance(selection, FieldNode):
            key = (selection.alias or selection.name).value
            counts[key] = counts.get(key, 0) + 1
            if selection.selection_set is not None:
                nested.append(selection.selection_set)
        elif isinstance(selection, InlineFragmentNode):
            nested.extend(_collect(selection.selection_set, fragments, counts, path))
        elif isinstance(selection, FragmentSpreadNode):
            name = selection.name.value
            fragment = fragments.get(name)
            if fragment is not None and name not in path:
                nested.extend(_collect(fragment.selection_set, fragments, counts, path | {name}))
    return nested
