"""Runs a query plan: fetches, representations, merging subgraph results into one data tree.

Entity positions are collected while merging (:class:`_Paths`): every flatten path of the
plan is a branch of one trie, and whenever a fetch's data is put into the tree the new
subtrees are walked along that trie once, appending the objects that later entity fetches
read. An entity fetch then takes its objects from that index instead of walking the whole
tree again from the root, and no response path is built for an object unless an error has to
name it (:func:`_paths_of`, on the error path only). Should a merge replace a subtree the
index may hold objects of (a subgraph answering a list of another length, an object with a
scalar), the index is dropped and the entity fetches that follow walk the tree as before.

Representations are deduplicated by a tuple of their key values (``_RepKeys``), not by
serialising each one.
"""

from __future__ import annotations

import asyncio
import operator
from collections.abc import Mapping
from typing import Any

import orjson

from router.execution.fetcher import SubgraphFetcher, SubgraphFetchError
from router.planning.plan import (
    ContextRead,
    EntityBatch,
    FetchNode,
    FlattenNode,
    ParallelNode,
    PlanNode,
    SequenceNode,
)
from router.planning.selection import SubSelection, restrict

ResponsePath = list[str | int]


class ExecutionContext:
    """State of one execution: the merged data, errors, and what requests need."""

    __slots__ = (
        "abstract_types",
        "data",
        "errors",
        "fetcher",
        "headers",
        "operation_name",
        "positions",
        "share_fetches",
        "trie",
        "variables",
    )

    def __init__(
        self,
        fetcher: SubgraphFetcher,
        variables: Mapping[str, Any],
        headers: Mapping[str, str],
        abstract_types: frozenset[str],
        data: dict[str, Any] | None = None,
    ) -> None:
        self.fetcher = fetcher
        self.variables = variables
        self.headers = headers
        self.abstract_types = abstract_types
        self.data: dict[str, Any] = data if data is not None else {}
        self.errors: list[dict[str, Any]] = []
        self.operation_name: str | None = None
        # Objects at each flatten path of the plan (None: not collected, walk the tree).
        self.positions: dict[tuple[str, ...], list[dict[str, Any]]] | None = None
        self.trie: _Trie | None = None
        # Whether identical subgraph fetches may share one upstream request (queries only).
        self.share_fetches = False


async def run_node(node: PlanNode | None, ctx: ExecutionContext) -> None:
    """Execute a plan node; subgraph failures become errors, never exceptions."""
    if node is None:
        return
    if ctx.positions is None:
        trie = _trie_of(node)
        if trie is not None:
            ctx.trie = trie
            ctx.positions = {path: [] for path in trie.nodes}
            if ctx.data:  # a subscription event's data: index what is already there
                _collect(ctx.data, trie, ctx.positions)
    await _run(node, ctx)


async def _run(node: PlanNode, ctx: ExecutionContext) -> None:
    if isinstance(node, FetchNode):
        await _root_fetch(node, ctx)
    elif isinstance(node, FlattenNode):
        if node.node.contexts:
            await _run_contextual(node, ctx)
        else:
            await _run_batch(node.as_batch, ctx)
    elif isinstance(node, EntityBatch):
        await _run_batch(node, ctx)
    elif isinstance(node, SequenceNode):
        for child in node.nodes:
            await _run(child, ctx)
    elif isinstance(node, ParallelNode):
        await asyncio.gather(*(_run(child, ctx) for child in node.nodes))


# ------------------------------------------------------------------ entity positions


class _Trie:
    """One step of the plan's flatten paths: named children, the list child ("@"), and the
    flatten paths that end here (their objects are collected at this node)."""

    __slots__ = ("children", "each", "ends", "nodes")

    def __init__(self) -> None:
        self.children: dict[str, _Trie] = {}
        self.each: _Trie | None = None
        self.ends: tuple[tuple[str, ...], ...] = ()
        self.nodes: dict[tuple[str, ...], _Trie] = {}  # on the root: path → its end node

    def add(self, path: tuple[str, ...]) -> None:
        node = self
        for segment in path:
            if segment == "@":
                if node.each is None:
                    node.each = _Trie()
                node = node.each
            else:
                child = node.children.get(segment)
                if child is None:
                    child = node.children[segment] = _Trie()
                node = child
        if path not in node.ends:
            node.ends = (*node.ends, path)
        self.nodes[path] = node


