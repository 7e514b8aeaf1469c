"""Field sets (``@key(fields:)``, ``@requires``, ``@provides``): parsing and checking.

A field set is a selection without braces: ``id organisation { id } ... on Photo { url }``.
"""

from __future__ import annotations

from collections.abc import Iterator

from graphql import GraphQLSyntaxError, parse, print_ast
from graphql.language import (
    FieldNode,
    InlineFragmentNode,
    NonNullTypeNode,
    OperationDefinitionNode,
    SelectionSetNode,
)

from router.composition.schema_model import AppliedDirective, Subgraph, named_type

LEAF_KINDS = frozenset({"scalar", "enum"})
BUILTIN_SCALARS = frozenset({"String", "Int", "Float", "Boolean", "ID"})


class FieldSetError(Exception):
    """A field set that does not parse or does not fit the schema; the message says why."""

    def __init__(self, message: str, code_suffix: str = "INVALID_FIELDS") -> None:
        super().__init__(message)
        self.code_suffix = code_suffix


def parse_field_set(fields: str) -> SelectionSetNode:
    """Parses ``id owner { id }`` into a selection set; raises :class:`FieldSetError`."""
    try:
        document = parse("{" + fields + "}", no_location=True)
    except GraphQLSyntaxError as exc:
        raise FieldSetError(f"Syntax Error: {exc.message.removeprefix('Syntax Error: ')}") from exc
    operation = document.definitions[0]
    assert isinstance(operation, OperationDefinitionNode)
    return operation.selection_set


def kind_of(subgraph: Subgraph, type_name: str) -> str:
    if type_name in BUILTIN_SCALARS:
        return "scalar"
    type_def = subgraph.types.get(type_name)
    return type_def.kind if type_def else "scalar"


def walk(
    subgraph: Subgraph, type_name: str, selection_set: SelectionSetNode
) -> Iterator[tuple[str, str, FieldNode]]:
    """Yields (parent type, field name, node) for every field selected, checking each exists.

    Raises :class:`FieldSetError` for unknown fields or types, selections on leaves and
    missing selections on composite fields.
    """
    for selection in selection_set.selections:
        if isinstance(selection, InlineFragmentNode):
            target = selection.type_condition.name.value if selection.type_condition else type_name
            if target not in subgraph.types:
                raise FieldSetError(f'Unknown type "{target}"')
            yield from walk(subgraph, target, selection.selection_set)
            continue
        if not isinstance(selection, FieldNode):
            raise FieldSetError("Fragment spreads are not allowed in field sets")
        name = selection.name.value
        if name == "__typename":
            continue
        field_def = subgraph.field(type_name, name)
        if field_def is None:
            raise FieldSetError(
                f'Cannot query field "{name}" on type "{type_name}"', "UNKNOWN_FIELD"
            )
        for arg in field_def.args.values():
            given = {a.name.value for a in selection.arguments or ()}
            if (
                isinstance(arg.type, NonNullTypeNode)
                and arg.default is None
                and arg.name not in given
            ):
                raise FieldSetError(
                    f'Missing mandatory value for argument "{arg.name}" of field '
                    f'"{type_name}.{name}" in selection "{_field_text(selection)}"'
                )
        yield type_name, name, selection
        child = named_type(field_def.type)
        child_kind = kind_of(subgraph, child)
        if child_kind in LEAF_KINDS:
            if selection.selection_set is not None:
                raise FieldSetError(
                    f'Field "{type_name}.{name}" is of leaf type {child} '
                    "and cannot have a selection"
                )
        else:
            if selection.selection_set is None:
                raise FieldSetError(
                    f'Invalid empty selection set for field "{type_name}.{name}" '
                    f"of non-leaf type {field_def.type and _type_text(field_def.type)}"
                )
            yield from walk(subgraph, child, selection.selection_set)


def _type_text(type_node: object) -> str:
    from graphql import print_ast

    return print_ast(type_node)  # type: ignore[arg-type]


def selected_fields(
    subgraph: Subgraph, type_name: str, directive: AppliedDirective
) -> set[tuple[str, str]]:
    """The (type, field) pairs a directive's ``fields`` selects; empty when it is invalid."""
    fields = directive.arg_str("fields")
    if fields is None:
        return set()
    try:
        return {(t, f) for t, f, _ in walk(subgraph, type_name, parse_field_set(fields))}
    except FieldSetError:
        return set()


def _field_text(selection: FieldNode) -> str:
    """``address`` or ``address(format: SHORT)``: the field without its sub-selection."""
    if not selection.arguments:
        return selection.name.value
    args = ", ".join(f"{a.name.value}: {print_ast(a.value)}" for a in selection.arguments)
    return f"{selection.name.value}({args})"
