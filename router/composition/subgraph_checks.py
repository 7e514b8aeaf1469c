"""Checks of a subgraph document before it is modelled: what GraphQL itself would reject
(unknown types, unknown directives) and root-type names federation cannot compose.

Apollo's subgraph loading reports these with code ``INVALID_GRAPHQL``; unknown federation
directives get a hint on how to import them, as Apollo's do.
"""

from __future__ import annotations

from collections.abc import Iterator

from graphql.language import (
    ConstDirectiveNode,
    DirectiveDefinitionNode,
    DocumentNode,
    ListTypeNode,
    NonNullTypeNode,
    SchemaDefinitionNode,
    SchemaExtensionNode,
    TypeDefinitionNode,
    TypeExtensionNode,
    TypeNode,
)

from router.composition.directives import LinkImports
from router.composition.naming import did_you_mean, suggestion_list
from router.composition.schema_model import FEDERATION_DIRECTIVES

BUILTIN_SCALARS = frozenset({"String", "Int", "Float", "Boolean", "ID"})
BUILTIN_DIRECTIVES = frozenset({"deprecated", "specifiedBy", "include", "skip"})
# Types federation adds to every subgraph, whether or not the SDL defines them.
FEDERATION_TYPES = frozenset(
    {"_Any", "_Entity", "_Service", "_FieldSet", "FieldSet", "Scope", "Policy"}
    | {"ContextFieldValue"}
)
ALL_FEDERATION_DIRECTIVES = sorted(FEDERATION_DIRECTIVES | {"cacheTag"})
# What a Federation 1 subgraph may use without defining it.
FED1_DIRECTIVES = frozenset({"key", "requires", "provides", "external", "extends", "tag"})
ROOT_DEFAULTS = {"query": "Query", "mutation": "Mutation", "subscription": "Subscription"}
FED1_NOTE = (
    "this schema is a federation 1 schema. To be a federation 2 schema, it needs to @link to "
    "the federation specifcation v2."
)


def root_name_errors(document: DocumentNode) -> list[tuple[str, str]]:
    """A root type renamed (``query: RootQuery``) while a type keeps the default name."""
    defined = {d.name.value for d in document.definitions if isinstance(d, TypeDefinitionNode)}
    errors: list[tuple[str, str]] = []
    for node in document.definitions:
        if not isinstance(node, SchemaDefinitionNode | SchemaExtensionNode):
            continue
        for op in node.operation_types or ():
            default = ROOT_DEFAULTS[op.operation.value]
            if op.type.name.value != default and default in defined:
                errors.append(
                    (
                        f"ROOT_{op.operation.value.upper()}_USED",
                        f'The schema has a type named "{default}" but it is not set as the '
                        f'{op.operation.value} root type ("{op.type.name.value}" is instead): '
                        "this is not supported by federation. If a root type does not use its "
                        "default name, there should be no other type with that default name.",
                    )
                )
    return errors


def first_unknown_type(document: DocumentNode, links: LinkImports) -> str | None:
    """The first type referenced but never defined (GraphQL stops at the first one too)."""
    defined = {
        d.name.value
        for d in document.definitions
        if isinstance(d, TypeDefinitionNode | TypeExtensionNode)
    }
    for name in _referenced_types(document):
        if name in defined or name in BUILTIN_SCALARS or name in FEDERATION_TYPES:
            continue
        prefixes = ("link__", "federation__", f"{links.namespace}__")
        if name.startswith(prefixes + tuple(f"{n}__" for n in links.link_names)):
            continue
        return name
    return None


def _named(type_node: TypeNode) -> str:
    while isinstance(type_node, ListTypeNode | NonNullTypeNode):
        type_node = type_node.type
    return type_node.name.value  # type: ignore[attr-defined]


def _referenced_types(document: DocumentNode) -> Iterator[str]:
    for node in document.definitions:
        if isinstance(node, DirectiveDefinitionNode):
            for arg in node.arguments or ():
                yield _named(arg.type)
            continue
        if not isinstance(node, TypeDefinitionNode | TypeExtensionNode):
            continue
        for interface in getattr(node, "interfaces", None) or ():
            yield interface.name.value
        for field in getattr(node, "fields", None) or ():
            yield _named(field.type)
            for arg in getattr(field, "arguments", None) or ():
                yield _named(arg.type)
        for member in getattr(node, "types", None) or ():
            yield member.name.value


def applied_directives(document: DocumentNode) -> Iterator[ConstDirectiveNode]:
    """Every directive application, in document order."""
    for node in document.definitions:
        yield from getattr(node, "directives", None) or ()
        for child in (getattr(node, "fields", None) or ()) + (getattr(node, "values", None) or ()):
            yield from child.directives or ()
            for arg in getattr(child, "arguments", None) or ():
                yield from arg.directives or ()


def unknown_directive_errors(document: DocumentNode, links: LinkImports) -> list[str]:
    """One message per application of a directive the subgraph neither defines nor imports."""
    defined = {d.name.value for d in document.definitions if isinstance(d, DirectiveDefinitionNode)}
    fed1 = links.is_fed1
    known_federation = FED1_DIRECTIVES if fed1 else set(links.directive_names)
    messages: list[str] = []
    for directive in applied_directives(document):
        name = directive.name.value
        if name in defined or name in BUILTIN_DIRECTIVES or name in links.link_names:
            continue
        if name in known_federation or (fed1 and name.startswith("federation__")):
            continue
        if name == "composeDirective" and not fed1 and "composeDirective" in known_federation:
            continue
        close = suggestion_list(name, sorted(defined | _schema_directives(links)))
        if close:
            messages.append(
                f'Unknown directive "@{name}".' + did_you_mean([f"@{c}" for c in close])
            )
        else:
            messages.append(f'Unknown directive "@{name}".' + _hint(name, links))
    return messages


def _schema_directives(links: LinkImports) -> set[str]:
    """Every directive name the subgraph's schema knows besides its own definitions."""
    names = set(BUILTIN_DIRECTIVES) | links.link_names
    if links.is_fed1:
        return names | FED1_DIRECTIVES
    return names | set(links.schema_directives)


def _hint(name: str, links: LinkImports) -> str:
    # A link to an unknown major version (federation/v3.0) leaves a Federation 1 schema.
    fed1 = links.is_fed1 or (links.federation_version or (1, 0))[0] != 2
    if name in ALL_FEDERATION_DIRECTIVES:
        if fed1:
            return f' If you meant the "@{name}" federation 2 directive, note that {FED1_NOTE}'
        local = links.imported.get(name)
        if local is None:
            return (
                f' If you meant the "@{name}" federation directive, you should use '
                f'fully-qualified name "@{links.namespace}__{name}" or add "@{name}" to the '
                "`import` argument of the @link to the federation specification."
            )
        return (
            f' If you meant the "@{name}" federation directive, you should use "@{local}" as it '
            "is imported under that name in the @link to the federation specification of this "
            "schema."
        )
    if fed1:
        suggestions = suggestion_list(name, ALL_FEDERATION_DIRECTIVES)
        if suggestions:
            which = (
                "it is a federation 2 directive"
                if len(suggestions) == 1
                else "they are federation 2 directives"
            )
            return (
                did_you_mean([f"@{s}" for s in suggestions])
                + f" If so, note that {which} but this schema is a federation 1 one. To be a "
                "federation 2 schema, it needs to @link to the federation specifcation v2."
            )
    return ""
