"""The GraphQL validity rules Apollo applies to each subgraph, worded as Apollo words them.

Two kinds of check: on the document (duplicate types and fields, directive applications at
the wrong location, with unknown or missing arguments, or repeated) and on the modelled
subgraph (output/input positions, interfaces implemented properly, union members, default
values that fit their type). Apollo reports all of them with code ``INVALID_GRAPHQL``.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass

from graphql import print_ast
from graphql.language import (
    BooleanValueNode,
    ConstDirectiveNode,
    DirectiveDefinitionNode,
    DocumentNode,
    EnumTypeDefinitionNode,
    EnumTypeExtensionNode,
    EnumValueNode,
    FloatValueNode,
    InputObjectTypeDefinitionNode,
    InputObjectTypeExtensionNode,
    InterfaceTypeDefinitionNode,
    InterfaceTypeExtensionNode,
    IntValueNode,
    ListTypeNode,
    ListValueNode,
    NonNullTypeNode,
    NullValueNode,
    ObjectTypeDefinitionNode,
    ObjectTypeExtensionNode,
    ObjectValueNode,
    ScalarTypeDefinitionNode,
    ScalarTypeExtensionNode,
    SchemaDefinitionNode,
    SchemaExtensionNode,
    StringValueNode,
    TypeDefinitionNode,
    TypeNode,
    UnionTypeDefinitionNode,
    UnionTypeExtensionNode,
    ValueNode,
)

from router.composition.directives import LinkImports
from router.composition.schema_model import InputValue, Subgraph, TypeDef, named_type
from router.composition.typerefs import is_subtype

KIND_NAMES = {
    "object": "ObjectType",
    "interface": "InterfaceType",
    "union": "UnionType",
    "enum": "EnumType",
    "input": "InputObjectType",
    "scalar": "ScalarType",
}
BUILTIN_SCALARS = frozenset({"String", "Int", "Float", "Boolean", "ID"})
LOCATION_BY_NODE: dict[type, str] = {
    ObjectTypeDefinitionNode: "OBJECT",
    ObjectTypeExtensionNode: "OBJECT",
    InterfaceTypeDefinitionNode: "INTERFACE",
    InterfaceTypeExtensionNode: "INTERFACE",
    UnionTypeDefinitionNode: "UNION",
    UnionTypeExtensionNode: "UNION",
    EnumTypeDefinitionNode: "ENUM",
    EnumTypeExtensionNode: "ENUM",
    InputObjectTypeDefinitionNode: "INPUT_OBJECT",
    InputObjectTypeExtensionNode: "INPUT_OBJECT",
    ScalarTypeDefinitionNode: "SCALAR",
    ScalarTypeExtensionNode: "SCALAR",
    SchemaDefinitionNode: "SCHEMA",
    SchemaExtensionNode: "SCHEMA",
}
EVERYWHERE_TYPED = (
    "FIELD_DEFINITION",
    "OBJECT",
    "INTERFACE",
    "UNION",
    "ARGUMENT_DEFINITION",
    "SCALAR",
    "ENUM",
    "ENUM_VALUE",
    "INPUT_OBJECT",
    "INPUT_FIELD_DEFINITION",
)


@dataclass(frozen=True)
class DirectiveSpec:
    """Where a directive may go and what it takes: argument → (type, required)."""

    locations: tuple[str, ...]
    args: dict[str, tuple[str, bool]]
    repeatable: bool = False


def federation_specs(subgraph: Subgraph, links: LinkImports) -> dict[str, DirectiveSpec]:
    """Apollo's definitions of the federation directives this subgraph can use."""
    if links.is_fed1:
        field_set = "_FieldSet"
    elif "FieldSet" in links.imported_types:
        field_set = "FieldSet"
    else:
        field_set = f"{links.namespace}__FieldSet"
    fields = {"fields": (f"{field_set}!", True)}
    version = subgraph.federation_version
    override_args = {"from": ("String!", True)}
    if version >= (2, 7):
        override_args["label"] = ("String", False)
    return {
        "key": DirectiveSpec(
            ("OBJECT", "INTERFACE"), fields | {"resolvable": ("Boolean", False)}, True
        ),
        "requires": DirectiveSpec(("FIELD_DEFINITION",), fields),
        "provides": DirectiveSpec(("FIELD_DEFINITION",), fields),
        "external": DirectiveSpec(("OBJECT", "FIELD_DEFINITION"), {"reason": ("String", False)}),
        "shareable": DirectiveSpec(("OBJECT", "FIELD_DEFINITION"), {}, version >= (2, 2)),
        "override": DirectiveSpec(("FIELD_DEFINITION",), override_args),
        "inaccessible": DirectiveSpec(EVERYWHERE_TYPED, {}),
        "tag": DirectiveSpec(("SCHEMA", *EVERYWHERE_TYPED), {"name": ("String!", True)}, True),
        "extends": DirectiveSpec(("OBJECT", "INTERFACE"), {}),
        "interfaceObject": DirectiveSpec(("OBJECT",), {}),
    }


