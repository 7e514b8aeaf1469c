"""Merges validated subgraphs into a :class:`Supergraph` (types, join directives, errors)."""

from __future__ import annotations

import re

from graphql import parse_type, print_ast

from router.composition.carried import Carrier, inaccessible_first
from router.composition.merge_fields import FieldMerger
from router.composition.model import CompositionError
from router.composition.naming import mismatch, printed, quoted_list
from router.composition.schema_model import Subgraph, TypeDef
from router.composition.supergraph_model import SArg, SEnumValue, SField, SType, Supergraph
from router.composition.typerefs import is_subtype, merge_types

KIND_NAMES = {
    "object": "Object Type",
    "interface": "Interface Type",
    "union": "Union Type",
    "enum": "Enum Type",
    "input": "Input Object Type",
    "scalar": "Scalar Type",
    "interfaceObject": "Interface Object Type (Object Type with @interfaceObject)",
}


def graph_enum_names(subgraphs: list[Subgraph]) -> dict[str, str]:
    """Subgraph name → join__Graph value (``users`` → ``USERS``), as Apollo sanitises them."""
    sanitized: dict[str, list[str]] = {}
    for subgraph in subgraphs:
        name = re.sub(r"[^A-Za-z0-9_]", "_", subgraph.name).upper()
        if name[:1].isdigit():
            name = "_" + name
        sanitized.setdefault(name, []).append(subgraph.name)
    result: dict[str, str] = {}
    for name, owners in sanitized.items():
        for index, owner in enumerate(owners):
            result[owner] = name if len(owners) == 1 else f"{name}_{index + 1}"
    return result


def join_version(subgraphs: list[Subgraph]) -> str:
    latest = max((s.federation_version for s in subgraphs), default=(2, 0))
    if latest >= (2, 8):
        return "0.5"
    if latest >= (2, 7):
        return "0.4"
    return "0.3"


