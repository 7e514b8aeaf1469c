"""The composed supergraph before printing: types with their join and carried directives."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass
class SArg:
    name: str
    type: str
    default: str | None = None
    description: str | None = None
    directives: list[str] = field(default_factory=list)


@dataclass
class SField:
    name: str
    type: str
    args: list[SArg] = field(default_factory=list)
    description: str | None = None
    directives: list[str] = field(default_factory=list)


@dataclass
class SEnumValue:
    name: str
    description: str | None = None
    directives: list[str] = field(default_factory=list)


@dataclass
class SType:
    name: str
    kind: str
    description: str | None = None
    directives: list[str] = field(default_factory=list)
    fields: list[SField] = field(default_factory=list)
    input_fields: list[SArg] = field(default_factory=list)
    interfaces: list[str] = field(default_factory=list)
    members: list[str] = field(default_factory=list)
    values: list[SEnumValue] = field(default_factory=list)


@dataclass
class Supergraph:
    # (enum value name, subgraph name, url) in subgraph order.
    graphs: list[tuple[str, str, str]]
    join_version: str
    types: dict[str, SType] = field(default_factory=dict)
    uses_tag: bool = False
    uses_inaccessible: bool = False
    uses_context: bool = False
    # Directive definitions carried by @composeDirective (printed SDL), and their @link.
    composed_definitions: dict[str, str] = field(default_factory=dict)
    composed_links: list[tuple[str, list[str]]] = field(default_factory=list)
    root_types: dict[str, str] = field(default_factory=dict)
    # Carried directives applied to the schema (``@tag(name: ...)``), printed.
    schema_directives: list[str] = field(default_factory=list)
