"""``@context`` / ``@fromContext`` (Federation 2.8) in one subgraph: parsing and checks.

A type sets a named context (``@context(name: "store")``); an argument of a field below it
takes its value from there (``@fromContext(field: "$store { currency }")``). The supergraph
drops such arguments and lists them in ``@join__field(contextArguments:)``. The checks follow
Apollo's subgraph validation, with its error codes and messages.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass

from graphql import GraphQLSyntaxError, parse, print_ast
from graphql.language import (
    FieldNode,
    InlineFragmentNode,
    ListTypeNode,
    NamedTypeNode,
    NonNullTypeNode,
    OperationDefinitionNode,
    SelectionSetNode,
    TypeNode,
)

from router.composition.fieldset import kind_of
from router.composition.schema_model import FieldDef, InputValue, Subgraph, TypeDef

_IGNORED = r"(?:[\n\r\t ,]|#[^\n\r]*(?![^\n\r]))*"
# Apollo's parseContext: "$name rest", where rest is the selection (leading spaces kept).
_CONTEXT_FIELD = re.compile(
    rf"{_IGNORED}\${_IGNORED}([A-Za-z_][A-Za-z0-9_]*(?![A-Za-z0-9_]))([\s\S]*)\Z"
)
_CONTEXT_NAME = re.compile(r"[A-Za-z][A-Za-z0-9_]*")


def parse_context(field: str) -> tuple[str | None, str | None]:
    """``"$store { currency }"`` → ``("store", " { currency }")``; (None, None) if malformed."""
    match = _CONTEXT_FIELD.match(field)
    if match is None:
        return None, None
    return match.group(1), match.group(2)


@dataclass(frozen=True)
class ContextArgument:
    """One argument of a field whose value comes from a context."""

    name: str
    type: TypeNode
    context: str  # as the subgraph names it
    selection: str


def context_arguments(field_def: FieldDef) -> list[ContextArgument]:
    """The field's arguments that take their value from a context (well-formed ones only)."""
    found = []
    for arg in field_def.args.values():
        directive = next((d for d in arg.directives if d.name == "fromContext"), None)
        if directive is None:
            continue
        context, selection = parse_context(directive.arg_str("field") or "")
        if context and selection:
            found.append(ContextArgument(arg.name, arg.type, context, selection))
    return found


def is_contextual(arg: InputValue) -> bool:
    return any(d.name == "fromContext" for d in arg.directives)


def contexts_set(subgraph: Subgraph) -> dict[str, list[TypeDef]]:
    """Context name → the types that set it, in the order the subgraph declares them."""
    found: dict[str, list[TypeDef]] = {}
    for type_def in subgraph.types.values():
        for directive in type_def.all("context"):
            name = directive.arg_str("name")
            if name is not None:
                found.setdefault(name, []).append(type_def)
    return found


def _selection_set(selection: str) -> SelectionSetNode:
    text = selection if selection.strip().startswith("{") else "{" + selection + "}"
    document = parse(text, no_location=True)
    operation = document.definitions[0]
    assert isinstance(operation, OperationDefinitionNode)
    return operation.selection_set


def used_fields(subgraph: Subgraph) -> set[tuple[str, str]]:
    """(type, field) pairs that some context selection reads (so an @external there is used)."""
    used: set[tuple[str, str]] = set()
    locations = contexts_set(subgraph)
    for type_def in subgraph.types.values():
        for field_def in type_def.fields.values():
            for argument in context_arguments(field_def):
                for location in locations.get(argument.context, []):
                    try:
                        selection = _selection_set(argument.selection)
                    except GraphQLSyntaxError:
                        continue
                    _collect(subgraph, location.name, selection, used)
    return used


def _collect(
    subgraph: Subgraph, type_name: str, selection: SelectionSetNode, used: set[tuple[str, str]]
) -> None:
    for item in selection.selections:
        if isinstance(item, InlineFragmentNode):
            condition = item.type_condition.name.value if item.type_condition else type_name
            _collect(subgraph, condition, item.selection_set, used)
        elif isinstance(item, FieldNode):
            field_def = subgraph.field(type_name, item.name.value)
            if field_def is None:
                continue
            used.add((type_name, item.name.value))
            for implementation in _implementations(subgraph, type_name):
                if item.name.value in implementation.fields:
                    used.add((implementation.name, item.name.value))
            if item.selection_set is not None:
                _collect(subgraph, _named(field_def.type), item.selection_set, used)


def _implementations(subgraph: Subgraph, type_name: str) -> list[TypeDef]:
    return [t for t in subgraph.types.values() if type_name in t.interfaces]


def _named(type_node: TypeNode) -> str:
    while isinstance(type_node, ListTypeNode | NonNullTypeNode):
        type_node = type_node.type
    assert isinstance(type_node, NamedTypeNode)
    return type_node.name.value


