"""Merging object and interface types field by field, with @join__field and sharing rules."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import TYPE_CHECKING

from graphql import TypeNode, parse_type, print_ast
from graphql.language import NonNullTypeNode, StringValueNode

from router.composition.carried import inaccessible_first
from router.composition.contexts import ContextArgument, context_arguments, is_contextual
from router.composition.fieldset import selected_fields
from router.composition.naming import mismatch, printed, quoted_list
from router.composition.schema_model import (
    AppliedDirective,
    FieldDef,
    InputValue,
    Subgraph,
    TypeDef,
    named_type,
    value_text,
)
from router.composition.supergraph_model import SArg, SField, SType
from router.composition.typerefs import is_subtype, merge_types, same_type

if TYPE_CHECKING:
    from router.composition.merge import Merger


@dataclass
class FieldSource:
    subgraph: Subgraph
    type_def: TypeDef
    field: FieldDef
    used_overridden: bool = False
    unused_overridden: bool = False
    # Progressive override (Federation 2.7): the label of the @override this source takes
    # part in, on the overriding and the overridden side alike.
    override_label: str | None = None


# What Apollo accepts as an @override label: a flag name, or ``percent(x)`` with 0 <= x <= 100
# and at most 8 decimals.
LABEL_NAME = re.compile(r"[a-zA-Z][a-zA-Z0-9_\-:./]*")
LABEL_PERCENT = re.compile(r"percent\(([0-9]{1,2}(\.[0-9]{1,8})?|100)\)")


def valid_override_label(label: str) -> bool:
    """Whether ``label`` is a flag name or a ``percent(x)`` label, as Apollo's composition says."""
    return bool(LABEL_NAME.fullmatch(label) or LABEL_PERCENT.fullmatch(label))


