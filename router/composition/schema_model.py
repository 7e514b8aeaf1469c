"""In-memory model of one subgraph schema, with federation directives under canonical names.

Federation directives are stored under their spec names (``key``, ``external``...) whatever
the subgraph called them (``@primaryKey``, ``@federation__key``), so later stages never deal
with ``@link`` renames.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from graphql import TypeNode, ValueNode, print_ast
from graphql.language import (
    ListTypeNode,
    ListValueNode,
    NamedTypeNode,
    NonNullTypeNode,
    ObjectValueNode,
)

# Canonical names of the directives the federation spec defines.
FEDERATION_DIRECTIVES = frozenset(
    {
        "key",
        "external",
        "requires",
        "provides",
        "shareable",
        "override",
        "inaccessible",
        "tag",
        "interfaceObject",
        "extends",
        "composeDirective",
        "authenticated",
        "requiresScopes",
        "policy",
        "context",
        "fromContext",
        "cost",
        "listSize",
    }
)


@dataclass
class AppliedDirective:
    name: str
    args: dict[str, ValueNode] = field(default_factory=dict)
    from_extension: bool = False
    # The name the subgraph wrote (``@primaryKey`` for an imported ``@key``), for messages.
    local_name: str | None = field(default=None, compare=False)
    # The subgraph that applied it (contexts are named after it in the supergraph).
    origin: str = field(default="", compare=False)

    def arg_str(self, name: str) -> str | None:
        """The value of a string argument (``fields``, ``from``, ``name``), if given."""
        value = self.args.get(name)
        return getattr(value, "value", None) if value is not None else None

    def arg_bool(self, name: str, default: bool) -> bool:
        value = self.args.get(name)
        if value is None or not hasattr(value, "value"):
            return default
        return bool(value.value)

    def signature(self) -> str:
        """A printable form used to de-duplicate applications across subgraphs."""
        if not self.args:
            return f"@{self.name}"
        args = ", ".join(f"{k}: {print_ast(v)}" for k, v in self.args.items())
        return f"@{self.name}({args})"


@dataclass
class InputValue:
    name: str
    type: TypeNode
    default: ValueNode | None = None
    description: str | None = None
    directives: list[AppliedDirective] = field(default_factory=list)


@dataclass
class FieldDef:
    name: str
    type: TypeNode
    args: dict[str, InputValue] = field(default_factory=dict)
    description: str | None = None
    directives: list[AppliedDirective] = field(default_factory=list)

    def has(self, directive: str) -> bool:
        return any(d.name == directive for d in self.directives)

    def first(self, directive: str) -> AppliedDirective | None:
        return next((d for d in self.directives if d.name == directive), None)


@dataclass
class EnumValueDef:
    name: str
    description: str | None = None
    directives: list[AppliedDirective] = field(default_factory=list)


@dataclass
class TypeDef:
    name: str
    kind: str  # object | interface | union | enum | input | scalar
    description: str | None = None
    fields: dict[str, FieldDef] = field(default_factory=dict)
    input_fields: dict[str, InputValue] = field(default_factory=dict)
    interfaces: list[str] = field(default_factory=list)
    members: list[str] = field(default_factory=list)
    values: dict[str, EnumValueDef] = field(default_factory=dict)
    directives: list[AppliedDirective] = field(default_factory=list)
    # True when every definition of the type in this subgraph is an ``extend type``.
    only_extension: bool = False

    def has(self, directive: str) -> bool:
        return any(d.name == directive for d in self.directives)

    def all(self, directive: str) -> list[AppliedDirective]:
        return [d for d in self.directives if d.name == directive]

    @property
    def keys(self) -> list[AppliedDirective]:
        return self.all("key")

    @property
    def is_interface_object(self) -> bool:
        return self.kind == "object" and self.has("interfaceObject")


@dataclass
class Subgraph:
    name: str
    url: str
    types: dict[str, TypeDef] = field(default_factory=dict)
    federation_version: tuple[int, int] = (2, 0)
    is_fed1: bool = False
    # Custom directive definitions kept for @composeDirective, by name.
    directive_definitions: dict[str, object] = field(default_factory=dict)
    # Directive names to carry into the supergraph (@composeDirective), with their link URL.
    composed_directives: dict[str, str | None] = field(default_factory=dict)
    # Whether @inaccessible is applied anywhere, even where nothing carries it (a built-in
    # scalar, a directive argument): Apollo then links the inaccessible spec all the same.
    applies_inaccessible: bool = False
    # Directives applied to the schema itself (@tag on the schema reaches the supergraph).
    schema_directives: list[AppliedDirective] = field(default_factory=list)
    # Why some @composeDirective cannot be honoured (Apollo's DIRECTIVE_COMPOSITION_ERROR).
    compose_errors: list[str] = field(default_factory=list)

    def field(self, type_name: str, field_name: str) -> FieldDef | None:
        type_def = self.types.get(type_name)
        return type_def.fields.get(field_name) if type_def else None

    def is_external(self, type_name: str, field_name: str) -> bool:
        field_def = self.field(type_name, field_name)
        return field_def is not None and field_def.has("external")


def named_type(type_node: TypeNode) -> str:
    """The innermost named type of a type reference (``[User!]!`` → ``User``)."""
    while isinstance(type_node, ListTypeNode | NonNullTypeNode):
        type_node = type_node.type
    assert isinstance(type_node, NamedTypeNode)
    return type_node.name.value


def type_str(type_node: TypeNode) -> str:
    return print_ast(type_node)


def value_text(value: ValueNode) -> str:
    """A value as Apollo prints it: ``{depth: 2}`` where graphql-core writes ``{ depth: 2 }``."""
    if isinstance(value, ObjectValueNode):
        return "{" + ", ".join(f"{f.name.value}: {value_text(f.value)}" for f in value.fields) + "}"
    if isinstance(value, ListValueNode):
        return "[" + ", ".join(value_text(v) for v in value.values) + "]"
    return print_ast(value)
