"""What a client selected under a field, read from Strawberry's resolved selection."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Any

from strawberry.types.nodes import SelectedField


def _children(fields: Sequence[Any]) -> Iterator[SelectedField]:
    for field in fields:
        for child in getattr(field, "selections", ()):
            if isinstance(child, SelectedField):
                yield child
            else:  # an inline fragment or a fragment spread: its fields count as direct ones
                yield from _children([child])


def selected_names(fields: Sequence[Any]) -> set[str]:
    """GraphQL names selected directly under the resolved field (fragments included)."""
    return {child.name for child in _children(fields)}


def selected_children(fields: Sequence[Any], name: str) -> list[SelectedField]:
    """Every selection of the GraphQL field ``name`` directly under the resolved field."""
    return [child for child in _children(fields) if child.name == name]