def document_errors(
    document: DocumentNode, subgraph: Subgraph, links: LinkImports
) -> list[tuple[str, str]]:
    """(code, message) for directive applications that break their definition, and for
    duplicate fields."""
    federation = federation_specs(subgraph, links)
    custom = {
        node.name.value: DirectiveSpec(
            tuple(loc.value for loc in node.locations),
            {
                a.name.value: (
                    print_ast(a.type),
                    isinstance(a.type, NonNullTypeNode) and a.default_value is None,
                )
                for a in node.arguments or ()
            },
            node.repeatable,
        )
        for node in document.definitions
        if isinstance(node, DirectiveDefinitionNode)
    }
    errors = [("INVALID_GRAPHQL", m) for m in _duplicate_fields(document)]
    for location, coordinate, directives in _applications(document):
        seen: set[str] = set()
        for directive in directives:
            name = directive.name.value
            if name in links.link_names:
                continue
            if name in links.directive_names:
                spec = federation.get(links.canonical(name))
            else:
                spec = custom.get(name)
            if spec is None:
                continue
            errors.extend(
                ("INVALID_GRAPHQL", m) for m in _application_errors(name, location, directive, spec)
            )
            if name in seen and links.canonical(name) == "shareable" and spec.repeatable:
                errors.append(("INVALID_SHAREABLE_USAGE", _duplicate_shareable(coordinate)))
            elif name in seen and not spec.repeatable:
                errors.append(
                    (
                        "INVALID_GRAPHQL",
                        f'The directive "@{name}" can only be used once at this location.',
                    )
                )
            seen.add(name)
    return errors


def _duplicate_shareable(coordinate: str) -> str:
    """@shareable repeats across a type's definition and extensions, never within one."""
    if "." in coordinate:
        where = f'field "{coordinate}"'
    else:
        where = f'the same type declaration of "{coordinate}"'
    return (
        f"Invalid duplicate application of @shareable on {where}: @shareable is only "
        "repeatable on types so it can be used simultaneously on a type definition and its "
        "extensions, but it should not be duplicated on the same definition/extension "
        "declaration"
    )


def _application_errors(
    name: str, location: str, directive: ConstDirectiveNode, spec: DirectiveSpec
) -> Iterator[str]:
    if location not in spec.locations:
        yield f'Directive "@{name}" may not be used on {location}.'
    given = {a.name.value for a in directive.arguments or ()}
    for arg in directive.arguments or ():
        if arg.name.value not in spec.args:
            yield f'Unknown argument "{arg.name.value}" on directive "@{name}".'
    for arg_name, (type_text, required) in spec.args.items():
        if required and arg_name not in given:
            yield (
                f'Directive "@{name}" argument "{arg_name}" of type "{type_text}" is required, '
                "but it was not provided."
            )


