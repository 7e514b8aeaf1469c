"""Runs a query plan: fetches, representations, merging subgraph results into one data tree."""

from __future__ import annotations

import asyncio
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


async def run_node(node: PlanNode | None, ctx: ExecutionContext) -> None:
    """Execute a plan node; subgraph failures become errors, never exceptions."""
    if node is None:
        return
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
            await run_node(child, ctx)
    elif isinstance(node, ParallelNode):
        await asyncio.gather(*(run_node(child, ctx) for child in node.nodes))


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
            node.service, node.operation, _variables_for(node, ctx), ctx.headers
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
        if ctx.data:
            merge(ctx.data, data, ctx.abstract_types)
        else:
            ctx.data = data
    _add_errors(ctx, response.get("errors"))


def _objects_at(
    value: Any, path: tuple[str, ...], index: int, at: ResponsePath, found: list
) -> None:
    if value is None:
        return
    if index == len(path):
        if isinstance(value, dict):
            found.append((value, list(at)))
        elif isinstance(value, list):  # a list the path did not mark (defensive)
            for position, item in enumerate(value):
                _objects_at(item, path, index, [*at, position], found)
        return
    segment = path[index]
    if segment == "@":
        if isinstance(value, list):
            for position, item in enumerate(value):
                _objects_at(item, path, index + 1, [*at, position], found)
        return
    if isinstance(value, dict):
        _objects_at(value.get(segment), path, index + 1, [*at, segment], found)


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


async def _run_batch(batch: EntityBatch, ctx: ExecutionContext) -> None:
    """Collect representations for every part, send one request, distribute the entities."""
    # Per slot: deduplicated representations and, for each, the objects (and paths) it serves.
    collected: list[tuple[list[dict[str, Any]], list[list[_Target]]]] = []
    anything = False
    for slot in batch.slots:
        representations: list[dict[str, Any]] = []
        targets: list[list[_Target]] = []
        index_of: dict[bytes, int] = {}
        for part in slot.parts:
            fetch = part.node
            assert fetch.requires is not None
            found: list[tuple[dict[str, Any], ResponsePath]] = []
            _objects_at(ctx.data, part.path, 0, [], found)
            for obj, path in found:
                rep = representation(obj, fetch.requires, fetch.input_rewrites, fetch.input_types)
                if rep is None:
                    continue
                identity = orjson.dumps(rep, option=orjson.OPT_SORT_KEYS)
                index = index_of.get(identity)
                if index is None:
                    index = index_of[identity] = len(representations)
                    representations.append(rep)
                    targets.append([])
                targets[index].append((obj, path, fetch.selection))
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
        response = await ctx.fetcher.fetch(batch.service, batch.operation, variables, ctx.headers)
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
        for index, entity in enumerate(entities[: len(targets)]):
            if not isinstance(entity, dict):
                continue
            for obj, _path, selection in targets[index]:
                merge(
                    obj, restrict(entity, selection) if slot.project else entity, ctx.abstract_types
                )
    errors = response.get("errors")
    if isinstance(errors, list):
        fallback = _common_prefix([_hoisted(part.path) for part in batch.parts])
        for item in errors:
            if isinstance(item, dict):
                _entity_error(ctx, item, slot_index, collected, fallback)


_Target = tuple[dict[str, Any], ResponsePath, SubSelection]


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
            for _obj, target_path, _selection in collected[number][1][path[1]]:
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
    for obj, path, chain in found:
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
        targets[index].append((obj, path, fetch.selection))
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
        response = await ctx.fetcher.fetch(fetch.service, operation, variables, ctx.headers)
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
                for obj, _path, _selection in targets[index]:
                    merge(obj, entity, ctx.abstract_types)
    errors = response.get("errors")
    if isinstance(errors, list):
        slot_index = {field: number for number, field in enumerate(fields)}
        for item in errors:
            if isinstance(item, dict):
                _entity_error(ctx, item, slot_index, collected, _hoisted(node.path))