class FieldMerger:
    def __init__(self, merger: Merger) -> None:
        self.merger = merger

    @property
    def graph(self) -> dict[str, str]:
        return self.merger.graph

    def merge_composite(self, name: str, kind: str) -> SType:
        """Merges an object or interface type (interface objects count as the interface)."""
        merger = self.merger
        sources = merger.sources(name)
        merged = SType(name, kind, merger.description([t.description for _, t in sources]))
        for subgraph, type_def in sources:
            for interface in type_def.interfaces:
                merged.directives.append(
                    f"@join__implements(graph: {self.graph[subgraph.name]}, "
                    f'interface: "{interface}")'
                )
                if interface not in merged.interfaces:
                    merged.interfaces.append(interface)
        for subgraph, type_def in sources:
            merged.directives.extend(merger.join_type(subgraph, type_def))
        merged.directives.extend(merger.carrier.carry(t.directives for _, t in sources))
        order: list[str] = []
        for _, type_def in sources:
            order.extend(f for f in type_def.fields if f not in order)
        for field_name in order:
            field_sources = [
                FieldSource(s, t, t.fields[field_name])
                for s, t in sources
                if field_name in t.fields
            ]
            merged_field = self._merge_field(name, field_name, field_sources, sources)
            if merged_field is not None:
                merged.fields.append(merged_field)
        if kind == "object":
            self._add_interface_object_fields(merged, order)
        return merged

    def _add_interface_object_fields(self, merged: SType, present: list[str]) -> None:
        # Fields an @interfaceObject adds to an interface also belong to its implementations;
        # no subgraph resolves them on the object itself, hence the bare @join__field.
        for interface in merged.interfaces:
            for _, type_def in self.merger.sources(interface):
                if not type_def.is_interface_object:
                    continue
                for field_def in type_def.fields.values():
                    if field_def.name in present or field_def.has("external"):
                        continue
                    present.append(field_def.name)
                    merged.fields.append(
                        SField(
                            field_def.name,
                            print_ast(field_def.type),
                            [self._arg(a) for a in field_def.args.values()],
                            field_def.description,
                            # Apollo prints what the field carries before the bare join.
                            [*self.merger.carrier.carry([field_def.directives]), "@join__field"],
                        )
                    )

    def _arg(self, value: InputValue) -> SArg:
        return SArg(
            value.name,
            print_ast(value.type),
            value_text(value.default) if value.default is not None else None,
            value.description,
            self.merger.carrier.carry([value.directives]),
        )

    def _merge_field(
        self,
        type_name: str,
        field_name: str,
        sources: list[FieldSource],
        type_sources: list[tuple[Subgraph, TypeDef]],
    ) -> SField | None:
        merger = self.merger
        coordinate = f"{type_name}.{field_name}"
        self._apply_overrides(type_name, field_name, sources)
        # Like Apollo, the type and arguments come from the subgraphs resolving the field;
        # @external declarations are then checked against them.
        resolving = [s for s in sources if not s.field.has("external")] or sources
        merged_type, all_equal = merge_types(
            [s.field.type for s in resolving], False, merger.implements
        )
        if merged_type is None:
            types = [(f'type "{print_ast(s.field.type)}"', s.subgraph.name) for s in resolving]
            merger.error(
                "FIELD_TYPE_MISMATCH",
                f'Type of field "{coordinate}" is incompatible across subgraphs: it has '
                + mismatch(types[0][0], types),
                tuple(s.subgraph.name for s in resolving),
                type_name,
                field_name,
            )
            return None
        args = self._merge_args(coordinate, resolving)
        if len(resolving) < len(sources):
            self._check_externals(coordinate, sources, merged_type, all_equal, args)
        merged = SField(
            field_name,
            print_ast(merged_type),
            args,
            merger.description([s.field.description for s in sources]),
        )
        merged.directives = inaccessible_first(
            self._join_fields(type_name, sources, all_equal, type_sources),
            merger.carrier.carry(s.field.directives for s in sources),
        )
        self._check_external_base(coordinate, type_name, field_name, sources)
        if merged_kind_is_object(sources):
            self._check_sharing(coordinate, type_name, field_name, sources)
        return merged

    def _check_externals(
        self,
        coordinate: str,
        sources: list[FieldSource],
        merged_type: TypeNode,
        all_equal: bool,
        args: list[SArg],
    ) -> None:
        """An @external declaration must agree with the field it stands for (Apollo's
        EXTERNAL_* mismatch errors), and carries no directive that would be merged."""
        merger = self.merger
        type_name, field_name = coordinate.split(".")
        externals = [s for s in sources if s.field.has("external")]
        for source in externals:
            for directive in source.field.directives:
                if directive.name in MERGED_DIRECTIVES or (
                    directive.name in source.subgraph.composed_directives
                ):
                    merger.error(
                        "MERGED_DIRECTIVE_APPLICATION_ON_EXTERNAL",
                        f"[{source.subgraph.name}] Cannot apply merged directive "
                        f'{printed(directive)} to external field "{coordinate}"',
                        (source.subgraph.name,),
                        type_name,
                        field_name,
                    )
        if any(
            not same_type(merged_type, s.field.type)
            and (all_equal or not is_strict_subtype(merged_type, s.field.type, merger))
            for s in externals
        ):
            merger.error(
                "EXTERNAL_TYPE_MISMATCH",
                f'Type of field "{coordinate}" is incompatible across subgraphs (where marked '
                "@external): it has "
                + mismatch(
                    f'type "{print_ast(merged_type)}"',
                    [(f'type "{print_ast(s.field.type)}"', s.subgraph.name) for s in sources],
                ),
                tuple(s.subgraph.name for s in sources),
                type_name,
                field_name,
            )
        for arg in args:
            self._check_external_argument(coordinate, arg, sources, externals)

    def _check_external_argument(
        self, coordinate: str, arg: SArg, sources: list[FieldSource], externals: list[FieldSource]
    ) -> None:
        merger = self.merger
        type_name, field_name = coordinate.split(".")
        arg_coordinate = f"{coordinate}({arg.name}:)"
        names = tuple(s.subgraph.name for s in sources)
        if any(arg.name not in s.field.args for s in externals):
            declared = [s.subgraph.name for s in sources if arg.name in s.field.args]
            missing = [
                s.name
                for s in merger.subgraphs
                if s.name not in declared  # every other subgraph, as Apollo lists them
            ]
            merger.error(
                "EXTERNAL_ARGUMENT_MISSING",
                f'Field "{coordinate}" is missing argument "{arg_coordinate}" in some subgraphs '
                f'where it is marked @external: argument "{arg_coordinate}" is declared in '
                f"{quoted_list(declared, 'subgraph')} but not in "
                f'{quoted_list(missing, "subgraph")} (where "{coordinate}" is @external).',
                names,
                type_name,
                field_name,
            )
        present = [(s, s.field.args[arg.name]) for s in sources if arg.name in s.field.args]
        arg_type = parse_type(arg.type)
        if any(
            not same_type(arg_type, value.type)
            and not is_strict_subtype(value.type, arg_type, merger)
            for s, value in present
            if s.field.has("external")
        ):
            merger.error(
                "EXTERNAL_ARGUMENT_TYPE_MISMATCH",
                f'Type of argument "{arg_coordinate}" is incompatible across subgraphs (where '
                f'"{coordinate}" is marked @external): it has '
                + mismatch(
                    f'type "{arg.type}"',
                    [(f'type "{print_ast(v.type)}"', s.subgraph.name) for s, v in present],
                ),
                names,
                type_name,
                field_name,
            )

        def default(value: InputValue) -> str:
            if value.default is None:
                return "no default value"
            return f"default value {value_text(value.default)}"

        expected = "no default value" if arg.default is None else f"default value {arg.default}"
        if any(default(v) != expected for s, v in present if s.field.has("external")):
            merger.error(
                "EXTERNAL_ARGUMENT_DEFAULT_MISMATCH",
                f'Argument "{arg_coordinate}" has incompatible defaults across subgraphs (where '
                f'"{coordinate}" is marked @external): it has '
                + mismatch(expected, [(default(v), s.subgraph.name) for s, v in present]),
                names,
                type_name,
                field_name,
            )

    def _check_sharing(
        self, coordinate: str, type_name: str, field_name: str, sources: list[FieldSource]
    ) -> None:
        resolving = [
            s
            for s in sources
            if not s.unused_overridden
            and not s.used_overridden
            and (not s.field.has("external") or (type_name, field_name) in provided(s.subgraph))
        ]
        if len(resolving) < 2 or type_name == "Subscription":
            return
        non_shareable = [
            s.subgraph.name for s in resolving if not is_shareable(s, type_name, field_name)
        ]
        if not non_shareable:
            return
        where = (
            "in all of them"
            if len(non_shareable) == len(resolving)
            else f"in {quoted_list(non_shareable, 'subgraph')}"
        )
        names = [s.subgraph.name for s in resolving]
        known = {s.name for s in self.merger.subgraphs}
        mistargeted = next(
            (
                s.subgraph.name
                for s in resolving
                if s.subgraph.name in non_shareable
                and (o := s.field.first("override")) is not None
                and o.arg_str("from") not in known
            ),
            None,
        )
        if mistargeted is not None:
            # A misspelt @override(from:) is the likely cause: say so, as Apollo does.
            where += (
                f' (please note that "{coordinate}" has an @override directive in '
                f'"{mistargeted}" that targets an unknown subgraph so this could be due to '
                "misspelling the @override(from:) argument)"
            )
        self.merger.error(
            "INVALID_FIELD_SHARING",
            f'Non-shareable field "{coordinate}" is resolved from multiple subgraphs: it is '
            f"resolved from {quoted_list(names, 'subgraph')} and defined as non-shareable {where}",
            tuple(names),
            type_name,
            field_name,
        )

    def _apply_overrides(self, type_name: str, field_name: str, sources: list[FieldSource]) -> None:
        by_name = {s.subgraph.name: s for s in sources}
        overriding = {s.subgraph.name for s in sources if s.field.has("override")}
        for source in sources:
            override = source.field.first("override")
            if override is None:
                continue
            origin = override.arg_str("from")
            if self._override_misplaced(type_name, field_name, source):
                continue
            if origin == source.subgraph.name:
                self.merger.error(
                    "OVERRIDE_FROM_SELF_ERROR",
                    f'Source and destination subgraphs "{origin}" are the same for overridden '
                    f'field "{type_name}.{field_name}"',
                    (source.subgraph.name,),
                    type_name,
                    field_name,
                )
                continue
            if origin in overriding:
                self.merger.error(
                    "OVERRIDE_SOURCE_HAS_OVERRIDE",
                    f'Field "{type_name}.{field_name}" on subgraph "{source.subgraph.name}" is '
                    f'also marked with directive @override in subgraph "{origin}". Only one '
                    "@override directive is allowed per field.",
                    (source.subgraph.name, origin or ""),
                    type_name,
                    field_name,
                )
                continue
            overridden = by_name.get(origin or "")
            if overridden is None:
                continue  # from a subgraph that no longer has the field: nothing to hide
            if self._override_collides(type_name, field_name, source, overridden):
                continue
            if not overridden.field.has("external"):
                if self._is_used(overridden, type_name, field_name):
                    overridden.used_overridden = True
                else:
                    overridden.unused_overridden = True
            self._apply_label(type_name, field_name, source, overridden, override.arg_str("label"))

    def _override_misplaced(self, type_name: str, field_name: str, source: FieldSource) -> bool:
        """@override on an interface field or an @interfaceObject field: Apollo rejects both."""
        where = f'field "{type_name}.{field_name}" on subgraph "{source.subgraph.name}"'
        if source.type_def.kind == "interface":
            code = "OVERRIDE_ON_INTERFACE"
            message = f"@override cannot be used on {where}: @override is not supported on "
            message += "interface type fields."
        elif source.type_def.is_interface_object:
            code = "OVERRIDE_COLLISION_WITH_ANOTHER_DIRECTIVE"
            message = "@override is not yet supported on fields of @interfaceObject types: "
            message += f"cannot be used on {where}."
        else:
            return False
        self.merger.error(code, message, (source.subgraph.name,), type_name, field_name)
        return True

    def _override_collides(
        self, type_name: str, field_name: str, source: FieldSource, overridden: FieldSource
    ) -> bool:
        """The overridden field must not carry @requires/@provides (its replacement could not
        honour them), and the overriding one must not be @external (it would resolve nothing)."""
        conflict: tuple[str, AppliedDirective] | None = None
        for name in ("requires", "provides"):
            directive = overridden.field.first(name)
            if directive is not None:
                conflict = (overridden.subgraph.name, directive)
                break
        external = source.field.first("external")
        if conflict is None and external is not None:
            conflict = (source.subgraph.name, external)
        if conflict is None:
            return False
        owner, directive = conflict
        coordinate = f"{type_name}.{field_name}"
        self.merger.error(
            "OVERRIDE_COLLISION_WITH_ANOTHER_DIRECTIVE",
            f'@override cannot be used on field "{coordinate}" on subgraph '
            f'"{source.subgraph.name}" since "{coordinate}" on "{owner}" is marked with '
            f'directive "@{directive.local_name or directive.name}"',
            (source.subgraph.name, overridden.subgraph.name),
            type_name,
            field_name,
        )
        return True

    def _apply_label(
        self,
        type_name: str,
        field_name: str,
        source: FieldSource,
        overridden: FieldSource,
        label: str | None,
    ) -> None:
        """Progressive override: both sides carry the label, when it is one Apollo accepts.

        An empty label counts as none, as in Apollo's composition.
        """
        if not label:
            return
        if valid_override_label(label):
            source.override_label = label
            overridden.override_label = label
            return
        self.merger.error(
            "OVERRIDE_LABEL_INVALID",
            f'Invalid @override label "{label}" on field "{type_name}.{field_name}" on subgraph '
            f'"{source.subgraph.name}": labels must start with a letter and after that may '
            "contain alphanumerics, underscores, minuses, colons, periods, or slashes. "
            'Alternatively, labels may be of the form "percent(x)" where x is a float between '
            "0-100 inclusive.",
            (source.subgraph.name,),
            type_name,
            field_name,
        )

    def _is_used(self, source: FieldSource, type_name: str, field_name: str) -> bool:
        subgraph = source.subgraph
        target = (type_name, field_name)
        for type_def in subgraph.types.values():
            if any(target in selected_fields(subgraph, type_def.name, k) for k in type_def.keys):
                return True
            for field_def in type_def.fields.values():
                requires = field_def.first("requires")
                if requires and target in selected_fields(subgraph, type_def.name, requires):
                    return True
        return False

    def _merge_args(self, coordinate: str, sources: list[FieldSource]) -> list[SArg]:
        order: list[str] = []
        for source in sources:
            order.extend(a for a in source.field.args if a not in order)
        args: list[SArg] = []
        for arg_name in order:
            owners = [
                (s.subgraph, s.field.args[arg_name]) for s in sources if arg_name in s.field.args
            ]
            if any(is_contextual(a) for _, a in owners):
                self._check_contextual(coordinate, arg_name, owners)
                continue  # its value comes from a context: not in the supergraph
            missing = [s.subgraph.name for s in sources if arg_name not in s.field.args]
            if missing:
                required = [
                    s.name
                    for s, a in owners
                    if print_ast(a.type).endswith("!") and a.default is None
                ]
                if required:
                    self.merger.error(
                        "REQUIRED_ARGUMENT_MISSING_IN_SOME_SUBGRAPH",
                        f'Argument "{coordinate}({arg_name}:)" is required in some subgraphs but '
                        f"does not appear in all subgraphs: it is required in "
                        f"{quoted_list(required, 'subgraph')} but does not appear in "
                        f"{quoted_list(missing, 'subgraph')}",
                        tuple(required + missing),
                        coordinate.split(".")[0],
                        coordinate.split(".")[1],
                    )
                continue
            merged = self.merge_input_value(f"{coordinate}({arg_name}:)", owners)
            if merged is not None:
                args.append(merged[0])
        return args

    def _check_contextual(
        self, coordinate: str, arg_name: str, owners: list[tuple[Subgraph, InputValue]]
    ) -> None:
        """Where the argument is not contextual, clients could never give it: Apollo accepts
        that only when it is optional there."""
        for subgraph, arg in owners:
            if is_contextual(arg) or arg.default is not None:
                continue
            if isinstance(arg.type, NonNullTypeNode):
                type_name, field_name = coordinate.split(".")
                self.merger.error(
                    "CONTEXTUAL_ARGUMENT_NOT_CONTEXTUAL_IN_ALL_SUBGRAPHS",
                    f'Argument "{coordinate}({arg_name}:)" is contextual in at least one '
                    f'subgraph but in "{coordinate}({arg_name}:)" it does not have @fromContext, '
                    "is not nullable and has no default value.",
                    (subgraph.name,),
                    type_name,
                    field_name,
                )

    def merge_input_value(
        self, coordinate: str, owners: list[tuple[Subgraph, InputValue]]
    ) -> tuple[SArg, bool] | None:
        """Merges an argument or input field (the most specific type wins)."""
        merged_type, all_equal = merge_types(
            [v.type for _, v in owners], True, self.merger.implements
        )
        if merged_type is None:
            types = [(f'type "{print_ast(v.type)}"', s.name) for s, v in owners]
            type_name, _, rest = coordinate.partition(".")
            element = "field" if "(" not in coordinate else "argument"
            self.merger.error(
                "FIELD_TYPE_MISMATCH" if "(" not in coordinate else "FIELD_ARGUMENT_TYPE_MISMATCH",
                f'Type of {element} "{coordinate}" is incompatible across subgraphs: it has '
                + mismatch(types[0][0], types),
                tuple(s.name for s, _ in owners),
                type_name,
                rest.split("(")[0],
            )
            return None
        defaults = [value_text(v.default) for _, v in owners if v.default is not None]
        if len(set(defaults)) > 1:
            self._default_mismatch(coordinate, owners, defaults[0])
        name = owners[0][1].name
        arg = SArg(
            name,
            print_ast(merged_type),
            defaults[0] if defaults else None,
            self.merger.description([v.description for _, v in owners]),
            self.merger.carrier.carry(v.directives for _, v in owners),
        )
        return arg, all_equal

    def _default_mismatch(
        self, coordinate: str, owners: list[tuple[Subgraph, InputValue]], first: str
    ) -> None:
        """Two subgraphs giving different defaults: the supergraph could honour only one."""
        is_argument = "(" in coordinate
        values = [
            (
                "no default value"
                if v.default is None
                else f"default value {value_text(v.default)}",
                s.name,
            )
            for s, v in owners
        ]
        type_name, _, rest = coordinate.partition(".")
        self.merger.error(
            "FIELD_ARGUMENT_DEFAULT_MISMATCH" if is_argument else "INPUT_FIELD_DEFAULT_MISMATCH",
            f'{"Argument" if is_argument else "Input field"} "{coordinate}" has incompatible '
            "default values across subgraphs: it has " + mismatch(f"default value {first}", values),
            tuple(s.name for s, _ in owners),
            type_name,
            rest.split("(")[0],
        )

    def _join_fields(
        self,
        type_name: str,
        sources: list[FieldSource],
        all_equal: bool,
        type_sources: list[tuple[Subgraph, TypeDef]],
    ) -> list[str]:
        present = {s.subgraph.name for s in sources if not s.unused_overridden}
        needs = (
            not all_equal
            or any(s.used_overridden or s.override_label for s in sources)
            or any(context_arguments(s.field) for s in sources)
            or any(
                s.field.has("external") or s.field.has("requires") or s.field.has("provides")
                for s in sources
                if not s.unused_overridden
            )
            or any(s.name not in present for s, _ in type_sources)
            or (type_name == "Query" and len(self.merger.subgraphs) > len(present))
        )
        if not needs:
            return []
        applied: list[str] = []
        for source in sources:
            if source.unused_overridden and not source.override_label:
                continue
            field_def = source.field
            parts = [f"graph: {self.graph[source.subgraph.name]}"]
            requires = field_def.first("requires")
            provides = field_def.first("provides")
            if requires is not None:
                parts.append(f"requires: {print_ast(requires.args['fields'])}")
            if provides is not None:
                parts.append(f"provides: {print_ast(provides.args['fields'])}")
            # Apollo's order: graph, requires, provides, override, type, external, ...
            override = field_def.first("override")
            if override is not None:
                parts.append(f'override: "{override.arg_str("from")}"')
            if not all_equal:
                parts.append(f'type: "{print_ast(field_def.type)}"')
            if field_def.has("external"):
                parts.append("external: true")
            if source.used_overridden:
                parts.append("usedOverridden: true")
            if source.override_label:
                parts.append(f'overrideLabel: "{source.override_label}"')
            contextual = context_arguments(field_def)
            if contextual:
                printed = ", ".join(self._context_arg(source.subgraph, a) for a in contextual)
                parts.append(f"contextArguments: [{printed}]")
            applied.append(f"@join__field({', '.join(parts)})")
        return applied

    @staticmethod
    def _context_arg(subgraph: Subgraph, argument: ContextArgument) -> str:
        """``{context: "catalog__store", name: "currency", type: "String", selection: "..."}``."""
        context = f"{subgraph.name}__{argument.context}"
        return (
            f'{{context: "{context}", name: "{argument.name}", '
            f'type: "{print_ast(argument.type)}", '
            f"selection: {print_ast(StringValueNode(value=argument.selection))}}}"
        )

    def _check_external_base(
        self, coordinate: str, type_name: str, field_name: str, sources: list[FieldSource]
    ) -> None:
        if sources and all(s.field.has("external") for s in sources):
            if all(s.type_def.is_interface_object for s in sources):
                if any(
                    field_name in t.fields
                    for _, t in self.merger.sources(type_name)
                    if not t.is_interface_object
                ):
                    return
            names = [s.subgraph.name for s in sources]
            self.merger.error(
                "EXTERNAL_MISSING_ON_BASE",
                f'Field "{coordinate}" is marked @external on all the subgraphs in which it is '
                f"listed ({quoted_list(names, 'subgraph')}).",
                tuple(names),
                type_name,
                field_name,
            )


