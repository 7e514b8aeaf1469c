"""Checks each subgraph on its own: field sets of @key/@requires/@provides, @external use."""

from __future__ import annotations

from graphql import print_ast
from graphql.language import FieldNode, InlineFragmentNode, SelectionSetNode, StringValueNode

from router.composition.contexts import ContextChecker, used_fields
from router.composition.fieldset import (
    FieldSetError,
    kind_of,
    parse_field_set,
    selected_fields,
    walk,
)
from router.composition.model import CompositionError
from router.composition.naming import printed, quoted_list
from router.composition.schema_model import (
    AppliedDirective,
    FieldDef,
    Subgraph,
    TypeDef,
    named_type,
)

# Field-set messages Apollo ends without a period.
UNPUNCTUATED = ("Invalid empty selection", "Missing mandatory value")
EXTERNAL_HINT = {
    "KEY": "the field should either be added to this subgraph or, if it should not be resolved "
    "by this subgraph, you need to add it to this subgraph with @external",
    "REQUIRES": "if the field is defined in another subgraph, you need to add it to this "
    "subgraph with @external",
    "PROVIDES": "if the field is defined in another subgraph, you need to add it to this "
    "subgraph with @external",
}


def validate_subgraph(subgraph: Subgraph) -> list[CompositionError]:
    """Errors of one subgraph, each message prefixed with ``[subgraph]`` like Apollo's."""
    checker = _Checker(subgraph)
    checker.run()
    return checker.errors