Report = Callable[[str, str, str, str | None], None]


class ContextChecker:
    """Apollo's @context/@fromContext checks for one subgraph; ``report(code, message, type,
    field)`` receives each error (the caller prefixes the subgraph name)."""

    def __init__(self, subgraph: Subgraph, report: Report) -> None:
        self.subgraph = subgraph
        self.report = report

    def run(self) -> None:
        for type_def in self.subgraph.types.values():
            for directive in type_def.all("context"):
                self._name(type_def, directive.arg_str("name") or "")
        locations = contexts_set(self.subgraph)
        for type_def, field_def, arg in self._contextual_arguments():
            self._argument(type_def, field_def, arg, locations)

    def _name(self, type_def: TypeDef, name: str) -> None:
        if "_" in name:
            message = f'Context name "{name}" may not contain an underscore.'
        elif not _CONTEXT_NAME.fullmatch(name):
            message = (
                f'Context name "{name}" is invalid. It should have only alphanumeric characters.'
            )
        else:
            return
        self.report("CONTEXT_NAME_INVALID", message, type_def.name, None)

    def _contextual_arguments(self) -> Iterator[tuple[TypeDef, FieldDef, InputValue]]:
        for type_def in self.subgraph.types.values():
            for field_def in type_def.fields.values():
                for arg in field_def.args.values():
                    if is_contextual(arg):
                        yield type_def, field_def, arg

    def _argument(
        self,
        type_def: TypeDef,
        field_def: FieldDef,
        arg: InputValue,
        locations: dict[str, list[TypeDef]],
    ) -> None:
        coordinate = f"{type_def.name}.{field_def.name}({arg.name}:)"

        def error(code: str, message: str) -> None:
            self.report(code, message, type_def.name, field_def.name)

        if type_def.kind != "object":
            error(
                "CONTEXT_NOT_SET",
                "@fromContext argument cannot be used on a field that exists on an abstract "
                f'type "{coordinate}".',
            )
            return
        for interface in type_def.interfaces:
            interface_def = self.subgraph.types.get(interface)
            if interface_def is not None and field_def.name in interface_def.fields:
                error(
                    "CONTEXT_NOT_SET",
                    "@fromContext argument cannot be used on a field implementing an interface "
                    f'field "{interface}.{field_def.name}".',
                )
        if arg.default is not None:
            error(
                "CONTEXT_NOT_SET",
                f'@fromContext arguments may not have a default value: "{coordinate}".',
            )
        directive = next(d for d in arg.directives if d.name == "fromContext")
        field = directive.arg_str("field") or ""
        context, selection = parse_context(field)
        if not context or not selection:
            error(
                "NO_CONTEXT_IN_SELECTION",
                f'@fromContext argument does not reference a context "{field}".',
            )
            return
        if context not in locations:
            error(
                "CONTEXT_NOT_SET",
                f'Context "{context}" is used at location "{coordinate}" but is never set.',
            )
        else:
            _SelectionCheck(self.subgraph, context, coordinate, arg.type, error).run(
                selection, locations[context]
            )
        if not any(key.arg_bool("resolvable", True) for key in type_def.keys):
            error(
                "CONTEXT_NO_RESOLVABLE_KEY",
                f'Object "{type_def.name}" has no resolvable key but has a field with a '
                "contextual argument.",
            )


