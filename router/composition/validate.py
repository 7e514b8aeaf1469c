"""Checks each subgraph on its own: field sets of @key/@requires/@provides, @external use."""

from __future__ import annotations

from graphql import print_ast

from router.composition.contexts import ContextChecker, used_fields
from router.composition.fieldset import FieldSetError, kind_of, parse_field_set, walk
from router.composition.model import CompositionError
from router.composition.schema_model import (
    AppliedDirective,
    FieldDef,
    Subgraph,
    TypeDef,
    named_type,
)

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
            for key in type_def.keys:
                self._field_set("KEY", type_def, None, type_def.name, key)
            for field_def in type_def.fields.values():
                requires = field_def.first("requires")
                if requires is not None:
                    self._field_set("REQUIRES", type_def, field_def, type_def.name, requires)
                provides = field_def.first("provides")
                if provides is not None:
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
        if self.subgraph.federation_version >= (2, 8):
            ContextChecker(self.subgraph, self.error).run()
            self.used_externals |= used_fields(self.subgraph)
        if not self.subgraph.is_fed1:
            self._unused_externals()
        self._override_labels()

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
        printed = print_ast(fields_arg) if fields_arg is not None else '""'
        prefix = f"{where}, for @{directive.name.lower()}(fields: {printed}): "
        field_name = field_def.name if field_def else None
        try:
            selected = list(walk(self.subgraph, target, parse_field_set(fields)))
        except FieldSetError as exc:
            message = str(exc)
            if exc.code_suffix == "UNKNOWN_FIELD":
                message += f" ({EXTERNAL_HINT[kind]})."
            elif not message.endswith("."):
                message += "."
            self.error(f"{kind}_INVALID_FIELDS", prefix + message, owner.name, field_name)
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
            if kind == "KEY" and node.arguments:
                self.error(
                    "KEY_FIELDS_HAS_ARGS",
                    prefix + f"field {parent}.{name} cannot be included because it has arguments",
                    owner.name,
                    field_name,
                )
            is_leaf = node.selection_set is None
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
                if field_def.name in interface_fields or type_def.is_interface_object:
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

    def _override_labels(self) -> None:
        """``@override(label:)`` exists from Federation 2.7; before, it is an unknown argument."""
        if self.subgraph.federation_version >= (2, 7):
            return
        for type_def in self.subgraph.types.values():
            for field_def in type_def.fields.values():
                for directive in field_def.directives:
                    if directive.name == "override" and "label" in directive.args:
                        self.error(
                            "INVALID_GRAPHQL",
                            f'Unknown argument "label" on directive '
                            f'"@{directive.local_name or directive.name}".',
                            type_def.name,
                            field_def.name,
                        )