def _applications(
    document: DocumentNode,
) -> Iterator[tuple[str, str, list[ConstDirectiveNode]]]:
    """(location, coordinate, directives applied there) for every element of the document."""
    for node in document.definitions:
        location = LOCATION_BY_NODE.get(type(node))
        if location is None:
            continue
        name = node.name.value if hasattr(node, "name") else ""
        yield location, name, list(getattr(node, "directives", None) or ())
        is_input = location == "INPUT_OBJECT"
        for field in getattr(node, "fields", None) or ():
            where = "INPUT_FIELD_DEFINITION" if is_input else "FIELD_DEFINITION"
            coordinate = f"{name}.{field.name.value}"
            yield where, coordinate, list(field.directives or ())
            for arg in getattr(field, "arguments", None) or ():
                yield "ARGUMENT_DEFINITION", coordinate, list(arg.directives or ())
        for value in getattr(node, "values", None) or ():
            yield "ENUM_VALUE", f"{name}.{value.name.value}", list(value.directives or ())


def _duplicate_fields(document: DocumentNode) -> list[str]:
    messages: list[str] = []
    seen: dict[str, set[str]] = {}
    for node in document.definitions:
        if type(node) not in LOCATION_BY_NODE or not hasattr(node, "name"):
            continue
        type_name = node.name.value
        fields = seen.setdefault(type_name, set())
        for field in getattr(node, "fields", None) or ():
            if field.name.value in fields:
                messages.append(f"Field {field.name.value} already exists on {type_name}")
            fields.add(field.name.value)
    return messages


def duplicate_type(document: DocumentNode) -> str | None:
    """``There can be only one type named "User"`` (extensions do not count)."""
    seen: set[str] = set()
    for node in document.definitions:
        if isinstance(node, TypeDefinitionNode):
            if node.name.value in seen:
                return f'There can be only one type named "{node.name.value}"'
            seen.add(node.name.value)
    return None


def model_errors(subgraph: Subgraph) -> list[str]:
    """Positions, interfaces, unions and default values of the modelled subgraph."""
    return list(_ModelRules(subgraph).run())


