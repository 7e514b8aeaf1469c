"""Shape merged subgraph data into the client's response.

Exactly the requested fields, in the client's order, under the client's response keys, with
``__typename`` filled in and nulls propagated as the GraphQL spec says: a null (or missing value)
in a non-null position adds "Cannot return null for non-nullable field T.f." at its path, unless
an error already reported at or below that path explains it, and makes the nearest nullable
parent null (``data`` itself when none is nullable). Errors collected during execution carry
paths in the merged data's keys; they are rewritten to the client's response keys here.
"""

from __future__ import annotations

from typing import Any

from graphql import (
    GraphQLEnumType,
    GraphQLInterfaceType,
    GraphQLList,
    GraphQLNonNull,
    GraphQLObjectType,
    GraphQLSchema,
    GraphQLUnionType,
    OperationType,
    get_named_type,
)

from router.planning.operation import Field, Selection
from router.planning.plan import QueryPlan

_INVALID = object()  # a non-null position got null: the parent must become null
_NULLED = object()  # a nullable position became null because of a violation below it
NULL_VIOLATION_CODE = "NON_NULL_VIOLATION"

# (response key, field name, data key, field type or None, merged sub-selections or None, kind)
_Entry = tuple[str, str, str, Any, list[Selection] | None, int]
# Entry kinds: fields the hot loop completes without recursion, objects of one concrete type
# (completed without the generic type walk), and the rest.
_COPY, _LEAF, _NON_NULL_LEAF, _OTHER, _OBJECT, _NON_NULL_OBJECT = 0, 1, 2, 3, 4, 5


class _Entries(list[_Entry]):
    """The grouped fields of one selection on one type; ``leaves``: when every field is a
    nullable leaf, its (response key, data key) pairs, copied in one comprehension."""

    __slots__ = ("leaves",)

    def __init__(self) -> None:
        super().__init__()
        self.leaves: tuple[tuple[str, str], ...] | None = None


