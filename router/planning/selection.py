"""Selection sets of subgraph operations, built up by the planner and printed into queries."""

from __future__ import annotations

from typing import Any


class SubField:
    """A field in a subgraph query; ``key`` is its response key (an alias when != name)."""

    __slots__ = ("args_text", "key", "name", "selection")

    def __init__(self, key: str, name: str, args_text: str = "") -> None:
        self.key = key
        self.name = name
        self.args_text = args_text
        self.selection: SubSelection | None = None

    def head(self) -> str:
        """``alias: name(args)``."""
        alias = f"{self.key}: " if self.key != self.name else ""
        return f"{alias}{self.name}{self.args_text}"


class SubSelection:
    """Fields by response key, then inline fragments by type condition."""

    __slots__ = ("fields", "fragments")

    def __init__(self) -> None:
        self.fields: dict[str, SubField] = {}
        self.fragments: dict[str, SubSelection] = {}

    def add_field(self, key: str, name: str, args_text: str = "") -> SubField:
        """Get or add the field with response key ``key``."""
        found = self.fields.get(key)
        if found is None:
            found = SubField(key, name, args_text)
            self.fields[key] = found
        return found

    def add_typename(self) -> None:
        """Select ``__typename`` (first, as Apollo prints it)."""
        if "__typename" not in self.fields:
            self.fields = {"__typename": SubField("__typename", "__typename"), **self.fields}

    def fragment(self, type_name: str) -> SubSelection:
        """Get or add the inline fragment on ``type_name``."""
        found = self.fragments.get(type_name)
        if found is None:
            found = SubSelection()
            self.fragments[type_name] = found
        return found

    def is_empty(self) -> bool:
        """Whether nothing is selected."""
        return not self.fields and not any(not f.is_empty() for f in self.fragments.values())

    def compact(self) -> str:
        """Wire form: ``{a b: c(x: 1) {d} ...on T {e}}``."""
        parts: list[str] = []
        for sub in self.fields.values():
            if sub.selection is None:
                parts.append(sub.head())
            else:
                parts.append(sub.head() + sub.selection.compact())
        for type_name, fragment in self.fragments.items():
            if not fragment.is_empty():
                parts.append(f"...on {type_name}{fragment.compact()}")
        return "{" + " ".join(parts) + "}"

    def pretty(self, indent: int) -> list[str]:
        """Lines of an indented rendering (for plan display)."""
        pad = "  " * indent
        lines = [pad + "{"]
        for sub in self.fields.values():
            if sub.selection is None:
                lines.append(pad + "  " + sub.head())
            else:
                inner = sub.selection.pretty(indent + 1)
                inner[0] = pad + "  " + sub.head() + " {"
                lines.extend(inner)
        for type_name, fragment in self.fragments.items():
            if fragment.is_empty():
                continue
            inner = fragment.pretty(indent + 1)
            inner[0] = pad + f"  ... on {type_name} {{"
            lines.extend(inner)
        lines.append(pad + "}")
        return lines

    def to_json(self) -> dict[str, Any]:
        """A JSON-friendly description."""
        result: dict[str, Any] = {}
        for sub in self.fields.values():
            entry: dict[str, Any] = {"name": sub.name}
            if sub.args_text:
                entry["args"] = sub.args_text
            if sub.selection is not None:
                entry["selection"] = sub.selection.to_json()
            result[sub.key] = entry
        if self.fragments:
            result["..."] = {t: f.to_json() for t, f in self.fragments.items()}
        return result


def _heads(selection: SubSelection, into: dict[str, list[SubField]]) -> dict[str, list[SubField]]:
    """Fields by response key at one level of the response, fragments included."""
    for key, sub in selection.fields.items():
        into.setdefault(key, []).append(sub)
    for fragment in selection.fragments.values():
        _heads(fragment, into)
    return into


def can_merge(first: SubSelection, second: SubSelection) -> bool:
    """Whether one query can select both without a response key meaning two different things."""
    mine = _heads(first, {})
    theirs = _heads(second, {})
    for key, fields in theirs.items():
        others = mine.get(key)
        if not others:
            continue
        for field in fields:
            for other in others:
                if other.name != field.name or other.args_text != field.args_text:
                    return False
                if (other.selection is None) != (field.selection is None):
                    return False
                if other.selection is not None and field.selection is not None:
                    if not can_merge(other.selection, field.selection):
                        return False
    return True


def merge_into(target: SubSelection, source: SubSelection) -> None:
    """Add ``source``'s fields and fragments to ``target`` (check :func:`can_merge` first)."""
    for key, sub in source.fields.items():
        found = target.add_field(key, sub.name, sub.args_text)
        if sub.selection is not None:
            if found.selection is None:
                found.selection = SubSelection()
            merge_into(found.selection, sub.selection)
    for type_name, fragment in source.fragments.items():
        merge_into(target.fragment(type_name), fragment)


def restrict(value: Any, selection: SubSelection | None) -> Any:
    """``value`` (subgraph data) reduced to the keys ``selection`` selects at each level.

    Type conditions are not applied: a key selected under any fragment of a level is kept, which
    is safe because a key means one field at one level (:func:`can_merge`).
    """
    if selection is None or value is None:
        return value
    if isinstance(value, list):
        return [restrict(item, selection) for item in value]
    if not isinstance(value, dict):
        return value
    result: dict[str, Any] = {}
    if "__typename" in value:
        result["__typename"] = value["__typename"]
    for key, fields in _heads(selection, {}).items():
        if key not in value:
            continue
        nested = [f.selection for f in fields if f.selection is not None]
        if not nested:
            result[key] = value[key]
            continue
        combined = nested[0]
        if len(nested) > 1:
            combined = SubSelection()
            for part in nested:
                merge_into(combined, part)
        result[key] = restrict(value[key], combined)
    return result