# Tries by plan node (held with the node, so its id stays unique while cached).
_TRIES: dict[int, tuple[PlanNode, _Trie | None]] = {}
_TRIES_MAX = 4096


def _trie_of(node: PlanNode) -> _Trie | None:
    cached = _TRIES.get(id(node))
    if cached is not None and cached[0] is node:
        return cached[1]
    paths: list[tuple[str, ...]] = []

    def walk(item: PlanNode) -> None:
        if isinstance(item, FlattenNode):
            paths.append(item.path)
        elif isinstance(item, EntityBatch):
            paths.extend(part.path for part in item.parts)
        elif isinstance(item, SequenceNode | ParallelNode):
            for child in item.nodes:
                walk(child)

    walk(node)
    trie: _Trie | None = None
    if paths:
        trie = _Trie()
        for path in paths:
            trie.add(path)
    if len(_TRIES) >= _TRIES_MAX:
        _TRIES.clear()
    _TRIES[id(node)] = (node, trie)
    return trie


def _collect(
    value: Any, node: _Trie, positions: dict[tuple[str, ...], list[dict[str, Any]]]
) -> None:
    """Append the objects of ``value`` (just put into the tree at ``node``) to the positions
    of every flatten path that ends at or below ``node``."""
    if isinstance(value, dict):
        for path in node.ends:
            positions[path].append(value)
        for key, child in node.children.items():
            sub = value.get(key)
            if sub is not None:
                _collect(sub, child, positions)
    elif isinstance(value, list):
        each = node.each
        if each is not None:
            for item in value:
                if item is not None:
                    _collect(item, each, positions)
        elif node.ends:  # a list the path did not mark: its objects count (as _objects_at)
            for item in value:
                if item is not None:
                    _collect(item, node, positions)


def _merge_collecting(
    target: dict[str, Any],
    source: Mapping[str, Any],
    node: _Trie,
    positions: dict[tuple[str, ...], list[dict[str, Any]]],
    ctx: ExecutionContext,
) -> None:
    """:func:`merge`, also collecting into ``positions`` the objects that land at the plan's
    flatten paths. A merge that makes the index stale drops it (``ctx.positions = None``)
    and goes on merging: what it still collects goes into the dropped index, unused."""
    abstract = ctx.abstract_types
    children = node.children
    for key, value in source.items():
        child = children.get(key)
        current = target.get(key)
        if child is None:
            if current is None:
                target[key] = value
            elif isinstance(current, dict) and isinstance(value, dict):
                merge(current, value, abstract)
            elif (
                isinstance(current, list) and isinstance(value, list) and len(current) == len(value)
            ):
                _merge_lists(current, value, abstract)
            elif key == "__typename" and value in abstract:
                continue
            else:
                target[key] = value
        elif current is None:
            target[key] = value
            if value is not None:
                _collect(value, child, positions)
        elif isinstance(current, dict) and isinstance(value, dict):
            _merge_collecting(current, value, child, positions, ctx)
        elif isinstance(current, list) and isinstance(value, list) and len(current) == len(value):
            each = child.each
            if each is None:
                ctx.positions = None  # a list the flatten path did not mark: walk from now on
                _merge_lists(current, value, abstract)
                continue
            for index, (old, new) in enumerate(zip(current, value, strict=True)):
                if isinstance(old, dict) and isinstance(new, dict):
                    _merge_collecting(old, new, each, positions, ctx)
                elif old is None:
                    current[index] = new
                    if new is not None:
                        _collect(new, each, positions)
        elif key == "__typename" and value in abstract:
            continue
        else:
            target[key] = value
            if isinstance(current, dict | list) or isinstance(value, dict | list):
                # A subtree the index may hold objects of is replaced: the index is stale.
                ctx.positions = None


def _merge_lists(current: list[Any], value: list[Any], abstract: frozenset[str]) -> None:
    for index, (old, new) in enumerate(zip(current, value, strict=True)):
        if isinstance(old, dict) and isinstance(new, dict):
            merge(old, new, abstract)
        elif old is None:
            current[index] = new


