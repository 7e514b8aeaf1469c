"""The shape of a GraphQL operation, each fragment measured once however often it is spread.

A fragment may be spread many times, and fragments spread other fragments: a few hundred
bytes of ``fragment F1 on T { ...F2 ...F2 }`` chains stand for 2^29 spreads. Expanding them
would block a server, so each fragment is measured once, in an order where the fragments it
spreads are measured before it, and a spread adds its fragment's measure. Spreads that close
a cycle (or name no fragment) add nothing: validation rejects such documents afterwards. The
order is found without recursion through spreads, so a long chain of fragments cannot
exhaust the stack either; recursion only follows the nesting of one definition, which the
parser bounds. Sums can grow huge (2^29 fields); Python integers stay exact.

:func:`expansion_error` is the guard both the router and every subgraph run before graphql-core
validates (validation and execution expand fragments, and validation compares every pair of
same-named fields in a selection set).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass

from graphql import (
    DocumentNode,
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    GraphQLError,
    InlineFragmentNode,
    OperationDefinitionNode,
    SelectionSetNode,
)

INTROSPECTION_FIELDS = frozenset({"__schema", "__type"})


@dataclass(frozen=True)
class Measure:
    """Measures of one selection set with its fragments expanded."""

    depth: int = 0
    aliases: int = 0
    fields: int = 0  # field selections, each fragment counted as often as it is spread
    spreads: int = 0  # fragment spreads, counted the same way
    top_fields: int = 0  # fields directly in the selection set (through fragments)
    introspection: bool = False  # whether one of those is __schema or __type


_EMPTY = Measure()


def _spreads_in(selection_set: SelectionSetNode | None) -> Iterator[str]:
    """Names of the fragments spread in ``selection_set`` (not through other fragments)."""
    if selection_set is None:
        return
    for selection in selection_set.selections:
        if isinstance(selection, FragmentSpreadNode):
            yield selection.name.value
        else:
            yield from _spreads_in(selection.selection_set)  # type: ignore[attr-defined]


def fragment_order(
    fragments: Mapping[str, FragmentDefinitionNode],
    selection_set: SelectionSetNode | None,
    roots: Iterable[str] = (),
) -> list[str]:
    """The fragments reachable from ``selection_set`` (and ``roots``), each after those it spreads.

    An iterative depth-first walk; a spread back onto the current path (a cycle) is skipped.
    """
    direct = {
        name: list(dict.fromkeys(_spreads_in(f.selection_set))) for name, f in fragments.items()
    }
    order: list[str] = []
    done: set[str] = set()
    for root in dict.fromkeys([*_spreads_in(selection_set), *roots]):
        if root in done or root not in fragments:
            continue
        path = [(root, iter(direct[root]))]
        on_path = {root}
        while path:
            name, pending = path[-1]
            for spread in pending:
                if spread in fragments and spread not in done and spread not in on_path:
                    path.append((spread, iter(direct[spread])))
                    on_path.add(spread)
                    break
            else:
                path.pop()
                on_path.discard(name)
                done.add(name)
                order.append(name)
    return order


def fragments_of(document: DocumentNode) -> dict[str, FragmentDefinitionNode]:
    """The document's fragment definitions by name (the first of a duplicated name wins)."""
    found: dict[str, FragmentDefinitionNode] = {}
    for definition in document.definitions:
        if isinstance(definition, FragmentDefinitionNode):
            found.setdefault(definition.name.value, definition)
    return found


def measure(document: DocumentNode, operation: OperationDefinitionNode) -> Measure:
    """Depth, aliases, field and spread counts and root fields of ``operation``."""
    fragments = fragments_of(document)
    known: dict[str, Measure] = {}
    for name in fragment_order(fragments, operation.selection_set):
        known[name] = _measure_set(fragments[name].selection_set, known)
    return _measure_set(operation.selection_set, known)


def _measure_set(selection_set: SelectionSetNode | None, known: Mapping[str, Measure]) -> Measure:
    if selection_set is None:
        return _EMPTY
    depth = aliases = fields = spreads = top_fields = 0
    introspection = False
    for selection in selection_set.selections:
        if isinstance(selection, FieldNode):
            inner = _measure_set(selection.selection_set, known)
            name = selection.name.value
            top_fields += 1
            fields += 1 + inner.fields
            aliases += (selection.alias is not None) + inner.aliases
            spreads += inner.spreads
            if name in INTROSPECTION_FIELDS:
                introspection = True  # introspection has its own switch; its nesting is fixed
            else:
                depth = max(depth, 1 + inner.depth)
            continue
        if isinstance(selection, InlineFragmentNode):
            inner = _measure_set(selection.selection_set, known)
        else:
            assert isinstance(selection, FragmentSpreadNode)
            inner = known.get(selection.name.value, _EMPTY)
            spreads += 1
        depth = max(depth, inner.depth)
        aliases += inner.aliases
        fields += inner.fields
        spreads += inner.spreads
        top_fields += inner.top_fields
        introspection = introspection or inner.introspection
    return Measure(depth, aliases, fields, spreads, top_fields, introspection)