class ResponseShaper:
    """Shapes data against the API schema; per-plan work is cached on the plan."""

    def __init__(self, schema: GraphQLSchema) -> None:
        self.schema = schema
        self._applies: dict[tuple[str | None, str], bool] = {}
        self._roots: dict[str, GraphQLObjectType] = {}
        self._enum_values = {
            name: frozenset(t.values)
            for name, t in schema.type_map.items()
            if isinstance(t, GraphQLEnumType)
        }

    def shape(
        self, plan: QueryPlan, data: dict[str, Any] | None, errors: list[dict[str, Any]]
    ) -> tuple[dict[str, Any] | None, list[dict[str, Any]]]:
        """The client's ``data`` (None when a null reached the root) and its errors.

        ``errors`` are those of the execution, with paths in data keys.
        """
        root = self._root(plan)
        data = data or {}
        if errors:
            errors = [self._client_error(plan, root, data, error) for error in errors]
        state = _State(errors, data)
        result = self._object(plan, root, plan.selections, data, [], state)
        return (None if result is _INVALID else result), state.errors

    def _root(self, plan: QueryPlan) -> GraphQLObjectType:
        root = self._roots.get(plan.operation_kind)
        if root is None:
            found = self.schema.get_root_type(OperationType(plan.operation_kind))
            assert found is not None
            root = self._roots[plan.operation_kind] = found
        return root

    def _client_error(
        self, plan: QueryPlan, root: GraphQLObjectType, data: Any, error: dict[str, Any]
    ) -> dict[str, Any]:
        path = error.get("path")
        if not isinstance(path, list) or not path:
            return error
        return {**error, "path": self.client_path(plan, root, data, path)}

    def client_path(
        self, plan: QueryPlan, root: GraphQLObjectType, data: Any, path: list[Any]
    ) -> list[Any]:
        """A path in the merged data's keys as a path in the client's response keys."""
        gql_type: Any = root
        selections: list[Selection] | None = plan.selections
        value = data
        result: list[Any] = []
        for position, segment in enumerate(path):
            if isinstance(segment, int):
                result.append(segment)
                value = value[segment] if isinstance(value, list) and segment < len(value) else None
                continue
            entry = self._entry_for(plan, gql_type, selections, value, segment)
            if entry is None:
                # An internal field (a key, a requirement): no client name to give it.
                return result + list(path[position:])
            result.append(entry[0])
            value = value.get(segment) if isinstance(value, dict) else None
            if entry[3] is None:
                return result + list(path[position + 1 :])
            gql_type = get_named_type(entry[3])
            selections = entry[4]
        return result

    def field_at(self, plan: QueryPlan, data: Any, path: list[Any]) -> tuple[str, str]:
        """(parent type, field name) of the field a client response path ends in."""
        gql_type: Any = self._root(plan)
        selections: list[Selection] | None = plan.selections
        value = data
        parent, field = gql_type.name, ""
        for segment in path:
            if isinstance(segment, int):
                value = value[segment] if isinstance(value, list) and segment < len(value) else None
                continue
            runtime = self._runtime(gql_type, value)
            entry = next(
                (e for e in self._entries(plan, selections or [], runtime) if e[0] == segment),
                None,
            )
            if entry is None:
                break
            parent, field = runtime.name, entry[1]
            value = value.get(entry[2]) if isinstance(value, dict) else None
            if entry[3] is None:
                break
            gql_type, selections = get_named_type(entry[3]), entry[4]
        return parent, field

    def _runtime(self, gql_type: Any, value: Any) -> Any:
        if isinstance(gql_type, GraphQLObjectType):
            return gql_type
        typename = value.get("__typename") if isinstance(value, dict) else None
        runtime = self.schema.type_map.get(typename) if isinstance(typename, str) else None
        return runtime if isinstance(runtime, GraphQLObjectType) else gql_type

    def _entry_for(
        self,
        plan: QueryPlan,
        gql_type: Any,
        selections: list[Selection] | None,
        value: Any,
        data_key: str,
    ) -> _Entry | None:
        if selections is None:
            return None
        candidates = [gql_type]
        if not isinstance(gql_type, GraphQLObjectType):
            typename = value.get("__typename") if isinstance(value, dict) else None
            runtime = self.schema.type_map.get(typename) if isinstance(typename, str) else None
            candidates = [runtime] if isinstance(runtime, GraphQLObjectType) else []
            candidates += list(self.schema.get_possible_types(gql_type))
        for candidate in candidates:
            for entry in self._entries(plan, selections, candidate):
                if entry[2] == data_key:
                    return entry
        return None

    def _applies_to(self, condition: str | None, type_name: str) -> bool:
        cached = self._applies.get((condition, type_name))
        if cached is None:
            if condition is None or condition == type_name:
                cached = True
            else:
                cond = self.schema.type_map.get(condition)
                target = self.schema.type_map.get(type_name)
                if isinstance(target, GraphQLObjectType) and isinstance(
                    cond, GraphQLInterfaceType | GraphQLUnionType
                ):
                    cached = self.schema.is_sub_type(cond, target)
                elif isinstance(target, GraphQLInterfaceType) and isinstance(
                    cond, GraphQLInterfaceType
                ):
                    cached = cond in target.interfaces
                else:
                    cached = False
            self._applies[(condition, type_name)] = cached
        return cached

    def _entries(self, plan: QueryPlan, selections: list[Selection], gql_type: Any) -> _Entries:
        cache_key = (id(selections), gql_type.name)
        found = plan.shape_cache.get(cache_key)
        if found is not None:
            return found
        grouped: dict[str, list[Field]] = {}

        def collect(items: list[Selection]) -> None:
            for item in items:
                if isinstance(item, Field):
                    grouped.setdefault(item.response_key, []).append(item)
                elif self._applies_to(item.type_condition, gql_type.name):
                    collect(item.selections)

        collect(selections)
        entries = _Entries()
        for key, fields in grouped.items():
            first = fields[0]
            if first.name == "__typename":
                entries.append((key, "__typename", key, None, None, _COPY))
                continue
            if first.name in ("__schema", "__type"):
                entries.append((key, first.name, first.data_key, None, None, _COPY))
                continue
            definition = gql_type.fields.get(first.name)
            if definition is None:
                continue
            sub: list[Selection] | None = None
            if first.selections is not None:
                sub = [s for f in fields for s in (f.selections or [])]
            entries.append(
                (key, first.name, first.data_key, definition.type, sub, _kind_of(definition.type))
            )
        if entries and all(entry[5] == _LEAF for entry in entries):
            entries.leaves = tuple((entry[0], entry[2]) for entry in entries)
        plan.shape_cache[cache_key] = entries
        # Keep the merged lists alive: their id() is part of the cache keys below this level.
        plan.shape_cache.setdefault("_keep", []).append(entries)
        return entries

    def _object(
        self,
        plan: QueryPlan,
        gql_type: Any,
        selections: list[Selection],
        obj: dict[str, Any],
        path: list[Any],
        state: _State,
    ) -> Any:
        return self._fill(
            plan, gql_type, self._entries(plan, selections, gql_type), obj, path, state
        )

    def _fill(
        self,
        plan: QueryPlan,
        gql_type: Any,
        entries: _Entries,
        obj: dict[str, Any],
        path: list[Any],
        state: _State,
    ) -> Any:
        """:meth:`_object` with the entries already found."""
        leaves = entries.leaves
        if leaves is not None:
            get = obj.get
            return {key: get(data_key) for key, data_key in leaves}
        result: dict[str, Any] = {}
        for key, name, data_key, field_type, sub, kind in entries:
            if kind == _LEAF:
                result[key] = obj.get(data_key)
                continue
            if kind == _NON_NULL_LEAF:
                value = obj.get(data_key)
                if value is None:
                    path.append(key)
                    state.report(path, plan, self)
                    path.pop()
                    return _INVALID
                result[key] = value
                continue
            if field_type is None:
                result[key] = gql_type.name if name == "__typename" else obj.get(data_key)
                continue
            if kind >= _OBJECT:  # one concrete object type, nullable or not
                raw = obj.get(data_key)
                path.append(key)
                if isinstance(raw, dict) and sub is not None:
                    inner = field_type.of_type if kind == _NON_NULL_OBJECT else field_type
                    value = self._fill(
                        plan, inner, self._entries(plan, sub, inner), raw, path, state
                    )
                else:
                    value = _INVALID
                if value is _INVALID:
                    if kind == _NON_NULL_OBJECT:
                        if raw is None or not isinstance(raw, dict):
                            state.report(path, plan, self)
                        path.pop()
                        return _INVALID
                    value = None
                path.pop()
                result[key] = value
                continue
            path.append(key)
            value = self._value(plan, field_type, obj.get(data_key), sub, path, state)
            path.pop()
            if value is _INVALID:
                return _INVALID
            result[key] = None if value is _NULLED else value
        return result

    def _value(
        self,
        plan: QueryPlan,
        field_type: Any,
        raw: Any,
        sub: list[Selection] | None,
        path: list[Any],
        state: _State,
    ) -> Any:
        """The client value, ``_NULLED`` for a null caused by a violation below (already
        reported), ``_INVALID`` when this non-null position is null (the parent must go)."""
        if isinstance(field_type, GraphQLNonNull):
            value = self._value(plan, field_type.of_type, raw, sub, path, state)
            if value is None:
                state.report(path, plan, self)
                return _INVALID
            return _INVALID if value is _NULLED else value
        if raw is None:
            return None
        if isinstance(field_type, GraphQLList):
            if not isinstance(raw, list):
                return None
            items = []
            item_type = field_type.of_type
            inner = item_type.of_type if isinstance(item_type, GraphQLNonNull) else item_type
            if sub is not None and isinstance(inner, GraphQLObjectType):
                return self._object_list(plan, inner, item_type is not inner, raw, sub, path, state)
            for index, item in enumerate(raw):
                path.append(index)
                value = self._value(plan, item_type, item, sub, path, state)
                path.pop()
                if value is _INVALID:
                    return _NULLED
                items.append(None if value is _NULLED else value)
            return items
        if sub is None:
            if isinstance(field_type, GraphQLEnumType):
                return raw if raw in self._enum_values[field_type.name] else None
            return raw
        if not isinstance(raw, dict):
            return None
        runtime = field_type
        if not isinstance(field_type, GraphQLObjectType):
            typename = raw.get("__typename")
            candidate = self.schema.type_map.get(typename) if isinstance(typename, str) else None
            if isinstance(candidate, GraphQLObjectType) and self.schema.is_sub_type(
                field_type, candidate
            ):
                runtime = candidate
            elif typename != field_type.name or isinstance(field_type, GraphQLUnionType):
                return None  # unknown or hidden type: the object cannot be shown
        value = self._object(plan, runtime, sub, raw, path, state)
        return _NULLED if value is _INVALID else value

    def _object_list(
        self,
        plan: QueryPlan,
        item_type: GraphQLObjectType,
        non_null: bool,
        raw: list[Any],
        sub: list[Selection],
        path: list[Any],
        state: _State,
    ) -> Any:
        """A list of one concrete object type: the entries are looked up once for the list."""
        entries = self._entries(plan, sub, item_type)
        items: list[Any] = []
        for index, item in enumerate(raw):
            path.append(index)
            value = (
                self._fill(plan, item_type, entries, item, path, state)
                if isinstance(item, dict)
                else None
            )
            if value is _INVALID or value is None:
                if non_null:
                    if value is None:
                        state.report(path, plan, self)
                    path.pop()
                    return _NULLED
                value = None
            path.pop()
            items.append(value)
        return items


