"""Reads a subgraph's ``@link`` imports: which local directive name means which federation one.

A Federation 2 subgraph says ``@link(url: ".../federation/v2.3", import: ["@key",
{name: "@shareable", as: "@shared"}])``; unimported directives are reachable through the
link's namespace (``@federation__requires``, or ``@fed__requires`` with ``as: "fed"``).
A subgraph without that link is a Federation 1 subgraph: the names are the spec names.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field

from graphql.language import (
    ConstDirectiveNode,
    ListValueNode,
    ObjectValueNode,
    SchemaDefinitionNode,
    SchemaExtensionNode,
    StringValueNode,
)

from router.composition.schema_model import FEDERATION_DIRECTIVES

FEDERATION_URL = re.compile(r"^https://specs\.apollo\.dev/federation/v(\d+)\.(\d+)$")
LINK_URL = re.compile(r"^https://specs\.apollo\.dev/link/v")


@dataclass
class LinkImports:
    """How this subgraph names things: local directive name → canonical federation name."""

    federation_version: tuple[int, int] | None = None
    directive_names: dict[str, str] = field(default_factory=dict)
    # Other specs linked by URL (custom directives for @composeDirective): local name → URL.
    foreign: dict[str, str] = field(default_factory=dict)
    link_names: set[str] = field(default_factory=lambda: {"link"})

    @property
    def is_fed1(self) -> bool:
        return self.federation_version is None

    def canonical(self, local_name: str) -> str:
        """The canonical name of a directive as applied in this subgraph."""
        return self.directive_names.get(local_name, local_name)


def _string(value: object) -> str | None:
    return value.value if isinstance(value, StringValueNode) else None


def _link_directives(
    nodes: Sequence[SchemaDefinitionNode | SchemaExtensionNode],
) -> list[ConstDirectiveNode]:
    found: list[ConstDirectiveNode] = []
    for node in nodes:
        found.extend(d for d in node.directives or () if d.name.value == "link")
    return found


def read_links(schema_nodes: Sequence[SchemaDefinitionNode | SchemaExtensionNode]) -> LinkImports:
    """Resolves every ``@link`` on the schema definition/extension into a :class:`LinkImports`."""
    imports = LinkImports()
    for link in _link_directives(schema_nodes):
        args = {a.name.value: a.value for a in link.arguments or ()}
        url = _string(args.get("url")) or ""
        alias = _string(args.get("as"))
        imported = _imports(args.get("import"))
        fed = FEDERATION_URL.match(url)
        if fed:
            imports.federation_version = (int(fed.group(1)), int(fed.group(2)))
            namespace = alias or "federation"
            for name in FEDERATION_DIRECTIVES:
                imports.directive_names[f"{namespace}__{name}"] = name
            for name, local in imported:
                if name in FEDERATION_DIRECTIVES:
                    imports.directive_names[local] = name
        elif LINK_URL.match(url):
            imports.link_names.add(alias or "link")
        else:
            parts = url.rstrip("/").split("/")
            spec_name = alias or (parts[-2] if len(parts) >= 2 else url)
            for _name, local in imported:
                imports.foreign[local] = url
            imports.foreign[f"{spec_name}__"] = url
    if imports.is_fed1:
        imports.directive_names = {name: name for name in FEDERATION_DIRECTIVES}
    return imports


def _imports(value: object) -> list[tuple[str, str]]:
    """``import: ["@key", {name: "@key", as: "@primaryKey"}]`` → [(key, primaryKey)]."""
    if not isinstance(value, ListValueNode):
        return []
    pairs: list[tuple[str, str]] = []
    for item in value.values:
        if isinstance(item, StringValueNode):
            name = item.value.lstrip("@")
            pairs.append((name, name))
        elif isinstance(item, ObjectValueNode):
            fields = {f.name.value: _string(f.value) for f in item.fields}
            name = (fields.get("name") or "").lstrip("@")
            local = (fields.get("as") or fields.get("name") or "").lstrip("@")
            if name:
                pairs.append((name, local))
    return pairs
