"""Strawberry's federation schema, resolving ``_entities`` a batch at a time.

Strawberry calls ``resolve_reference`` once per representation, so a router fetch of 50
listings made 50 coroutines, 50 DataLoader futures and 50 awaitables for graphql-core to
complete, for one SQL statement: more CPU than the statement. An entity type may instead
define ``resolve_references(info, representations)``, a classmethod that receives every
representation of its type in one ``_entities`` call (``__typename`` removed, in order) and
returns one result per representation: the entity, ``None``, or an exception for that one.
``_entities`` then completes with a single await. Types without it resolve as before.
"""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Mapping, Sequence
from typing import Any, cast

import strawberry
from strawberry.federation.schema import FederationAny
from strawberry.types import Info
from strawberry.types.base import StrawberryObjectDefinition


def representation_ids(representations: Sequence[Mapping[str, object]]) -> list[uuid.UUID | None]:
    """Each representation's ``id`` as a UUID, in order; None where it is missing or malformed
    (that entity resolves to None)."""
    ids: list[uuid.UUID | None] = []
    for representation in representations:
        try:
            ids.append(uuid.UUID(str(representation.get("id"))))
        except ValueError:
            ids.append(None)
    return ids


class Schema(strawberry.federation.Schema):
    """``strawberry.federation.Schema`` with batched ``resolve_references`` (module docstring)."""

    def entities_resolver(self, info: Info, representations: list[FederationAny]) -> Any:
        batches: dict[str, tuple[type, list[int]]] = {}
        for index, representation in enumerate(representations):
            name = representation.get("__typename") if isinstance(representation, dict) else None
            type_ = self.schema_converter.type_map.get(name) if isinstance(name, str) else None
            if type_ is None or not isinstance(type_.definition, StrawberryObjectDefinition):
                continue
            origin = type_.definition.origin
            if hasattr(origin, "resolve_references"):
                batches.setdefault(cast(str, name), (origin, []))[1].append(index)
        if not batches:
            return super().entities_resolver(info, representations)
        batched = {index for _, indexes in batches.values() for index in indexes}
        others = [r for index, r in enumerate(representations) if index not in batched]
        # Strawberry's own resolution for the rest (it may hand back awaitables).
        resolved_others = super().entities_resolver(info, others) if others else []

        async def resolve() -> list[Any]:
            results: list[Any] = [None] * len(representations)
            rest = iter(resolved_others)
            for index in range(len(representations)):
                if index not in batched:
                    value = next(rest)
                    results[index] = await value if isinstance(value, Awaitable) else value
            for origin, indexes in batches.values():
                asked = [
                    {
                        k: v
                        for k, v in cast(dict[str, Any], representations[i]).items()
                        if k != "__typename"
                    }
                    for i in indexes
                ]
                try:
                    values = list(await origin.resolve_references(info, asked))  # type: ignore[attr-defined]
                except Exception as error:  # each entity of the batch gets it
                    values = [error] * len(indexes)
                for index, value in zip(indexes, values, strict=True):
                    results[index] = value
            return results

        return resolve()
