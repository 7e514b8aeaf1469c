"""Normalised selections: fragments inlined, ``@skip``/``@include`` decided, field keys assigned.

The planner and the response shaper both walk these trees. A :class:`Field` carries the client
response key and the ``data_key`` under which its value is stored in the merged subgraph data
(usually the same; an internal alias when two different fields would collide).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from graphql import (
    ArgumentNode,
    DirectiveNode,
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    InlineFragmentNode,
    OperationDefinitionNode,
    SelectionSetNode,
    VariableNode,
    parse,
    print_ast,
    value_from_ast_untyped,
)
from graphql.language import Visitor, visit


@dataclass(eq=False)
class Field:
    """A field selection; ``selections`` is None for leaves."""

    response_key: str
    name: str
    arguments: tuple[ArgumentNode, ...] = ()
    selections: list[Selection] | None = None
    data_key: str = ""
    node: FieldNode | None = None  # client AST node (introspection fields are run from it)

    def __post_init__(self) -> None:
        if not self.data_key:
            self.data_key = self.response_key

    @property
    def args_text(self) -> str:
        """Arguments as printed in a query: ``(a: 1, b: $x)`` or empty."""
        if not self.arguments:
            return ""
        return "(" + ", ".join(print_ast(a) for a in self.arguments) + ")"

    @property
    def signature(self) -> tuple[str, str]:
        """What makes two fields fetch the same value: name and arguments."""
        return (self.name, self.args_text)


@dataclass(eq=False)
class Fragment:
    """An inline fragment (named fragments are inlined into these)."""

    type_condition: str | None
    selections: list[Selection] = field(default_factory=list)


Selection = Field | Fragment


def condition_variables(operation: OperationDefinitionNode) -> tuple[str, ...]:
    """Variables used by ``@skip``/``@include`` anywhere in the operation (plans depend on them)."""
    names: list[str] = []

    class _Collect(Visitor):
        def enter_directive(self, node: DirectiveNode, *_args: Any) -> None:
            if node.name.value in ("skip", "include"):
                for arg in node.arguments or ():
                    if isinstance(arg.value, VariableNode) and arg.value.name.value not in names:
                        names.append(arg.value.name.value)

    visit(operation, _Collect())
    return tuple(names)


def _included(node: Any, variables: Mapping[str, Any]) -> bool:
    for directive in node.directives or ():
        name = directive.name.value
        if name not in ("skip", "include"):
            continue
        value: Any = True
        for arg in directive.arguments or ():
            if arg.name.value == "if":
                value = value_from_ast_untyped(arg.value, dict(variables))
        if name == "skip" and value is True:
            return False
        if name == "include" and value is not True:
            return False
    return True


def normalize(
    selection_set: SelectionSetNode | None,
    fragments: Mapping[str, FragmentDefinitionNode],
    variables: Mapping[str, Any],
) -> list[Selection]:
    """Turn a client selection set into :class:`Field`/:class:`Fragment` trees."""
    if selection_set is None:
        return []
    result: list[Selection] = []
    for node in selection_set.selections:
        if not _included(node, variables):
            continue
        if isinstance(node, FieldNode):
            sub = (
                normalize(node.selection_set, fragments, variables)
                if node.selection_set is not None
                else None
            )
            key = node.alias.value if node.alias else node.name.value
            result.append(Field(key, node.name.value, tuple(node.arguments or ()), sub, node=node))
        elif isinstance(node, InlineFragmentNode):
            condition = node.type_condition.name.value if node.type_condition else None
            result.append(Fragment(condition, normalize(node.selection_set, fragments, variables)))
        elif isinstance(node, FragmentSpreadNode):
            definition = fragments.get(node.name.value)
            if definition is not None:
                result.append(
                    Fragment(
                        definition.type_condition.name.value,
                        normalize(definition.selection_set, fragments, variables),
                    )
                )
    return result


def parse_field_set(text: str) -> list[Selection]:
    """Parse a federation field set (``"id owner { id }"``) into selections."""
    operation = parse("{" + text + "}", no_location=True).definitions[0]
    assert isinstance(operation, OperationDefinitionNode)
    return normalize(operation.selection_set, {}, {})


def parse_selection(text: str) -> list[Selection]:
    """Parse a selection written with or without braces (a context's `` { currency }``)."""
    source = text if text.strip().startswith("{") else "{" + text + "}"
    operation = parse(source, no_location=True).definitions[0]
    assert isinstance(operation, OperationDefinitionNode)
    return normalize(operation.selection_set, {}, {})


def copy_selections(selections: Iterable[Selection]) -> list[Selection]:
    """Fresh copies (internal selections get their own data keys per use)."""
    copies: list[Selection] = []
    for selection in selections:
        if isinstance(selection, Field):
            sub = (
                copy_selections(selection.selections) if selection.selections is not None else None
            )
            copies.append(Field(selection.response_key, selection.name, selection.arguments, sub))
        else:
            copies.append(Fragment(selection.type_condition, copy_selections(selection.selections)))
    return copies


def variables_in(arguments: Iterable[ArgumentNode]) -> set[str]:
    """Names of the variables an argument list uses."""
    names: set[str] = set()

    class _Collect(Visitor):
        def enter_variable(self, node: VariableNode, *_args: Any) -> None:
            names.add(node.name.value)

    for argument in arguments:
        visit(argument, _Collect())
    return names
