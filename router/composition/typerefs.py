"""Type references across subgraphs: subtyping, and picking the merged type of a field."""

from __future__ import annotations

from collections.abc import Callable

from graphql import print_ast
from graphql.language import ListTypeNode, NamedTypeNode, NonNullTypeNode, TypeNode


def same_type(a: TypeNode, b: TypeNode) -> bool:
    return print_ast(a) == print_ast(b)


def is_subtype(maybe_sub: TypeNode, sup: TypeNode, implements: Callable[[str, str], bool]) -> bool:
    """Whether a value of ``maybe_sub`` is always a valid ``sup`` (``String!`` ≤ ``String``).

    ``implements(type, abstract)`` answers whether an object/interface belongs to an
    interface or union in the supergraph.
    """
    if isinstance(sup, NonNullTypeNode):
        return isinstance(maybe_sub, NonNullTypeNode) and is_subtype(
            maybe_sub.type, sup.type, implements
        )
    if isinstance(maybe_sub, NonNullTypeNode):
        return is_subtype(maybe_sub.type, sup, implements)
    if isinstance(sup, ListTypeNode):
        return isinstance(maybe_sub, ListTypeNode) and is_subtype(
            maybe_sub.type, sup.type, implements
        )
    if isinstance(maybe_sub, ListTypeNode):
        return False
    assert isinstance(sup, NamedTypeNode) and isinstance(maybe_sub, NamedTypeNode)
    return maybe_sub.name.value == sup.name.value or implements(
        maybe_sub.name.value, sup.name.value
    )


def merge_types(
    types: list[TypeNode], input_position: bool, implements: Callable[[str, str], bool]
) -> tuple[TypeNode | None, bool]:
    """The merged type (most general for outputs, most specific for inputs) and whether all
    the subgraphs agree exactly; ``None`` when two of them are incompatible."""
    merged = types[0]
    all_equal = True
    for candidate in types[1:]:
        if same_type(merged, candidate):
            continue
        all_equal = False
        if is_subtype(candidate, merged, implements):
            if input_position:
                merged = candidate
        elif is_subtype(merged, candidate, implements):
            if not input_position:
                merged = candidate
        else:
            return None, False
    return merged, all_equal