class _SelectionCheck:
    """Whether a context selection selects exactly one value of the argument's type."""

    def __init__(
        self,
        subgraph: Subgraph,
        context: str,
        coordinate: str,
        expected: TypeNode,
        error: Callable[[str, str], None],
    ) -> None:
        self.subgraph = subgraph
        self.expected = expected
        self.prefix = f'Context "{context}" is used in "{coordinate}" but the selection is invalid'
        self._error = error

    def error(self, detail: str) -> None:
        self._error("CONTEXT_INVALID_SELECTION", f"{self.prefix}{detail}")

    def run(self, selection: str, locations: list[TypeDef]) -> None:
        try:
            parsed = _selection_set(selection)
        except GraphQLSyntaxError as exc:
            self.error(f": {exc.message}")
            return
        items = parsed.selections
        if not items:
            self.error(": no selection is made")
            return
        if isinstance(items[0], FieldNode):
            if len(items) != 1:
                self.error(": multiple selections are made")
                return
            for location in locations:
                if not self._field_location(location, parsed):
                    return
            return
        if not all(isinstance(i, InlineFragmentNode) for i in items):
            self.error(": multiple fields could be selected")
            return
        fragments = [i for i in items if isinstance(i, InlineFragmentNode)]
        conditions = [f.type_condition.name.value for f in fragments if f.type_condition]
        if len(set(conditions)) != len(items):
            self.error(": type conditions have same name")
            return
        used: set[str] = set()
        for location in locations:
            if not self._fragment_location(location, fragments, used):
                return
        for condition in dict.fromkeys(conditions):
            if condition not in used:
                self.error(f': type condition "{condition}" is never used.')

    def _field_location(self, location: TypeDef, parsed: SelectionSetNode) -> bool:
        try:
            resolved = self._resolved(location.name, parsed, location.name)
        except _InvalidSelection:
            return False
        if resolved is None or not _implements(resolved, self.expected):
            self.error(
                f': the type of the selection "{_print(resolved)}" does not match the expected '
                f'type "{print_ast(self.expected)}"'
            )
            return False
        return True

    def _fragment_location(
        self, location: TypeDef, fragments: list[InlineFragmentNode], used: set[str]
    ) -> bool:
        possible = self._possible_types(location)
        matching = []
        for fragment in fragments:
            assert fragment.type_condition is not None
            condition = fragment.type_condition.name.value
            if kind_of(self.subgraph, condition) != "object":
                self.error(": type conditions must be an object type")
                continue
            if condition in possible:
                matching.append((condition, fragment))
                used.add(condition)
        if not matching:
            self.error(f': no type condition matches the location "{location.name}"')
            return False
        for condition, fragment in matching:
            try:
                resolved = self._resolved(condition, fragment.selection_set, location.name)
            except _InvalidSelection:
                return False
            if resolved is None:
                self.error(
                    ": the type of the selection does not match the expected type "
                    f'"{print_ast(self.expected)}"'
                )
                return False
            if not _implements(resolved, self.expected):
                self.error(
                    f': the type of the selection "{_print(resolved)}" does not match the '
                    f'expected type "{print_ast(self.expected)}"'
                )
                return False
        return True

    def _possible_types(self, location: TypeDef) -> set[str]:
        if location.kind == "object":
            return {location.name}
        if location.kind == "union":
            return set(location.members)
        return {t.name for t in _implementations(self.subgraph, location.name)}

    def _resolved(
        self, type_name: str, selection: SelectionSetNode, location: str
    ) -> _Resolved | None:
        """The selected value's type (lists kept, non-null dropped, as Apollo compares it);
        None when several different values are selected. Raises :class:`_InvalidSelection`
        (after reporting) when the selection does not fit the schema."""
        results: list[_Resolved | None] = []
        for item in selection.selections:
            if not isinstance(item, FieldNode):
                results.append(None)
                continue
            if item.alias is not None:
                self.error(": aliases are not allowed in the selection")
            if item.directives:
                self.error(": directives are not allowed in the selection")
            field_def = self.subgraph.field(type_name, item.name.value)
            if field_def is None:
                self.error(
                    f" for type {location}. Error: Cannot query field "
                    f'"{item.name.value}" on type "{type_name}".'
                )
                raise _InvalidSelection
            given = {a.name.value for a in item.arguments or ()}
            for arg in field_def.args.values():
                if arg.name in given or arg.default is not None:
                    continue
                if isinstance(arg.type, NonNullTypeNode):
                    self.error(
                        f" for type {location}. Error: Missing mandatory value for argument "
                        f'"{arg.name}" of field "{type_name}.{field_def.name}" in selection '
                        f'"{item.name.value}"'
                    )
                    raise _InvalidSelection
            named = _named(field_def.type)
            if item.selection_set is not None:
                inner = self._resolved(named, item.selection_set, location)
                if inner is None:
                    results.append(None)
                    continue
                results.append(_Resolved(inner.name, _list_depth(field_def.type) + inner.lists))
            else:
                results.append(_Resolved(named, _list_depth(field_def.type)))
        if not results or any(r != results[0] for r in results):
            return None
        return results[0]


@dataclass(frozen=True)
class _Resolved:
    name: str
    lists: int


class _InvalidSelection(Exception):
    """The selection does not fit the schema (already reported)."""


def _print(resolved: _Resolved | None) -> str:
    if resolved is None:
        return "undefined"
    return "[" * resolved.lists + resolved.name + "]" * resolved.lists


def _list_depth(type_node: TypeNode) -> int:
    depth = 0
    while isinstance(type_node, ListTypeNode | NonNullTypeNode):
        if isinstance(type_node, ListTypeNode):
            depth += 1
        type_node = type_node.type
    return depth


def _implements(resolved: _Resolved, expected: TypeNode) -> bool:
    """Apollo's IsValidImplementationFieldType with the nullable selection type: the argument's
    type must be nullable at every level and have the same lists and named type."""
    lists = 0
    while isinstance(expected, ListTypeNode):
        lists += 1
        expected = expected.type
    if not isinstance(expected, NamedTypeNode):
        return False  # non-null somewhere: the selection's value may be null
    return lists == resolved.lists and expected.name.value == resolved.name
