"""Phrases for error messages, worded like Apollo's."""

from __future__ import annotations

from graphql import print_ast

from router.composition.schema_model import AppliedDirective


def printed(directive: AppliedDirective) -> str:
    """``@key(fields: "id")`` as the subgraph wrote it (its local name, its arguments)."""
    name = directive.local_name or directive.name
    if not directive.args:
        return f"@{name}"
    return f"@{name}({', '.join(f'{k}: {print_ast(v)}' for k, v in directive.args.items())})"


def quoted_list(names: list[str], noun: str) -> str:
    """``subgraph "a"`` or ``subgraphs "a", "b" and "c"``."""
    quoted = [f'"{n}"' for n in names]
    if not quoted:
        return ""  # Apollo prints nothing either (an interface field from @interfaceObject)
    if len(quoted) == 1:
        return f"{noun} {quoted[0]}"
    return f"{noun}s {', '.join(quoted[:-1])} and {quoted[-1]}"


MAX_SUGGESTIONS = 5


def _levenshtein(a: str, b: str) -> int:
    previous = list(range(len(b) + 1))
    for i, char_a in enumerate(a, 1):
        current = [i]
        for j, char_b in enumerate(b, 1):
            cost = 0 if char_a == char_b else 1
            current.append(min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + cost))
        previous = current
    return previous[-1]


def suggestion_list(given: str, options: list[str]) -> list[str]:
    """The options close enough to ``given`` to suggest, closest first (Apollo's threshold)."""
    threshold = len(given) * 4 // 10 + 1
    distances: dict[str, int] = {}
    for option in options:
        distance = 1 if given.lower() == option.lower() else _levenshtein(given, option)
        if distance <= threshold:
            distances[option] = distance
    return sorted(distances, key=lambda o: (distances[o], o.lower(), o))


def did_you_mean(suggestions: list[str]) -> str:
    """`` Did you mean "a", "b", or "c"?`` (empty without suggestions)."""
    quoted = [f'"{s}"' for s in suggestions[:MAX_SUGGESTIONS]]
    if not quoted:
        return ""
    if len(quoted) == 1:
        return f" Did you mean {quoted[0]}?"
    if len(quoted) == 2:
        return f" Did you mean {quoted[0]} or {quoted[1]}?"
    return f" Did you mean {', '.join(quoted[:-1])}, or {quoted[-1]}?"


def join_strings(parts: list[str], sep: str = ", ", first_sep: str | None = None) -> str:
    """Apollo's ``joinStrings``: ``a but b``, ``a but b and c``, ``a, b and c``."""
    if not parts:
        return ""
    if len(parts) == 1:
        return parts[0]
    if len(parts) == 2:
        return parts[0] + (first_sep or " and ") + parts[1]
    return parts[0] + (first_sep or sep) + sep.join(parts[1:-1]) + " and " + parts[-1]


def mismatch(supergraph_value: str, values: list[tuple[str, str]]) -> str:
    """``type "X" in subgraph "a" but type "Y" in subgraphs "b" and "c"``: the subgraphs
    agreeing with the supergraph first, then each other value, as Apollo reports mismatches."""
    groups: dict[str, list[str]] = {}
    for value, subgraph in values:
        groups.setdefault(value, []).append(subgraph)
    parts = []
    if supergraph_value in groups:
        parts.append(f"{supergraph_value} in {quoted_list(groups[supergraph_value], 'subgraph')}")
    parts.extend(
        f"{value} in {quoted_list(names, 'subgraph')}"
        for value, names in groups.items()
        if value != supergraph_value
    )
    return join_strings(parts, " and ", " but ")