class _State:
    """The errors of one response while it is shaped."""

    __slots__ = ("data", "errors")

    def __init__(self, errors: list[dict[str, Any]], data: Any) -> None:
        self.errors = errors
        self.data = data

    def report(self, path: list[Any], plan: QueryPlan, shaper: ResponseShaper) -> None:
        """A null in a non-null position at ``path``: the spec's error, unless one already
        reported at or below ``path`` explains it (a subgraph error, a failed fetch)."""
        depth = len(path)
        for error in self.errors:
            reported = error.get("path")
            if isinstance(reported, list) and len(reported) >= depth and reported[:depth] == path:
                return
        parent, field = shaper.field_at(plan, self.data, path)
        self.errors.append(
            {
                "message": f"Cannot return null for non-nullable field {parent}.{field}.",
                "path": list(path),
                "extensions": {"code": NULL_VIOLATION_CODE},
            }
        )


def _kind_of(field_type: Any) -> int:
    """How the hot loop handles a field of this type."""
    inner = field_type.of_type if isinstance(field_type, GraphQLNonNull) else field_type
    if isinstance(inner, GraphQLObjectType):
        return _NON_NULL_OBJECT if inner is not field_type else _OBJECT
    if isinstance(inner, GraphQLList | GraphQLEnumType | GraphQLUnionType) or hasattr(
        inner, "fields"
    ):
        return _OTHER
    return _NON_NULL_LEAF if inner is not field_type else _LEAF