class _ModelRules:
    def __init__(self, subgraph: Subgraph) -> None:
        self.subgraph = subgraph
        self.types = subgraph.types

    def kind(self, name: str) -> str | None:
        if name in BUILTIN_SCALARS:
            return "scalar"
        type_def = self.types.get(name)
        return type_def.kind if type_def else None

    def implements(self, name: str, abstract: str) -> bool:
        type_def = self.types.get(name)
        abstract_def = self.types.get(abstract)
        return bool(
            (type_def and abstract in type_def.interfaces)
            or (abstract_def and name in abstract_def.members)
        )

    def run(self) -> Iterator[str]:
        for type_def in self.types.values():
            if type_def.kind in ("object", "interface"):
                yield from self._composite(type_def)
            elif type_def.kind == "union":
                for member in type_def.members:
                    kind = self.kind(member)
                    if kind is not None and kind != "object":
                        yield (
                            f"Cannot add non-object type {member} (of type {KIND_NAMES[kind]}) "
                            f"as member of union type {type_def.name}"
                        )
            elif type_def.kind == "input":
                for value in type_def.input_fields.values():
                    yield from self._input(f"{type_def.name}.{value.name}", value, "input field")

    def _composite(self, type_def: TypeDef) -> Iterator[str]:
        for field in type_def.fields.values():
            coordinate = f"{type_def.name}.{field.name}"
            kind = self.kind(named_type(field.type))
            if kind == "input":
                yield (
                    f'The type of "{coordinate}" must be Output Type but got '
                    f'"{named_type(field.type)}", a {KIND_NAMES[kind]}.'
                )
            for arg in field.args.values():
                yield from self._input(f"{coordinate}({arg.name}:)", arg, "argument")
        for interface in type_def.interfaces:
            kind = self.kind(interface)
            if kind is not None and kind != "interface":
                yield (
                    f"Cannot implement non-interface type {interface} (of type {KIND_NAMES[kind]})"
                )
                continue
            yield from self._implementation(type_def, interface)

    def _implementation(self, type_def: TypeDef, interface: str) -> Iterator[str]:
        interface_def = self.types.get(interface)
        if interface_def is None or type_def.is_interface_object:
            return
        for expected in interface_def.fields.values():
            field = type_def.fields.get(expected.name)
            if field is None:
                yield (
                    f"Interface field {interface}.{expected.name} expected but {type_def.name} "
                    "does not provide it."
                )
                continue
            if not is_subtype(field.type, expected.type, self.implements):
                yield (
                    f"Interface field {interface}.{expected.name} expects type "
                    f"{print_ast(expected.type)} but {type_def.name}.{field.name} of type "
                    f"{print_ast(field.type)} is not a proper subtype."
                )

    def _input(self, coordinate: str, value: InputValue, what: str) -> Iterator[str]:
        name = named_type(value.type)
        kind = self.kind(name)
        if kind in ("object", "interface", "union"):
            yield (
                f'The type of "{coordinate}" must be Input Type but got "{name}", a '
                f"{KIND_NAMES[kind]}."
            )
            return
        if value.default is not None and not self._fits(value.default, value.type):
            yield (
                f"Invalid default value (got: {_value_text(value.default)}) provided for {what} "
                f"{coordinate} of type {print_ast(value.type)}."
            )

    def _fits(self, value: ValueNode, type_node: TypeNode) -> bool:
        if isinstance(type_node, NonNullTypeNode):
            return not isinstance(value, NullValueNode) and self._fits(value, type_node.type)
        if isinstance(value, NullValueNode):
            return True
        if isinstance(type_node, ListTypeNode):
            if isinstance(value, ListValueNode):
                return all(self._fits(v, type_node.type) for v in value.values)
            return self._fits(value, type_node.type)
        name = type_node.name.value  # type: ignore[attr-defined]
        if name == "Int":
            return isinstance(value, IntValueNode) and -(2**31) <= int(value.value) < 2**31
        if name == "Float":
            return isinstance(value, IntValueNode | FloatValueNode)
        if name == "String":
            return isinstance(value, StringValueNode)
        if name == "Boolean":
            return isinstance(value, BooleanValueNode)
        if name == "ID":
            return isinstance(value, StringValueNode | IntValueNode)
        type_def = self.types.get(name)
        if type_def is None or type_def.kind == "scalar":
            return True
        if type_def.kind == "enum":
            return isinstance(value, EnumValueNode) and value.value in type_def.values
        if type_def.kind == "input":
            return True  # input objects: not checked here
        return True


def _value_text(value: ValueNode) -> str:
    """A default value as Apollo prints it in messages (enum values as strings)."""
    if isinstance(value, StringValueNode | EnumValueNode):
        return json.dumps(value.value)
    if isinstance(value, ListValueNode):
        return "[" + ", ".join(_value_text(v) for v in value.values) + "]"
    if isinstance(value, ObjectValueNode):
        return (
            "{" + ", ".join(f"{f.name.value}: {_value_text(f.value)}" for f in value.fields) + "}"
        )
    return print_ast(value)


# Argument defaults in Apollo's federation directive definitions (others have none).
SPEC_DEFAULTS = {("key", "resolvable"): "true"}
CHECKED_DEFINITIONS = frozenset(
    {"key", "requires", "provides", "external", "extends", "shareable", "override"}
    | {"interfaceObject"}
)


