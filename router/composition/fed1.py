"""Upgrades a Federation 1 subgraph (no ``@link``) to Federation 2 semantics before merging.

Federation 1 wrote ``extend type User @key(fields: "id") { id: ID! @external }`` for entities
owned elsewhere, and every field could be resolved by several subgraphs. Like Apollo's schema
upgrader: ``extend type`` becomes a plain definition (``@extends`` keeps the extension flag),
``@external`` on the key fields of an extension is dropped, and fields become shareable.
"""

from __future__ import annotations

from router.composition.fieldset import selected_fields
from router.composition.model import CompositionError
from router.composition.schema_model import AppliedDirective, Subgraph, named_type


def upgrade_fed1(subgraph: Subgraph) -> list[CompositionError]:
    """Rewrites ``subgraph`` in place (a Federation 2 subgraph is left unchanged); returns
    what the upgrade cannot fix, as Apollo's schema upgrader reports it."""
    if not subgraph.is_fed1:
        return []
    for type_def in subgraph.types.values():
        is_extension = type_def.only_extension or type_def.has("extends")
        if type_def.only_extension:
            for key in type_def.keys:
                key.from_extension = False
        if is_extension and type_def.kind == "object":
            for key in type_def.keys:
                for type_name, field_name in selected_fields(subgraph, type_def.name, key):
                    field_def = subgraph.field(type_name, field_name)
                    if type_name == type_def.name and field_def is not None:
                        field_def.directives = [
                            d for d in field_def.directives if d.name != "external"
                        ]
        if type_def.kind == "interface":
            # @key on interfaces and @external on interface fields meant nothing in fed1.
            type_def.directives = [d for d in type_def.directives if d.name != "key"]
            for field_def in type_def.fields.values():
                field_def.directives = [d for d in field_def.directives if d.name != "external"]
        if type_def.kind == "object" and not type_def.has("shareable"):
            type_def.directives.append(AppliedDirective("shareable"))
    return _remove_unused_externals(subgraph)


def _remove_unused_externals(subgraph: Subgraph) -> list[CompositionError]:
    """Fed1 tolerated @external fields nothing referenced; Apollo's upgrader drops them, and
    then the types left empty: silently when nothing refers to them, else as an error."""
    used: set[tuple[str, str]] = set()
    for type_def in subgraph.types.values():
        for key in type_def.keys:
            used.update(selected_fields(subgraph, type_def.name, key))
        for field_def in type_def.fields.values():
            for directive in field_def.directives:
                if directive.name == "requires":
                    used.update(selected_fields(subgraph, type_def.name, directive))
                elif directive.name == "provides":
                    used.update(selected_fields(subgraph, named_type(field_def.type), directive))
    for type_def in subgraph.types.values():
        interfaces_fields = {
            name
            for interface in type_def.interfaces
            if interface in subgraph.types
            for name in subgraph.types[interface].fields
        }
        for name, field_def in list(type_def.fields.items()):
            if (
                field_def.has("external")
                and (type_def.name, name) not in used
                and name not in interfaces_fields
            ):
                del type_def.fields[name]
    errors: list[CompositionError] = []
    for type_def in list(subgraph.types.values()):
        if type_def.kind not in ("object", "interface") or type_def.fields:
            continue
        if not _is_referenced(subgraph, type_def.name):
            del subgraph.types[type_def.name]
            continue
        errors.append(
            CompositionError(
                "TYPE_WITH_ONLY_UNUSED_EXTERNAL",
                f"[{subgraph.name}] Type {type_def.name} contains only external fields and all "
                "those fields are all unused (they do not appear in any @key, @provides or "
                "@requires).",
                (subgraph.name,),
                type_def.name,
            )
        )
    return errors


def _is_referenced(subgraph: Subgraph, name: str) -> bool:
    for type_def in subgraph.types.values():
        if name in type_def.interfaces or name in type_def.members:
            return True
        for field_def in type_def.fields.values():
            if named_type(field_def.type) == name:
                return True
            if any(named_type(a.type) == name for a in field_def.args.values()):
                return True
    return False
