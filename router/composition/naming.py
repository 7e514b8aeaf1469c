"""Phrases for error messages, worded like Apollo's."""

from __future__ import annotations


def quoted_list(names: list[str], noun: str) -> str:
    """``subgraph "a"`` or ``subgraphs "a", "b" and "c"``."""
    quoted = [f'"{n}"' for n in names]
    if len(quoted) == 1:
        return f"{noun} {quoted[0]}"
    return f"{noun}s {', '.join(quoted[:-1])} and {quoted[-1]}"
