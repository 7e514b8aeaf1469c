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

from router.composition.naming import did_you_mean, suggestion_list
from router.composition.schema_model import FEDERATION_DIRECTIVES

FEDERATION_URL = re.compile(r"^https://specs\.apollo\.dev/federation/v(\d+)\.(\d+)$")
LINK_URL = re.compile(r"^https://specs\.apollo\.dev/link/v")
# What each Federation 2 version adds to what a subgraph may import (Apollo's federation spec).
ELEMENTS_SINCE: list[tuple[tuple[int, int], tuple[str, ...]]] = [
    (
        (2, 0),
        (
            "@key",
            "@requires",
            "@provides",
            "@external",
            "@tag",
            "@extends",
            "@shareable",
            "@inaccessible",
            "@override",
            "FieldSet",
        ),
    ),
    ((2, 1), ("@composeDirective",)),
    ((2, 3), ("@interfaceObject",)),
    ((2, 5), ("@authenticated", "@requiresScopes", "Scope")),
    ((2, 6), ("@policy", "Policy")),
    ((2, 8), ("@context", "@fromContext", "ContextFieldValue")),
    ((2, 9), ("@cost", "@listSize")),
    ((2, 12), ("@cacheTag",)),
]
LATEST_FEDERATION_VERSION = (2, 13)


def known_elements(version: tuple[int, int]) -> list[str]:
    """Directives (``@key``) and types a subgraph linking federation ``version`` may import."""
    return [name for since, names in ELEMENTS_SINCE if version >= since for name in names]


def is_known_version(version: tuple[int, int]) -> bool:
    return version[0] == 2 and version <= LATEST_FEDERATION_VERSION


@dataclass
class LinkImports:
    """How this subgraph names things: local directive name → canonical federation name."""

    federation_version: tuple[int, int] | None = None
    directive_names: dict[str, str] = field(default_factory=dict)
    # Other specs linked by URL (custom directives for @composeDirective): local name → URL.
    foreign: dict[str, str] = field(default_factory=dict)
    link_names: set[str] = field(default_factory=lambda: {"link"})
    # The federation link's namespace (``federation``, or its ``as:``).
    namespace: str = "federation"
    # Federation directives as imported: canonical name → local name.
    imported: dict[str, str] = field(default_factory=dict)
    # Federation types imported by name (``FieldSet``).
    imported_types: set[str] = field(default_factory=set)
    # The federation directives' names in this schema (``key``, ``federation__requires``).
    schema_directives: list[str] = field(default_factory=list)
    # Invalid @link usage: (code, message) pairs, as Apollo words them.
    errors: list[tuple[str, str]] = field(default_factory=list)

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
    links = _link_directives(schema_nodes)
    imports.errors.extend(_link_usage_errors(links))
    if imports.errors:
        return imports
    for link in links:
        args = {a.name.value: a.value for a in link.arguments or ()}
        url = _string(args.get("url")) or ""
        alias = _string(args.get("as"))
        imported = _imports(args.get("import"))
        fed = FEDERATION_URL.match(url)
        if fed:
            version = (int(fed.group(1)), int(fed.group(2)))
            imports.federation_version = version
            imports.namespace = alias or "federation"
            _read_federation_link(imports, version, _raw_imports(args.get("import")))
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


VERSION_SEGMENT = re.compile(r"^v\d+\.\d+$")