def _objects_for(ctx: ExecutionContext, path: tuple[str, ...]) -> list[dict[str, Any]]:
    """The objects at flatten path ``path``: from the index, else by walking the tree."""
    positions = ctx.positions
    if positions is not None:
        found = positions.get(path)
        if found is not None:
            return found
    objects: list[dict[str, Any]] = []
    _objects_at(ctx.data, path, 0, objects)
    return objects


def _merge_at(
    ctx: ExecutionContext, path: tuple[str, ...], obj: dict[str, Any], entity: dict[str, Any]
) -> None:
    """Merge an entity into the object it was fetched for, at flatten path ``path``."""
    if ctx.positions is not None and ctx.trie is not None:
        node = ctx.trie.nodes.get(path)
        if node is not None and (node.children or node.each is not None):
            _merge_collecting(obj, entity, node, ctx.positions, ctx)
            return
    merge(obj, entity, ctx.abstract_types)


def merge(target: dict[str, Any], source: Mapping[str, Any], abstract: frozenset[str]) -> None:
    """Deep-merge a subgraph result into the data tree (lists element by element)."""
    for key, value in source.items():
        current = target.get(key)
        if current is None:
            target[key] = value
        elif isinstance(current, dict) and isinstance(value, dict):
            merge(current, value, abstract)
        elif isinstance(current, list) and isinstance(value, list) and len(current) == len(value):
            for index, (old, new) in enumerate(zip(current, value, strict=True)):
                if isinstance(old, dict) and isinstance(new, dict):
                    merge(old, new, abstract)
                elif old is None:
                    current[index] = new
        elif key == "__typename" and value in abstract:
            # An @interfaceObject subgraph answers with the interface's name; keep the real type.
            continue
        else:
            target[key] = value


def _variables_for(node: FetchNode, ctx: ExecutionContext) -> dict[str, Any]:
    variables = ctx.variables
    return {name: variables[name] for name in node.variable_usages if name in variables}


def _add_errors(ctx: ExecutionContext, errors: Any) -> None:
    """A root fetch's errors: their paths are already response paths (in data keys)."""
    if not isinstance(errors, list):
        return
    for error in errors:
        if isinstance(error, dict):
            # Locations point into the subgraph's query, which the client never saw.
            ctx.errors.append(_without(error, "locations") if "locations" in error else error)


async def _root_fetch(node: FetchNode, ctx: ExecutionContext) -> None:
    try:
        response = await ctx.fetcher.fetch(
            node.service,
            node.operation,
            _variables_for(node, ctx),
            ctx.headers,
            shared=ctx.share_fetches,
        )
    except SubgraphFetchError as error:
        # One error at each root field the fetch owned: each is null and says why, while the
        # fields of the other subgraphs still arrive (they are nullable in our schemas).
        failure = error.to_graphql_error()
        keys = [key for key, sub in node.selection.fields.items() if sub.name != "__typename"]
        ctx.errors.extend({**failure, "path": [key]} for key in keys)
        if not keys:
            ctx.errors.append(failure)
        return
    data = response.get("data")
    if isinstance(data, dict):
        trie = ctx.trie
        if ctx.positions is not None and trie is not None:
            if ctx.data:
                _merge_collecting(ctx.data, data, trie, ctx.positions, ctx)
            else:
                ctx.data = data
                _collect(data, trie, ctx.positions)
        elif ctx.data:
            merge(ctx.data, data, ctx.abstract_types)
        else:
            ctx.data = data
    _add_errors(ctx, response.get("errors"))


def _objects_at(value: Any, path: tuple[str, ...], index: int, found: list[dict[str, Any]]) -> None:
    """The objects at flatten path ``path`` below ``value``, in document order (a walk)."""
    if value is None:
        return
    if index == len(path):
        if isinstance(value, dict):
            found.append(value)
        elif isinstance(value, list):  # a list the path did not mark (defensive)
            for item in value:
                _objects_at(item, path, index, found)
        return
    segment = path[index]
    if segment == "@":
        if isinstance(value, list):
            for item in value:
                _objects_at(item, path, index + 1, found)
        return
    if isinstance(value, dict):
        _objects_at(value.get(segment), path, index + 1, found)