def most_repeated_field(
    roots: Iterable[SelectionSetNode], fragments: Mapping[str, FragmentDefinitionNode]
) -> tuple[str, int]:
    """The response name selected most often in one selection set, and how often.

    Validation checks every pair of fields that share a response name in a selection set
    (fragments spread there included), which grows with the square of the repeats. This walk
    expands the fragments spread directly in a selection set, so call it only on an operation
    whose expanded size is bounded. A field's selection set counts the same wherever its
    fragment is spread, so each is counted once (which also ends fragment cycles).
    """
    worst = ("", 0)
    pending: list[SelectionSetNode] = list(roots)
    seen: set[int] = set()
    while pending:
        selection_set = pending.pop()
        if id(selection_set) in seen:
            continue
        seen.add(id(selection_set))
        counts: dict[str, int] = {}
        pending.extend(_collect(selection_set, fragments, counts, frozenset()))
        for name, count in counts.items():
            if count > worst[1]:
                worst = (name, count)
    return worst


def _collect(
    selection_set: SelectionSetNode,
    fragments: Mapping[str, FragmentDefinitionNode],
    counts: dict[str, int],
    path: frozenset[str],
) -> list[SelectionSetNode]:
    """Count the response names of ``selection_set``; return the fields' own selection sets."""
    nested: list[SelectionSetNode] = []
    for selection in selection_set.selections:
        if isinstance(selection, FieldNode):
            key = (selection.alias or selection.name).value
            counts[key] = counts.get(key, 0) + 1
            if selection.selection_set is not None:
                nested.append(selection.selection_set)
        elif isinstance(selection, InlineFragmentNode):
            nested.extend(_collect(selection.selection_set, fragments, counts, path))
        elif isinstance(selection, FragmentSpreadNode):
            name = selection.name.value
            fragment = fragments.get(name)
            if fragment is not None and name not in path:
                nested.extend(_collect(fragment.selection_set, fragments, counts, path | {name}))
    return nested


@dataclass(frozen=True)
class Expansion:
    """What validating a whole document walks: every operation with its fragments expanded
    (and fragments no operation spreads), and the most repeated response name."""

    spreads: int
    fields: int
    repeated: tuple[str, int] = ("", 0)


def document_expansion(
    document: DocumentNode, *, max_fragment_spreads: int | None, max_fields: int | None
) -> Expansion:
    """The :class:`Expansion` of ``document``: validation checks all of it, used or not.

    The repeats are measured only when both limits are set and met (``("", 0)`` otherwise):
    that walk expands the fragments spread in each selection set.
    """
    fragments = fragments_of(document)
    operations = [d for d in document.definitions if isinstance(d, OperationDefinitionNode)]
    known: dict[str, Measure] = {}
    for name in fragment_order(fragments, None, fragments):
        known[name] = _measure_set(fragments[name].selection_set, known)
    used: set[str] = set()
    for operation in operations:
        used.update(fragment_order(fragments, operation.selection_set))
    totals = [_measure_set(operation.selection_set, known) for operation in operations]
    totals += [found for name, found in known.items() if name not in used]
    spreads = sum(found.spreads for found in totals)
    fields = sum(found.fields for found in totals)
    if max_fragment_spreads is None or max_fields is None:
        return Expansion(spreads, fields)
    if spreads > max_fragment_spreads or fields > max_fields:
        return Expansion(spreads, fields)
    roots = [operation.selection_set for operation in operations]
    roots += [fragment.selection_set for fragment in fragments.values()]
    return Expansion(spreads, fields, most_repeated_field(roots, fragments))


def expansion_error(
    found: Expansion,
    *,
    max_fragment_spreads: int | None,
    max_fields: int | None,
    max_field_repeats: int | None,
) -> GraphQLError | None:
    """The first of the expansion limits ``found`` (and ``repeated``) exceeds, or ``None``."""
    if max_fragment_spreads is not None and found.spreads > max_fragment_spreads:
        return _error(
            f"The document spreads fragments {found.spreads} times (each use counted);"
            f" the maximum is {max_fragment_spreads}.",
            "MAX_FRAGMENT_SPREADS_EXCEEDED",
            max_fragment_spreads,
        )
    if max_fields is not None and found.fields > max_fields:
        return _error(
            f"The document selects {found.fields} fields (fragments expanded);"
            f" the maximum is {max_fields}.",
            "MAX_FIELDS_EXCEEDED",
            max_fields,
        )
    name, repeats = found.repeated
    if max_field_repeats is not None and repeats > max_field_repeats:
        return _error(
            f"The document selects '{name}' {repeats} times in one selection set;"
            f" the maximum is {max_field_repeats}.",
            "MAX_FIELD_REPEATS_EXCEEDED",
            max_field_repeats,
        )
    return None


def _error(message: str, code: str, limit: int) -> GraphQLError:
    return GraphQLError(message, extensions={"code": code, "limit": limit})