def _link_usage_errors(links: list[ConstDirectiveNode]) -> list[tuple[str, str]]:
    """Malformed @link URLs, a feature linked twice, imports renamed across kinds."""
    errors: list[tuple[str, str]] = []
    identities: list[str] = []
    for link in links:
        args = {a.name.value: a.value for a in link.arguments or ()}
        url = _string(args.get("url")) or ""
        identity, _, version = url.rstrip("/").rpartition("/")
        if not VERSION_SEGMENT.match(version):
            errors.append(
                (
                    "INVALID_LINK_IDENTIFIER",
                    f"Expected a version string (of the form v1.2), got {version}",
                )
            )
            continue
        if identity in identities:
            errors.append(("INVALID_LINK_DIRECTIVE_USAGE", _linked_twice(identity)))
        identities.append(identity)
        for name, local in _raw_imports(args.get("import")):
            if name.startswith("@") and not local.startswith("@"):
                errors.append(
                    (
                        "INVALID_LINK_DIRECTIVE_USAGE",
                        f'Invalid @link import renaming: directive "{name}" imported name should '
                        f"start with a '@' character, but got \"{local}\".",
                    )
                )
            elif not name.startswith("@") and local.startswith("@"):
                errors.append(
                    (
                        "INVALID_LINK_DIRECTIVE_USAGE",
                        f'Invalid @link import renaming: type "{name}" imported name should not '
                        f"start with a '@' character, but got \"{local}\" (or, if @{name} is a "
                        "directive, then it should be referred to with a '@').",
                    )
                )
    link_spec = "https://specs.apollo.dev/link"
    has_federation = any(i == "https://specs.apollo.dev/federation" for i in identities)
    link_urls = [
        _string({a.name.value: a.value for a in link.arguments or ()}.get("url")) or ""
        for link in links
    ]
    if has_federation and any(
        u.startswith(link_spec + "/") and not u.endswith("/v1.0") for u in link_urls
    ):
        # Federation links the link spec v1.0 itself; another version links it twice.
        errors.append(("INVALID_LINK_DIRECTIVE_USAGE", _linked_twice(link_spec)))
    return errors


def _linked_twice(identity: str) -> str:
    return f'Cannot link feature "{identity}" since it has already been linked in the schema.'


def _read_federation_link(
    imports: LinkImports, version: tuple[int, int], imported: list[tuple[str, str]]
) -> None:
    """Maps the federation directives this version offers; unknown imports are errors."""
    if not is_known_version(version):
        imports.errors.append(
            (
                "UNKNOWN_FEDERATION_LINK_VERSION",
                f"Invalid version v{version[0]}.{version[1]} for the federation feature in "
                "@link directive on schema",
            )
        )
        for name, local in imported:
            if name.startswith("@"):
                imports.imported[name[1:]] = local[1:]
        return
    known = known_elements(version)
    imported_names = {name for name, _ in imported}
    imports.schema_directives = [
        imports.namespace + "__" + name[1:]
        for name in known
        if name.startswith("@") and name not in imported_names
    ] + [local[1:] for name, local in imported if name.startswith("@") and name in known]
    for name in known:
        # An imported directive goes by its imported name only, as in Apollo's subgraphs.
        if (
            name.startswith("@")
            and name[1:] in FEDERATION_DIRECTIVES
            and name not in imported_names
        ):
            imports.directive_names[f"{imports.namespace}__{name[1:]}"] = name[1:]
    for name, local in imported:
        if name not in known:
            imports.errors.append(("INVALID_LINK_DIRECTIVE_USAGE", _unknown_import(name, known)))
            continue
        if name.startswith("@") and name[1:] in FEDERATION_DIRECTIVES:
            imports.directive_names[local[1:]] = name[1:]
            imports.imported[name[1:]] = local[1:]
        elif not name.startswith("@"):
            imports.imported_types.add(local)


def _unknown_import(name: str, known: list[str]) -> str:
    if not name.startswith("@") and f"@{name}" in known:
        details = f' Did you mean directive "@{name}"?'
    else:
        details = did_you_mean(suggestion_list(name, known))
    return f'Cannot import unknown element "{name}".{details}'


def _raw_imports(value: object) -> list[tuple[str, str]]:
    """Like :func:`_imports`, keeping the ``@`` that tells directives from types."""
    if not isinstance(value, ListValueNode):
        return []
    pairs: list[tuple[str, str]] = []
    for item in value.values:
        if isinstance(item, StringValueNode):
            pairs.append((item.value, item.value))
        elif isinstance(item, ObjectValueNode):
            fields = {f.name.value: _string(f.value) for f in item.fields}
            name = fields.get("name") or ""
            if name:
                pairs.append((name, fields.get("as") or name))
    return pairs


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