def _paths_of(
    value: Any,
    path: tuple[str, ...],
    index: int,
    at: ResponsePath,
    found: dict[int, list[ResponsePath]],
) -> None:
    """Every response path of each object at flatten path ``path``, by the object's id (for
    error paths only: building a path for every node is what the hot path avoids)."""
    if value is None:
        return
    if index == len(path):
        if isinstance(value, dict):
            found.setdefault(id(value), []).append(list(at))
        elif isinstance(value, list):
            for position, item in enumerate(value):
                _paths_of(item, path, index, [*at, position], found)
        return
    segment = path[index]
    if segment == "@":
        if isinstance(value, list):
            for position, item in enumerate(value):
                _paths_of(item, path, index + 1, [*at, position], found)
        return
    if isinstance(value, dict):
        _paths_of(value.get(segment), path, index + 1, [*at, segment], found)


def _project(value: Any, selection: SubSelection | None) -> Any:
    if selection is None or value is None:
        return value
    if isinstance(value, list):
        return [_project(item, selection) for item in value]
    if not isinstance(value, dict):
        return value
    result: dict[str, Any] = {}
    _project_into(result, value, selection)
    return result


def _project_into(result: dict[str, Any], value: dict[str, Any], selection: SubSelection) -> bool:
    for sub in selection.fields.values():
        if sub.name == "__typename":
            if "__typename" in value:
                result["__typename"] = value["__typename"]
            continue
        if sub.key not in value:
            return False
        result[sub.name] = _project(value[sub.key], sub.selection)
    typename = value.get("__typename")
    for condition, fragment in selection.fragments.items():
        if condition == typename:
            _project_into(result, value, fragment)
    return True


def representation(
    obj: dict[str, Any],
    requires: SubSelection,
    rewrites: Mapping[str, str],
    input_types: Mapping[str, str] | None = None,
) -> dict[str, Any] | None:
    """The ``_entities`` representation of ``obj`` (None if it is not of a wanted type)."""
    typename = obj.get("__typename")
    if not isinstance(typename, str):
        return None
    fragment = requires.fragments.get(typename)
    rep_type = rewrites.get(typename, typename)
    if fragment is None:
        # An object whose type was resolved after the fetch was planned against its interface.
        condition = input_types.get(typename) if input_types else None
        if condition is None:
            return None
        fragment = requires.fragments[condition]
        rep_type = condition
    rep: dict[str, Any] = {}
    if not _project_into(rep, obj, fragment):
        return None  # a key or required field is missing: the entity cannot be looked up
    rep["__typename"] = rep_type
    return rep


def _hoisted(path: tuple[str, ...]) -> ResponsePath:
    """A flatten path up to its first list: where errors not tied to one entity are reported."""
    result: ResponsePath = []
    for segment in path:
        if segment == "@":
            break
        result.append(segment)
    return result


def _without(error: dict[str, Any], *keys: str) -> dict[str, Any]:
    return {k: v for k, v in error.items() if k not in keys}


# A target of a representation: the object, the flatten path it was found at, and what of the
# entity it takes (the part's selection).
_Target = tuple[dict[str, Any], tuple[str, ...], SubSelection]


class _Plain:
    """A ``requires`` fragment of plain fields (keys and ``@requires`` scalars: the usual case),
    compiled: the values are read with one ``itemgetter`` and identify the representation
    together with the fragment's shape (``number``: equal field lists share one) and type."""

    __slots__ = ("fields", "getter", "number", "single")

    def __init__(self, fields: tuple[tuple[str, str], ...], number: int) -> None:
        self.fields = fields  # (data key, field name), __typename included, in query order
        keys = [key for key, name in fields if name != "__typename"]
        self.getter = operator.itemgetter(*keys)
        self.single = len(keys) == 1  # the getter returns the value, not a tuple
        self.number = number

    def representation(self, values: Any, rep_type: str) -> dict[str, Any]:
        if self.single:
            values = (values,)
        rep: dict[str, Any] = {}
        position = 0
        for _key, name in self.fields:
            if name == "__typename":
                rep["__typename"] = rep_type
            else:
                rep[name] = values[position]
                position += 1
        rep["__typename"] = rep_type
        return rep