class _Checker:
    def __init__(self, subgraph: Subgraph) -> None:
        self.subgraph = subgraph
        self.errors: list[CompositionError] = []
        self.used_externals: set[tuple[str, str]] = set()

    def error(self, code: str, message: str, type_name: str, field_name: str | None = None) -> None:
        self.errors.append(
            CompositionError(
                code,
                f"[{self.subgraph.name}] {message}",
                (self.subgraph.name,),
                type_name,
                field_name,
            )
        )

    def run(self) -> None:
        for type_def in self.subgraph.types.values():
            if type_def.kind == "interface":
                self._interface(type_def)
            if self._keys_allowed(type_def):
                for key in type_def.keys:
                    self._field_set("KEY", type_def, None, type_def.name, key)
            for field_def in type_def.fields.values():
                requires = field_def.first("requires")
                if requires is not None:
                    self._field_set("REQUIRES", type_def, field_def, type_def.name, requires)
                provides = field_def.first("provides")
                if provides is not None:
                    if field_def.has("external"):
                        self.error(
                            "EXTERNAL_COLLISION_WITH_ANOTHER_DIRECTIVE",
                            f"Cannot have both @provides and @external on field "
                            f'"{type_def.name}.{field_def.name}"',
                            type_def.name,
                            field_def.name,
                        )
                        # Apollo still counts both the field and what it provides as used.
                        self.used_externals.add((type_def.name, field_def.name))
                        self.used_externals |= selected_fields(
                            self.subgraph, named_type(field_def.type), provides
                        )
                        continue
                    target = named_type(field_def.type)
                    if kind_of(self.subgraph, target) in ("scalar", "enum"):
                        self.error(
                            "PROVIDES_ON_NON_OBJECT_FIELD",
                            f'Invalid @provides directive on field "{type_def.name}.'
                            f'{field_def.name}": field has type "{print_ast(field_def.type)}" '
                            "which is not a Composite Type",
                            type_def.name,
                            field_def.name,
                        )
                        continue
                    self._field_set("PROVIDES", type_def, field_def, target, provides)
        for type_def in self.subgraph.types.values():
            if type_def.is_interface_object and not type_def.keys:
                self.error(
                    "INTERFACE_OBJECT_USAGE_ERROR",
                    "The @interfaceObject directive can only be applied to entity types but type "
                    f'"{type_def.name}" has no @key in this subgraph.',
                    type_def.name,
                )
        if self.subgraph.federation_version >= (2, 8):
            ContextChecker(self.subgraph, self.error).run()
            self.used_externals |= used_fields(self.subgraph)
        if not self.subgraph.is_fed1:
            self._unused_externals()

    def _field_set(
        self,
        kind: str,
        owner: TypeDef,
        field_def: FieldDef | None,
        target: str,
        directive: AppliedDirective,
    ) -> None:
        fields = directive.arg_str("fields") or ""
        where = (
            f'On type "{owner.name}"'
            if field_def is None
            else f'On field "{owner.name}.{field_def.name}"'
        )
        fields_arg = directive.args.get("fields")
        prefix = f"{where}, for {printed(directive)}: "
        field_name = field_def.name if field_def else None
        if fields_arg is not None and not isinstance(fields_arg, StringValueNode):
            self.error(
                f"{kind}_INVALID_FIELDS_TYPE",
                prefix + 'Invalid value for argument "fields": must be a string.',
                owner.name,
                field_name,
            )
            return
        try:
            selection = parse_field_set(fields)
            applied = applied_directives(selection)
            if applied:
                self.error(
                    f"{kind}_DIRECTIVE_IN_FIELDS_ARG",
                    prefix + f"cannot have directive applications in the "
                    f"@{directive.name.lower()}(fields:) argument but found {', '.join(applied)}.",
                    owner.name,
                    field_name,
                )
                # Apollo still counts what the field set selects as used.
                self.used_externals |= {
                    (p, n) for p, n, _ in walk(self.subgraph, target, selection)
                }
                return
            selected = list(walk(self.subgraph, target, selection))
            covered = self._under_external(target, selection, False)
        except FieldSetError as exc:
            message = str(exc)
            if exc.code_suffix == "UNKNOWN_FIELD":
                message += f" ({EXTERNAL_HINT[kind]})."
            elif not message.endswith(".") and not message.startswith(UNPUNCTUATED):
                message += "."
            self.error(f"{kind}_INVALID_FIELDS", prefix + message, owner.name, field_name)
            # Apollo still counts the fields the set names as used, unless one is unknown.
            if exc.code_suffix != "UNKNOWN_FIELD":
                self.used_externals |= self._named_fields(target, fields)
            return
        for parent, name, node in selected:
            selected_def = self.subgraph.field(parent, name)
            assert selected_def is not None
            if selected_def.has("external"):
                self.used_externals.add((parent, name))
            child_kind = kind_of(self.subgraph, named_type(selected_def.type))
            if kind == "KEY" and child_kind in ("interface", "union"):
                label = "Interface" if child_kind == "interface" else "Union"
                self.error(
                    "KEY_FIELDS_SELECT_INVALID_TYPE",
                    prefix
                    + f'field "{parent}.{name}" is a {label} type which is not allowed in @key',
                    owner.name,
                    field_name,
                )
            if kind in ("KEY", "PROVIDES") and selected_def.args:
                self.error(
                    f"{kind}_FIELDS_HAS_ARGS",
                    prefix + f"field {parent}.{name} cannot be included because it has arguments "
                    f"(fields with argument are not allowed in @{kind.lower()})",
                    owner.name,
                    field_name,
                )
            # A leaf needs @external itself unless a field above it in the set has it.
            is_leaf = node.selection_set is None and id(node) not in covered
            if (
                kind == "PROVIDES"
                and is_leaf
                and not selected_def.has("external")
                and not self.subgraph.is_fed1
            ):
                self.error(
                    "PROVIDES_FIELDS_MISSING_EXTERNAL",
                    prefix + f'field "{parent}.{name}" should not be part of a @provides since it '
                    "is already provided by this subgraph (it is not marked @external)",
                    owner.name,
                    field_name,
                )
            if (
                kind == "REQUIRES"
                and is_leaf
                and not selected_def.has("external")
                and not self.subgraph.is_fed1
            ):
                self.error(
                    "REQUIRES_FIELDS_MISSING_EXTERNAL",
                    prefix + f'field "{parent}.{name}" should not be part of a @requires since it '
                    "is already provided by this subgraph (it is not marked @external)",
                    owner.name,
                    field_name,
                )

    def _named_fields(self, type_name: str, fields: str) -> set[tuple[str, str]]:
        """(type, field) pairs an invalid field set names, as far as they exist."""
        try:
            selection_set = parse_field_set(fields)
        except FieldSetError:
            return set()
        found: set[tuple[str, str]] = set()
        pending = [(type_name, selection_set)]
        while pending:
            current, selections = pending.pop()
            for selection in selections.selections:
                if isinstance(selection, InlineFragmentNode):
                    condition = selection.type_condition
                    target = condition.name.value if condition else current
                    pending.append((target, selection.selection_set))
                    continue
                if not isinstance(selection, FieldNode):
                    continue
                field_def = self.subgraph.field(current, selection.name.value)
                if field_def is None:
                    continue
                found.add((current, field_def.name))
                if selection.selection_set is not None:
                    pending.append((named_type(field_def.type), selection.selection_set))
        return found

    def _under_external(
        self, type_name: str, selection_set: SelectionSetNode, external_above: bool
    ) -> set[int]:
        """Ids of the field nodes below an @external field (or below an interface field that
        some implementation declares @external), as Apollo's field-set validation tracks."""
        found: set[int] = set()
        for selection in selection_set.selections:
            if isinstance(selection, InlineFragmentNode):
                condition = selection.type_condition
                target = condition.name.value if condition else type_name
                found |= self._under_external(target, selection.selection_set, external_above)
                continue
            if not isinstance(selection, FieldNode):
                continue
            if external_above:
                found.add(id(selection))
            field_def = self.subgraph.field(type_name, selection.name.value)
            if field_def is None or selection.selection_set is None:
                continue
            below = external_above or field_def.has("external")
            parent = self.subgraph.types.get(type_name)
            if not below and parent is not None and parent.kind == "interface":
                below = any(
                    self.subgraph.is_external(t.name, field_def.name)
                    for t in self.subgraph.types.values()
                    if type_name in t.interfaces
                )
            found |= self._under_external(
                named_type(field_def.type), selection.selection_set, below
            )
        return found

    def _keys_allowed(self, type_def: TypeDef) -> bool:
        """@key on an interface needs Federation 2.3; its implementations must repeat it."""
        if type_def.kind != "interface" or not type_def.keys:
            return True
        if self.subgraph.federation_version < (2, 3):
            self.error(
                "KEY_UNSUPPORTED_ON_INTERFACE",
                f'Cannot use @key on interface "{type_def.name}": @key is not yet supported on '
                "interfaces",
                type_def.name,
            )
            return False
        implementations = [
            t
            for t in self.subgraph.types.values()
            if t.kind == "object" and type_def.name in t.interfaces
        ]
        for key in type_def.keys:
            if not selected_fields(self.subgraph, type_def.name, key):
                continue  # an invalid field set is reported as such
            wanted = _normalised_fields(key)
            missing = [
                t.name
                for t in implementations
                if not any(_normalised_fields(k) == wanted for k in t.keys)
            ]
            if missing:
                self.error(
                    "INTERFACE_KEY_NOT_ON_IMPLEMENTATION",
                    f'Key {printed(key)} on interface type "{type_def.name}" is missing on '
                    f"implementation {quoted_list(missing, 'type')}.",
                    type_def.name,
                )
        return True

    def _interface(self, type_def: TypeDef) -> None:
        """Federation directives that mean nothing on interface fields, as Apollo rejects them."""
        for field_def in type_def.fields.values():
            coordinate = f"{type_def.name}.{field_def.name}"
            for name in ("requires", "provides"):
                if field_def.has(name):
                    self.error(
                        f"{name.upper()}_UNSUPPORTED_ON_INTERFACE",
                        f'Cannot use @{name} on field "{coordinate}" of parent type '
                        f'"{type_def.name}": @{name} is not yet supported within interfaces',
                        type_def.name,
                        field_def.name,
                    )
            if field_def.has("external"):
                self.error(
                    "EXTERNAL_ON_INTERFACE",
                    f'Interface type field "{coordinate}" is marked @external but @external is '
                    "not allowed on interface fields (it is nonsensical).",
                    type_def.name,
                    field_def.name,
                )
            if field_def.has("shareable"):
                self.error(
                    "INVALID_SHAREABLE_USAGE",
                    f'Invalid use of @shareable on field "{coordinate}": only object type fields '
                    "can be marked with @shareable",
                    type_def.name,
                    field_def.name,
                )

    def _unused_externals(self) -> None:
        for type_def in self.subgraph.types.values():
            interface_fields = {
                name
                for interface in type_def.interfaces
                for name in getattr(self.subgraph.types.get(interface), "fields", {})
            }
            for field_def in type_def.fields.values():
                if not field_def.has("external"):
                    continue
                if (type_def.name, field_def.name) in self.used_externals:
                    continue
                if field_def.name in interface_fields:
                    continue
                self.error(
                    "EXTERNAL_UNUSED",
                    f'Field "{type_def.name}.{field_def.name}" is marked @external but is not used '
                    "in any federation directive (@key, @provides, @requires) or to satisfy an "
                    "interface; the field declaration has no use and should be removed (or the "
                    "field should not be @external).",
                    type_def.name,
                    field_def.name,
                )


def applied_directives(selection_set: SelectionSetNode) -> list[str]:
    """Directive applications inside a field set (``id @skip(if: true)``), printed."""
    found: list[str] = []
    for selection in selection_set.selections:
        found.extend(print_ast(d) for d in selection.directives or ())
        if isinstance(selection, FieldNode | InlineFragmentNode) and selection.selection_set:
            found.extend(applied_directives(selection.selection_set))
    return found


def _normalised_fields(key: AppliedDirective) -> str | None:
    """A key's field set in a canonical printed form, to compare keys across types."""
    try:
        return print_ast(parse_field_set(key.arg_str("fields") or ""))
    except FieldSetError:
        return None
