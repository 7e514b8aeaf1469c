"""Upgrades a Federation 1 subgraph (no ``@link``) to Federation 2 semantics before merging.

Federation 1 wrote ``extend type User @key(fields: "id") { id: ID! @external }`` for entities
owned elsewhere, and every field could be resolved by several subgraphs. Like Apollo's schema
upgrader: ``extend type`` becomes a plain definition (``@extends`` keeps the extension flag),
``@external`` on the key fields of an extension is dropped, and fields become shareable.
"""

from __future__ import annotations

from router.composition.fieldset import selected_fields
from router.composition.schema_model import AppliedDirective, Subgraph, named_type


def upgrade_fed1(subgraph: Subgraph) -> None:
    """Rewrites ``subgraph`` in place; a Federation 2 subgraph is left unchanged."""
    if not subgraph.is_fed1:
        return
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
    _remove_unused_externals(subgraph)


def _remove_unused_externals(subgraph: Subgraph) -> None:
    """Fed1 tolerated @external fields nothing referenced; Apollo's upgrader drops them."""
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