class _RepKeys:
    """Compiles ``requires`` fragments into :class:`_Plain` readers (cached by fragment).

    Representations are deduplicated by (shape, type, values) tuples, not by serialising
    each one. Values equal in Python but of other classes (``1`` and ``1.0``) count as one: for
    one field of one type they are the same input to the subgraph. Anything else (nested key
    fields, fragments, a value that cannot be hashed) goes through :func:`representation` and
    is identified by its sorted serialisation.
    """

    __slots__ = ("_numbers", "_plain")

    def __init__(self) -> None:
        self._plain: dict[int, tuple[SubSelection, _Plain | None]] = {}
        self._numbers: dict[tuple[tuple[str, str], ...], int] = {}

    def plain(self, fragment: SubSelection) -> _Plain | None:
        cached = self._plain.get(id(fragment))
        if cached is not None and cached[0] is fragment:
            return cached[1]
        fields = tuple((sub.key, sub.name) for sub in fragment.fields.values())
        compiled: _Plain | None = None
        if (
            not fragment.fragments
            and all(sub.selection is None for sub in fragment.fields.values())
            and any(name != "__typename" for _key, name in fields)
        ):
            number = self._numbers.setdefault(fields, len(self._numbers))
            compiled = _Plain(fields, number)
        if len(self._plain) >= _TRIES_MAX:
            self._plain.clear()
        self._plain[id(fragment)] = (fragment, compiled)
        return compiled

    def reader(self, fetch: FetchNode, typename: Any) -> tuple[_Plain, str] | None:
        """The compiled reader of ``fetch``'s representations of ``typename`` objects and the
        type they are sent as; None: build them with :func:`representation`."""
        requires = fetch.requires
        if requires is None or not isinstance(typename, str):
            return None
        fragment = requires.fragments.get(typename)
        compiled = self.plain(fragment) if fragment is not None else None
        if compiled is None:
            return None
        rewrites = fetch.input_rewrites
        return compiled, rewrites.get(typename, typename) if rewrites else typename


_REP_KEYS = _RepKeys()
_MISSING: Any = object()


async def _run_batch(batch: EntityBatch, ctx: ExecutionContext) -> None:
    """Collect representations for every part, send one request, distribute the entities."""
    # Per slot: deduplicated representations and, for each, the objects it serves.
    collected: list[tuple[list[dict[str, Any]], list[list[_Target]]]] = []
    anything = False
    reader = _REP_KEYS.reader
    for slot in batch.slots:
        representations: list[dict[str, Any]] = []
        targets: list[list[_Target]] = []
        index_of: dict[Any, int] = {}
        for part in slot.parts:
            fetch = part.node
            requires = fetch.requires
            assert requires is not None
            target_of = (part.path, fetch.selection)
            readers: dict[Any, tuple[_Plain, str] | None] = {}
            for obj in _objects_for(ctx, part.path):
                typename = obj.get("__typename")
                found = readers.get(typename, _MISSING)
                if found is _MISSING:
                    found = readers[typename] = reader(fetch, typename)
                identity: Any = None
                if found is not None:
                    plain, rep_type = found
                    try:
                        values = plain.getter(obj)
                        identity = (plain.number, rep_type, values)
                        index = index_of.get(identity)
                    except KeyError:
                        continue  # a key or required field is missing: it cannot be looked up
                    except TypeError:  # a value that cannot be hashed (a list, an object)
                        identity = None
                    if identity is not None:
                        if index is None:
                            index = index_of[identity] = len(representations)
                            representations.append(plain.representation(values, rep_type))
                            targets.append([(obj, *target_of)])
                        else:
                            targets[index].append((obj, *target_of))
                        continue
                rep = representation(obj, requires, fetch.input_rewrites, fetch.input_types)
                if rep is None:
                    continue
                key = orjson.dumps(rep, option=orjson.OPT_SORT_KEYS)
                index = index_of.get(key)
                if index is None:
                    index = index_of[key] = len(representations)
                    representations.append(rep)
                    targets.append([(obj, *target_of)])
                else:
                    targets[index].append((obj, *target_of))
        anything = anything or bool(representations)
        collected.append((representations, targets))
    if not anything:
        return
    variables = {
        name: ctx.variables[name] for name in batch.variable_usages if name in ctx.variables
    }
    for slot, (representations, _targets) in zip(batch.slots, collected, strict=True):
        variables[slot.variable] = representations
    try:
        response = await ctx.fetcher.fetch(
            batch.service, batch.operation, variables, ctx.headers, shared=ctx.share_fetches
        )
    except SubgraphFetchError as error:
        failure = error.to_graphql_error()
        for path in _distinct(_hoisted(part.path) for part in batch.parts):
            ctx.errors.append({**failure, "path": path} if path else failure)
        return
    data = response.get("data")
    slot_index: dict[str, int] = {}
    for number, (slot, (_reps, targets)) in enumerate(zip(batch.slots, collected, strict=True)):
        slot_index[slot.field] = number
        entities = data.get(slot.field) if isinstance(data, dict) else None
        if not isinstance(entities, list):
            continue
        project = slot.project
        for index, entity in enumerate(entities[: len(targets)]):
            if not isinstance(entity, dict):
                continue
            for obj, flatten, selection in targets[index]:
                _merge_at(ctx, flatten, obj, restrict(entity, selection) if project else entity)
    errors = response.get("errors")
    if isinstance(errors, list):
        fallback = _common_prefix([_hoisted(part.path) for part in batch.parts])
        for item in errors:
            if isinstance(item, dict):
                _entity_error(ctx, item, slot_index, collected, fallback)