class Merger:
    """Builds the supergraph; errors found while merging are collected in ``errors``."""

    def __init__(self, subgraphs: list[Subgraph]) -> None:
        self.subgraphs = sorted(subgraphs, key=lambda s: s.name)
        self.graph = graph_enum_names(self.subgraphs)
        self.errors: list[CompositionError] = []
        composed = {name for s in self.subgraphs for name in s.composed_directives}
        self.carrier = Carrier(composed)
        self.supergraph = Supergraph(
            graphs=[(self.graph[s.name], s.name, s.url) for s in self.subgraphs],
            join_version=join_version(self.subgraphs),
        )
        self.fields = FieldMerger(self)
        # Types defined with different kinds: like Apollo, they are still merged (to report
        # their other errors) from the subgraphs agreeing with the first definition's kind.
        self.kind_of_mismatched: dict[str, str] = {}

    # -- helpers shared with FieldMerger -------------------------------------------------
    def sources(self, type_name: str) -> list[tuple[Subgraph, TypeDef]]:
        found = [(s, s.types[type_name]) for s in self.subgraphs if type_name in s.types]
        kind = self.kind_of_mismatched.get(type_name)
        if kind is not None:
            found = [(s, t) for s, t in found if _kind(t) == kind]
        return found

    def merged_kind(self, type_name: str) -> str:
        kinds = {t.kind for _, t in self.sources(type_name)}
        if "interface" in kinds and all(
            t.kind == "interface" or t.is_interface_object for _, t in self.sources(type_name)
        ):
            return "interface"
        return next(iter(kinds))

    def implements(self, type_name: str, abstract: str) -> bool:
        """Whether ``type_name`` implements interface or belongs to union ``abstract``."""
        for _, type_def in self.sources(type_name):
            if abstract in type_def.interfaces:
                return True
        return any(type_name in t.members for _, t in self.sources(abstract))

    def error(
        self,
        code: str,
        message: str,
        subgraphs: tuple[str, ...] = (),
        type_name: str | None = None,
        field_name: str | None = None,
    ) -> None:
        self.errors.append(CompositionError(code, message, subgraphs, type_name, field_name))

    # -- merging ------------------------------------------------------------------------
    def merge(self) -> Supergraph:
        """Merges every type; check ``errors`` afterwards."""
        names: list[str] = []
        for subgraph in self.subgraphs:
            names.extend(n for n in subgraph.types if n not in names)
        self.enum_usage = self._enum_usage()
        for subgraph in self.subgraphs:
            for message in subgraph.compose_errors:
                self.error("DIRECTIVE_COMPOSITION_ERROR", message, (subgraph.name,))
        self._check_merged_directive_names()
        self.type_order = names
        for name in names:
            if not self._check_kinds(name):
                self.kind_of_mismatched[name] = _kind(self.sources(name)[0][1])
            if not self._check_interface_object(name):
                continue
            self._check_extension_base(name)
            kind = self.merged_kind(name)
            if kind == "interface":
                self._check_interface_implementations(name)
            if kind in ("object", "interface"):
                self.supergraph.types[name] = self.fields.merge_composite(name, kind)
            elif kind == "union":
                self.supergraph.types[name] = self._merge_union(name)
            elif kind == "enum":
                self.supergraph.types[name] = self._merge_enum(name)
            elif kind == "input":
                self.supergraph.types[name] = self._merge_input(name)
            else:
                self.supergraph.types[name] = self._merge_scalar(name)
        if "Query" not in self.supergraph.types:
            self.error(
                "NO_QUERIES",
                "No queries found in any subgraph: a supergraph must have a query root type.",
            )
        if not self.errors:
            self._check_interface_fields()
        self._add_query_root()
        self.supergraph.schema_directives = self.carrier.carry(
            s.schema_directives for s in self.subgraphs
        )
        self._add_composed_directives()
        self.supergraph.uses_tag = self.carrier.uses_tag
        self.supergraph.uses_inaccessible = self.carrier.uses_inaccessible or any(
            s.applies_inaccessible for s in self.subgraphs
        )
        self.supergraph.uses_context = self.carrier.uses_context
        return self.supergraph

    def _check_kinds(self, name: str) -> bool:
        sources = self.sources(name)
        by_kind: dict[str, list[str]] = {}
        for subgraph, type_def in sources:
            kind = "interface" if type_def.is_interface_object else type_def.kind
            by_kind.setdefault(kind, []).append(subgraph.name)
        if len(by_kind) <= 1:
            return True
        # Apollo names @interfaceObject definitions apart when reporting a mismatch.
        by_kind = {}
        for subgraph, type_def in sources:
            kind = "interfaceObject" if type_def.is_interface_object else type_def.kind
            by_kind.setdefault(kind, []).append(subgraph.name)
        parts = [
            f"{KIND_NAMES[kind]} in {quoted_list(owners, 'subgraph')}"
            for kind, owners in by_kind.items()
        ]
        self.error(
            "TYPE_KIND_MISMATCH",
            f'Type "{name}" has mismatched kind: it is defined as {parts[0]} but '
            + " and ".join(parts[1:]),
            tuple(s.name for s, _ in sources),
            name,
        )
        return False

    def _check_merged_directive_names(self) -> None:
        """A directive the supergraph keeps (@tag, @inaccessible...) gets one name there, so
        the subgraphs applying it must agree on the name they import it under."""
        for canonical in MERGED_FEDERATION_DIRECTIVES:
            used = [(s, n) for s in self.subgraphs if (n := _local_name(s, canonical))]
            if len(used) < 2:
                continue
            first = used[0][1]
            version = max(s.federation_version for s, _ in used)
            url = f"https://specs.apollo.dev/federation/v{version[0]}.{version[1]}"
            values = [(f'"@{n}"', s.name) for s, n in used]
            for _, name in used[1:]:
                if name == first:
                    continue
                self.error(
                    "LINK_IMPORT_NAME_MISMATCH",
                    f'The "@{canonical}" directive (from {url}) is imported with mismatched name '
                    "between subgraphs: it is imported as " + mismatch(f'"@{name}"', values),
                    tuple(s.name for s, _ in used),
                )

    def _check_interface_object(self, name: str) -> bool:
        """An @interfaceObject stands for an interface some other subgraph defines."""
        sources = self.sources(name)
        if not all(t.is_interface_object for _, t in sources):
            return True
        owners = [s.name for s, _ in sources]
        self.error(
            "INTERFACE_OBJECT_USAGE_ERROR",
            f'Type "{name}" is declared with @interfaceObject in all the subgraphs in which it is '
            f"defined (it is defined in {quoted_list(owners, 'subgraph')} but should be defined "
            "as an interface in at least one subgraph)",
            tuple(owners),
            name,
        )
        return False

    def implementations(self, interface: str) -> list[str]:
        """Object types implementing ``interface`` in some subgraph, in supergraph order."""
        return [
            name
            for name in self.type_order
            if any(
                t.kind == "object" and not t.is_interface_object and interface in t.interfaces
                for _, t in self.sources(name)
            )
        ]

    def _check_interface_implementations(self, name: str) -> None:
        """A resolvable interface @key needs every implementation in that subgraph; an
        @interfaceObject subgraph must define none of them."""
        everywhere = self.implementations(name)
        for subgraph, type_def in self.sources(name):
            local = [
                t.name
                for t in subgraph.types.values()
                if t.kind == "object" and name in t.interfaces
            ]
            defined = [n for n in everywhere if n in subgraph.types]
            if type_def.is_interface_object and defined:
                self.error(
                    "INTERFACE_OBJECT_USAGE_ERROR",
                    f'[{subgraph.name}] Interface type "{name}" is defined as an @interfaceObject '
                    f'in subgraph "{subgraph.name}" so that subgraph should not define any of the '
                    f'implementation types of "{name}", but it defines '
                    f"{quoted_list(defined, 'type')}",
                    (subgraph.name,),
                    name,
                )
                continue
            if type_def.kind != "interface":
                continue
            key = next((k for k in type_def.keys if k.arg_bool("resolvable", True)), None)
            missing = [n for n in everywhere if n not in local]
            if key is None or not missing:
                continue
            self.error(
                "INTERFACE_KEY_MISSING_IMPLEMENTATION_TYPE",
                f'[{subgraph.name}] Interface type "{name}" has a resolvable key '
                f'({printed(key)}) in subgraph "{subgraph.name}" but that subgraph is missing '
                f'some of the supergraph implementation types of "{name}". Subgraph '
                f'"{subgraph.name}" should define {quoted_list(missing, "type")} (and have '
                f'{"them" if len(missing) > 1 else "it"} implement "{name}").',
                (subgraph.name,),
                name,
            )

    def _check_extension_base(self, name: str) -> None:
        """A type only ever written as ``extend type`` has no definition to extend."""
        if name in ("Query", "Mutation", "Subscription"):
            return
        sources = self.sources(name)
        if all(t.only_extension for _, t in sources):
            for subgraph, _ in sources:
                self.error(
                    "EXTENSION_WITH_NO_BASE",
                    f'[{subgraph.name}] Type "{name}" is an extension type, but there is no type '
                    f'definition for "{name}" in any subgraph.',
                    (subgraph.name,),
                    name,
                )

    def _check_interface_fields(self) -> None:
        """After merging, an implementation must have every field its interfaces gained from
        other subgraphs (each subgraph alone can be valid)."""
        for merged in self.supergraph.types.values():
            present = {f.name: f for f in merged.fields}
            for interface in merged.interfaces:
                target = self.supergraph.types.get(interface)
                if target is None:
                    continue
                for field in target.fields:
                    if field.name in present:
                        self._check_implementation_type(
                            merged, present[field.name], interface, field
                        )
                        continue
                    declaring = [
                        s.name
                        for s, t in self.sources(interface)
                        if t.kind == "interface" and field.name in t.fields
                    ]
                    implementing = [
                        s.name for s, t in self.sources(merged.name) if interface in t.interfaces
                    ]
                    self.error(
                        "INTERFACE_FIELD_NO_IMPLEM",
                        f'Interface field "{interface}.{field.name}" is declared in '
                        f'{quoted_list(declaring, "subgraph")} but type "{merged.name}", '
                        f'which implements "{interface}" only in '
                        f"{quoted_list(implementing, 'subgraph')} does not have field "
                        f'"{field.name}".',
                        tuple(declaring + implementing),
                        merged.name,
                        field.name,
                    )

    def _check_implementation_type(
        self, merged: SType, field: SField, interface: str, expected: SField
    ) -> None:
        """Merging can widen an implementation's field (``ID!`` and ``ID`` give ``ID``) past
        what its interface promises: the supergraph would be invalid GraphQL."""
        if is_subtype(parse_type(field.type), parse_type(expected.type), self.implements):
            return
        self.error(
            "INVALID_GRAPHQL",
            f"Interface field {interface}.{expected.name} expects type {expected.type} but "
            f"{merged.name}.{field.name} of type {field.type} is not a proper subtype.",
            (),
            merged.name,
            field.name,
        )

    def description(self, descriptions: list[str | None]) -> str | None:
        """The description most subgraphs give (first one on a tie), as Apollo picks it."""
        counts: dict[str, int] = {}
        for text in descriptions:
            if text is not None and text.strip():
                counts[text] = counts.get(text, 0) + 1
        if not counts:
            return None
        return max(counts, key=lambda t: counts[t])

    def join_type(self, subgraph: Subgraph, type_def: TypeDef) -> list[str]:
        graph = self.graph[subgraph.name]
        iface_obj = ", isInterfaceObject: true" if type_def.is_interface_object else ""
        if not type_def.keys:
            return [f"@join__type(graph: {graph}{iface_obj})"]
        applied = []
        for key in type_def.keys:
            fields = key.args.get("fields")
            key_text = print_ast(fields) if fields is not None else '""'
            text = f"@join__type(graph: {graph}, key: {key_text}"
            if key.from_extension or type_def.has("extends"):
                text += ", extension: true"
            if not key.arg_bool("resolvable", True):
                text += ", resolvable: false"
            applied.append(text + iface_obj + ")")
        return applied

    def _merge_union(self, name: str) -> SType:
        sources = self.sources(name)
        merged = SType(name, "union", self.description([t.description for _, t in sources]))
        for subgraph, type_def in sources:
            merged.directives.extend(self.join_type(subgraph, type_def))
        for _, type_def in sources:
            merged.members.extend(m for m in type_def.members if m not in merged.members)
        for member in merged.members:
            merged.directives.extend(
                f'@join__unionMember(graph: {self.graph[s.name]}, member: "{member}")'
                for s, t in sources
                if member in t.members
            )
        merged.directives.extend(self.carrier.carry(t.directives for _, t in sources))
        return merged

    def _merge_scalar(self, name: str) -> SType:
        sources = self.sources(name)
        merged = SType(name, "scalar", self.description([t.description for _, t in sources]))
        for subgraph, type_def in sources:
            merged.directives.extend(self.join_type(subgraph, type_def))
        merged.directives.extend(self.carrier.carry(t.directives for _, t in sources))
        return merged

    def _enum_usage(self) -> dict[str, tuple[str | None, str | None]]:
        """Enum name → (an input position using it, an output position using it)."""
        from router.composition.schema_model import named_type

        usage: dict[str, tuple[str | None, str | None]] = {}

        def mark(enum: str, input_pos: str | None, output_pos: str | None) -> None:
            old_in, old_out = usage.get(enum, (None, None))
            usage[enum] = (old_in or input_pos, old_out or output_pos)

        for subgraph in self.subgraphs:
            for type_def in subgraph.types.values():
                for field_def in type_def.fields.values():
                    mark(named_type(field_def.type), None, f"{type_def.name}.{field_def.name}")
                    for arg in field_def.args.values():
                        coordinate = f"{type_def.name}.{field_def.name}({arg.name}:)"
                        mark(named_type(arg.type), coordinate, None)
                for value in type_def.input_fields.values():
                    mark(named_type(value.type), f"{type_def.name}.{value.name}", None)
        return usage

    def _merge_enum(self, name: str) -> SType:
        sources = self.sources(name)
        merged = SType(name, "enum", self.description([t.description for _, t in sources]))
        for subgraph, type_def in sources:
            merged.directives.extend(self.join_type(subgraph, type_def))
        merged.directives.extend(self.carrier.carry(t.directives for _, t in sources))
        input_pos, output_pos = self.enum_usage.get(name, (None, None))
        order: list[str] = []
        for _, type_def in sources:
            order.extend(v for v in type_def.values if v not in order)
        for value in order:
            owners = [(s, t) for s, t in sources if value in t.values]
            missing = [s.name for s, t in sources if value not in t.values]
            if missing and input_pos and output_pos:
                self.error(
                    "ENUM_VALUE_MISMATCH",
                    f'Enum type "{name}" is used as both input type (for example, as type of '
                    f'"{input_pos}") and output type (for example, as type of "{output_pos}"), '
                    f'but value "{value}" is not defined in all the subgraphs defining "{name}": '
                    f'"{value}" is defined in '
                    f"{quoted_list([s.name for s, _ in owners], 'subgraph')} but not in "
                    f"{quoted_list(missing, 'subgraph')}",
                    tuple(s.name for s, _ in sources),
                    name,
                    value,
                )
                continue
            if missing and input_pos:
                continue  # input-only enums keep the values every subgraph accepts
            enum_value = SEnumValue(
                value, self.description([t.values[value].description for _, t in owners])
            )
            enum_value.directives = inaccessible_first(
                [f"@join__enumValue(graph: {self.graph[s.name]})" for s, _ in owners],
                self.carrier.carry(t.values[value].directives for _, t in owners),
            )
            merged.values.append(enum_value)
        if not merged.values and input_pos and not output_pos:
            self.error(
                "EMPTY_MERGED_ENUM_TYPE",
                f'None of the values of enum type "{name}" are defined consistently in all the '
                "subgraphs defining that type. As only values common to all subgraphs are "
                "merged, this would result in an empty type.",
                tuple(s.name for s, _ in sources),
                name,
            )
        return merged

    def _merge_input(self, name: str) -> SType:
        sources = self.sources(name)
        merged = SType(name, "input", self.description([t.description for _, t in sources]))
        for subgraph, type_def in sources:
            merged.directives.extend(self.join_type(subgraph, type_def))
        merged.directives.extend(self.carrier.carry(t.directives for _, t in sources))
        order: list[str] = []
        for _, type_def in sources:
            order.extend(f for f in type_def.input_fields if f not in order)
        for field_name in order:
            owners = [
                (s, t.input_fields[field_name]) for s, t in sources if field_name in t.input_fields
            ]
            missing = [s.name for s, t in sources if field_name not in t.input_fields]
            if missing:
                required = [
                    s.name
                    for s, f in owners
                    if print_ast(f.type).endswith("!") and f.default is None
                ]
                if required:
                    self.error(
                        "REQUIRED_INPUT_FIELD_MISSING_IN_SOME_SUBGRAPH",
                        f'Input object field "{name}.{field_name}" is required in some subgraphs '
                        f"but does not appear in all subgraphs: it is required in "
                        f"{quoted_list(required, 'subgraph')} but does not appear in "
                        f"{quoted_list(missing, 'subgraph')}",
                        tuple(required + missing),
                        name,
                        field_name,
                    )
                continue
            merged_arg = self.fields.merge_input_value(
                f"{name}.{field_name}", [(s, f) for s, f in owners]
            )
            if merged_arg is None:
                continue
            arg, all_equal = merged_arg
            if not all_equal:
                arg.directives[:0] = [
                    f'@join__field(graph: {self.graph[s.name]}, type: "{print_ast(f.type)}")'
                    for s, f in owners
                ]
            merged.input_fields.append(arg)
        if not merged.input_fields:
            self.error(
                "EMPTY_MERGED_INPUT_TYPE",
                f'None of the fields of input object type "{name}" are consistently defined in '
                "all the subgraphs defining that type. As only fields common to all subgraphs "
                "are merged, this would result in an empty type.",
                tuple(s.name for s, _ in sources),
                name,
            )
        return merged

    def _add_query_root(self) -> None:
        # Every subgraph serves Query (at least _service), so Query lists them all.
        query = self.supergraph.types.get("Query")
        if query is None:
            return
        present = {d for d in query.directives if d.startswith("@join__type")}
        join_types = [
            f"@join__type(graph: {self.graph[s.name]})"
            for s in self.subgraphs
            if "Query" not in s.types
        ]
        query.directives.extend(d for d in join_types if d not in present)
        query.directives.sort(
            key=lambda d: (
                not d.startswith("@join__type"),
                d if d.startswith("@join__type") else "",
            )
        )

    def _add_composed_directives(self) -> None:
        for subgraph in self.subgraphs:
            for name, url in subgraph.composed_directives.items():
                definition = subgraph.directive_definitions.get(name)
                if definition is None or name in self.supergraph.composed_definitions:
                    continue
                self.supergraph.composed_definitions[name] = print_ast(definition)  # type: ignore[arg-type]
                if url:
                    self.supergraph.composed_links.append((url, [f"@{name}"]))
        # Where subgraphs define a composed directive differently, Apollo's supergraph keeps
        # the definition of the last subgraph (by name) linking the feature's latest version.
        for subgraph in self.subgraphs:
            for name in subgraph.composed_directives:
                definition = subgraph.directive_definitions.get(name)
                if definition is not None:
                    self.supergraph.composed_definitions[name] = print_ast(definition)  # type: ignore[arg-type]


# Federation directives the supergraph keeps under one name (Apollo's composition specs).
MERGED_FEDERATION_DIRECTIVES = (
    "tag",
    "inaccessible",
    "authenticated",
    "requiresScopes",
    "policy",
    "cost",
    "listSize",
    "context",
)


def _local_name(subgraph: Subgraph, canonical: str) -> str | None:
    """The name under which ``subgraph`` applies the federation directive, if it does."""
    for type_def in subgraph.types.values():
        groups = [type_def.directives]
        for field_def in type_def.fields.values():
            groups.append(field_def.directives)
            groups.extend(a.directives for a in field_def.args.values())
        groups.extend(v.directives for v in type_def.input_fields.values())
        groups.extend(v.directives for v in type_def.values.values())
        for directives in groups:
            for directive in directives:
                if directive.name == canonical:
                    return directive.local_name or canonical
    for directive in subgraph.schema_directives:
        if directive.name == canonical:
            return directive.local_name or canonical
    return None


def _kind(type_def: TypeDef) -> str:
    return "interface" if type_def.is_interface_object else type_def.kind


__all__ = ["Merger", "SArg", "merge_types"]