__all__ = ["FieldMerger", "FieldSource", "named_type"]


def merged_kind_is_object(sources: list[FieldSource]) -> bool:
    return all(s.type_def.kind == "object" and not s.type_def.is_interface_object for s in sources)


def provided(subgraph: Subgraph) -> set[tuple[str, str]]:
    """The (type, field) pairs some @provides of ``subgraph`` selects."""
    cached = getattr(subgraph, "_provided", None)
    if cached is None:
        cached = set()
        for type_def in subgraph.types.values():
            for field_def in type_def.fields.values():
                directive = field_def.first("provides")
                if directive is not None:
                    cached |= selected_fields(subgraph, named_type(field_def.type), directive)
        subgraph._provided = cached  # type: ignore[attr-defined]
    return cached


def is_shareable(source: FieldSource, type_name: str, field_name: str) -> bool:
    if (
        source.field.has("shareable")
        or source.type_def.has("shareable")
        or source.field.has("external")
    ):
        return True
    # Fields of a key are implicitly shareable.
    return any(
        (type_name, field_name) in selected_fields(source.subgraph, type_name, key)
        for key in source.type_def.keys
    )


# Federation directives the supergraph keeps, which an @external declaration may not carry.
MERGED_DIRECTIVES = frozenset(
    {"tag", "inaccessible", "authenticated", "requiresScopes", "policy", "cost", "listSize"}
    | {"deprecated", "specifiedBy"}
)


def is_strict_subtype(maybe_sub: TypeNode, sup: TypeNode, merger: Merger) -> bool:
    return not same_type(maybe_sub, sup) and is_subtype(maybe_sub, sup, merger.implements)