def _entity_error(
    ctx: ExecutionContext,
    error: dict[str, Any],
    slot_index: dict[str, int],
    collected: list[tuple[list[dict[str, Any]], list[list[_Target]]]],
    fallback: ResponsePath,
) -> None:
    """An ``_entities`` error at every response path of its representation (as Apollo does)."""
    cleaned = _without(error, "locations", "path")
    path = error.get("path")
    if isinstance(path, list) and len(path) >= 2 and isinstance(path[1], int):
        number = slot_index.get(path[0]) if isinstance(path[0], str) else None
        if number is not None and path[1] < len(collected[number][1]):
            targets = collected[number][1][path[1]]
            # Response paths are only built here: walk each flatten path once, by object id.
            by_path: dict[tuple[str, ...], dict[int, list[ResponsePath]]] = {}
            reported: set[tuple[Any, ...]] = set()
            for obj, flatten_path, _selection in targets:
                found = by_path.get(flatten_path)
                if found is None:
                    found = by_path[flatten_path] = {}
                    _paths_of(ctx.data, flatten_path, 0, [], found)
                for target_path in found.get(id(obj), ()):
                    if tuple(target_path) in reported:
                        continue
                    reported.add(tuple(target_path))
                    ctx.errors.append({**cleaned, "path": target_path + list(path[2:])})
            return
    ctx.errors.append({**cleaned, "path": fallback} if fallback else cleaned)


def _distinct(paths: Any) -> list[ResponsePath]:
    result: list[ResponsePath] = []
    for path in paths:
        if path not in result:
            result.append(path)
    return result


def _common_prefix(paths: list[ResponsePath]) -> ResponsePath:
    prefix = list(paths[0]) if paths else []
    for path in paths[1:]:
        length = 0
        while length < min(len(prefix), len(path)) and prefix[length] == path[length]:
            length += 1
        del prefix[length:]
    return prefix


# ------------------------------------------------------------------ contextual arguments


def _with_ancestors(
    value: Any,
    path: tuple[str, ...],
    index: int,
    at: ResponsePath,
    chain: list[dict[str, Any]],
    found: list[tuple[dict[str, Any], ResponsePath, list[dict[str, Any]]]],
) -> None:
    """Like :func:`_objects_at`, with each object's chain of ancestor objects (itself last)."""
    if isinstance(value, dict):
        if index == len(path):
            found.append((value, at, [*chain, value]))
            return
        segment = path[index]
        if segment != "@":
            _with_ancestors(
                value.get(segment), path, index + 1, [*at, segment], [*chain, value], found
            )
    elif isinstance(value, list):
        step = 1 if index < len(path) and path[index] == "@" else 0
        if step or index == len(path):
            for position, item in enumerate(value):
                _with_ancestors(item, path, index + step, [*at, position], chain, found)


