"""Semantic view of a supergraph SDL, to compare ours with other tools' output.

Order is ignored where it carries no meaning (types, directive applications, union members,
interfaces); field and argument types, arguments and every directive argument must match.
"""

from __future__ import annotations

from collections import Counter
from typing import Any

from graphql import parse, print_ast
from graphql.language import (
    DirectiveDefinitionNode,
    EnumTypeDefinitionNode,
    InputObjectTypeDefinitionNode,
    InterfaceTypeDefinitionNode,
    ObjectTypeDefinitionNode,
    ScalarTypeDefinitionNode,
    SchemaDefinitionNode,
    UnionTypeDefinitionNode,
)


def _directives(node: Any) -> Counter[str]:
    return Counter(print_ast(d) for d in node.directives or ())


def _args(node: Any) -> dict[str, Any]:
    return {
        a.name.value: (
            print_ast(a.type),
            print_ast(a.default_value) if a.default_value else None,
            _directives(a),
        )
        for a in node.arguments or ()
    }


def semantic_view(sdl: str) -> dict[str, Any]:
    """A comparable structure: schema links, directive definitions and every type."""
    view: dict[str, Any] = {"schema": None, "directives": {}, "types": {}}
    for node in parse(sdl).definitions:
        if isinstance(node, SchemaDefinitionNode):
            view["schema"] = (
                _directives(node),
                {o.operation.value: o.type.name.value for o in node.operation_types},
            )
        elif isinstance(node, DirectiveDefinitionNode):
            view["directives"][node.name.value] = (
                _args(node),
                node.repeatable,
                frozenset(loc.value for loc in node.locations),
            )
        elif isinstance(node, ObjectTypeDefinitionNode | InterfaceTypeDefinitionNode):
            view["types"][node.name.value] = {
                "kind": type(node).__name__,
                "description": node.description.value if node.description else None,
                "directives": _directives(node),
                "interfaces": frozenset(i.name.value for i in node.interfaces or ()),
                "fields": {
                    f.name.value: (
                        print_ast(f.type),
                        _args(f),
                        _directives(f),
                        f.description.value if f.description else None,
                    )
                    for f in node.fields or ()
                },
            }
        elif isinstance(node, UnionTypeDefinitionNode):
            view["types"][node.name.value] = {
                "kind": "union",
                "directives": _directives(node),
                "members": frozenset(t.name.value for t in node.types or ()),
            }
        elif isinstance(node, EnumTypeDefinitionNode):
            view["types"][node.name.value] = {
                "kind": "enum",
                "directives": _directives(node),
                "values": {v.name.value: _directives(v) for v in node.values or ()},
            }
        elif isinstance(node, InputObjectTypeDefinitionNode):
            view["types"][node.name.value] = {
                "kind": "input",
                "directives": _directives(node),
                "fields": {
                    f.name.value: (
                        print_ast(f.type),
                        print_ast(f.default_value) if f.default_value else None,
                        _directives(f),
                    )
                    for f in node.fields or ()
                },
            }
        elif isinstance(node, ScalarTypeDefinitionNode):
            view["types"][node.name.value] = {"kind": "scalar", "directives": _directives(node)}
    return view