def definition_errors(document: DocumentNode, subgraph: Subgraph, links: LinkImports) -> list[str]:
    """A Federation 2 subgraph may define a federation directive itself, but only
    compatibly with Apollo's definition (DIRECTIVE_DEFINITION_INVALID)."""
    if links.is_fed1:
        return []
    specs = federation_specs(subgraph, links)
    scalars = {
        d.name.value
        for d in document.definitions
        if isinstance(d, ScalarTypeDefinitionNode | ScalarTypeExtensionNode)
    }
    messages: list[str] = []
    for node in document.definitions:
        if not isinstance(node, DirectiveDefinitionNode):
            continue
        local = node.name.value
        canonical = links.directive_names.get(local)
        if canonical not in CHECKED_DEFINITIONS:
            continue
        spec = specs[canonical]
        what = f'directive "@{local}"'
        actual = {a.name.value: a for a in node.arguments or ()}
        for arg_name, (expected_type, _) in spec.args.items():
            default = SPEC_DEFAULTS.get((canonical, arg_name))
            arg = actual.get(arg_name)
            if arg is None:
                if expected_type.endswith("!") and default is None:
                    messages.append(
                        f'Invalid definition for {what}: missing required argument "{arg_name}"'
                    )
                continue
            found = print_ast(arg.type)
            compared = (
                found[:-1] if found.endswith("!") and not expected_type.endswith("!") else found
            )
            if compared != expected_type and not _redefines(expected_type, compared, scalars):
                messages.append(
                    f'Invalid definition for {what}: argument "{arg_name}" should have type '
                    f'"{expected_type}" but found type "{found}"'
                )
            elif not found.endswith("!"):
                actual_default = (
                    print_ast(arg.default_value) if arg.default_value is not None else None
                )
                if actual_default != default:
                    messages.append(
                        f'Invalid definition for {what}: argument "{arg_name}" should have '
                        f"default value {default or 'null'} but found default value "
                        f"{actual_default or 'null'}"
                    )
        messages.extend(
            f'Invalid definition for {what}: unknown/unsupported argument "{name}"'
            for name in actual
            if name not in spec.args
        )
        if node.repeatable and not spec.repeatable:
            messages.append(f'Invalid definition for {what}: "@{local}" should not be repeatable')
        locations = [loc.value for loc in node.locations]
        if any(loc not in spec.locations for loc in locations):
            messages.append(
                f'Invalid definition for {what}: "@{local}" should have locations '
                f"{', '.join(spec.locations)}, but found (non-subset) {', '.join(locations)}"
            )
    return messages


def _redefines(expected: str, actual: str, scalars: set[str]) -> bool:
    """A FieldSet argument may be redeclared with a built-in type (``fields: String!``)."""
    if expected.endswith("!") != actual.endswith("!"):
        return False
    expected_base = expected.strip("[]!")
    actual_base = actual.strip("[]!")
    return expected_base.endswith("FieldSet") and actual_base not in scalars


def type_definition_errors(document: DocumentNode, links: LinkImports) -> list[str]:
    """The federation ``FieldSet`` scalar may be declared by the subgraph, but as a scalar
    (TYPE_DEFINITION_INVALID)."""
    if links.is_fed1:
        return []
    field_set = "FieldSet" if "FieldSet" in links.imported_types else f"{links.namespace}__FieldSet"
    messages: list[str] = []
    for node in document.definitions:
        if not isinstance(node, TypeDefinitionNode) or node.name.value != field_set:
            continue
        kind = KIND_BY_DEFINITION.get(type(node))
        if kind is not None and kind != "ScalarType":
            messages.append(
                f"Invalid definition for type {field_set}: {field_set} should be a ScalarType "
                f"but is defined as a {kind}"
            )
    return messages


KIND_BY_DEFINITION: dict[type, str] = {
    ObjectTypeDefinitionNode: "ObjectType",
    InterfaceTypeDefinitionNode: "InterfaceType",
    UnionTypeDefinitionNode: "UnionType",
    EnumTypeDefinitionNode: "EnumType",
    InputObjectTypeDefinitionNode: "InputObjectType",
    ScalarTypeDefinitionNode: "ScalarType",
}