def _read(value: Any, keys: tuple[str, ...]) -> Any:
    """The value at data keys ``keys`` below ``value`` (lists mapped), None when missing."""
    if value is None or not keys:
        return value
    if isinstance(value, list):
        return [_read(item, keys) for item in value]
    if isinstance(value, dict):
        return _read(value.get(keys[0]), keys[1:])
    return None


def _context_values(
    reads: tuple[ContextRead, ...], chain: list[dict[str, Any]]
) -> list[Any] | None:
    """The contextual argument values of the last object of ``chain``; None when one of the
    ancestors is not of the type that sets the context (another fetch serves the entity)."""
    values = []
    for read in reads:
        position = len(chain) - 1 - read.levels_up
        if position < 0:
            return None
        ancestor = chain[position]
        typename = ancestor.get("__typename")
        if isinstance(typename, str) and typename != read.ancestor_type:
            return None
        values.append(_read(ancestor, read.path))
    return values


async def _run_contextual(node: FlattenNode, ctx: ExecutionContext) -> None:
    """An entity fetch whose field takes arguments from a context: entities are partitioned by
    their argument values; each partition is one aliased ``_entities`` of a single request."""
    fetch = node.node
    assert fetch.requires is not None
    found: list[tuple[dict[str, Any], ResponsePath, list[dict[str, Any]]]] = []
    _with_ancestors(ctx.data, node.path, 0, [], [], found)
    partitions: dict[bytes, tuple[list[Any], list[dict[str, Any]], list[list[_Target]]]] = {}
    seen: dict[tuple[bytes, bytes], int] = {}
    for obj, _path, chain in found:
        values = _context_values(fetch.contexts, chain)
        if values is None:
            continue
        rep = representation(obj, fetch.requires, fetch.input_rewrites, fetch.input_types)
        if rep is None:
            continue
        key = orjson.dumps(values)
        _values, reps, targets = partitions.setdefault(key, (values, [], []))
        identity = (key, orjson.dumps(rep, option=orjson.OPT_SORT_KEYS))
        index = seen.get(identity)
        if index is None:
            index = seen[identity] = len(reps)
            reps.append(rep)
            targets.append([])
        targets[index].append((obj, node.path, fetch.selection))
    if not partitions:
        return
    variables = _variables_for(fetch, ctx)
    groups = list(partitions.values())
    if len(groups) == 1:
        operation = fetch.operation
        fields = ["_entities"]
        values, reps, _targets = groups[0]
        variables["representations"] = reps
        variables.update({c.variable: v for c, v in zip(fetch.contexts, values, strict=True)})
    else:
        operation = fetch.partitioned(len(groups))
        fields = [f"_{i}" for i in range(len(groups))]
        for i, (values, reps, _targets) in enumerate(groups):
            variables[f"representations_{i}"] = reps
            variables.update(
                {f"{c.variable}_{i}": v for c, v in zip(fetch.contexts, values, strict=True)}
            )
    try:
        response = await ctx.fetcher.fetch(
            fetch.service, operation, variables, ctx.headers, shared=ctx.share_fetches
        )
    except SubgraphFetchError as error:
        failure = error.to_graphql_error()
        path = _hoisted(node.path)
        ctx.errors.append({**failure, "path": path} if path else failure)
        return
    data = response.get("data")
    collected = [(reps, targets) for _values, reps, targets in groups]
    for field, (_reps, targets) in zip(fields, collected, strict=True):
        entities = data.get(field) if isinstance(data, dict) else None
        if not isinstance(entities, list):
            continue
        for index, entity in enumerate(entities[: len(targets)]):
            if isinstance(entity, dict):
                for target in targets[index]:
                    _merge_at(ctx, node.path, target[0], entity)
    errors = response.get("errors")
    if isinstance(errors, list):
        slot_index = {field: number for number, field in enumerate(fields)}
        for item in errors:
            if isinstance(item, dict):
                _entity_error(ctx, item, slot_index, collected, _hoisted(node.path))
