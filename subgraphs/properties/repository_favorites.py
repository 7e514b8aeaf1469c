"""Persistence of favourites: which users marked which listings (SQLAlchemy Core)."""

from __future__ import annotations

import functools
import uuid
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import Integer, and_, any_, bindparam, delete, func, select, tuple_
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.dialects.postgresql import UUID as PG_UUID
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.ext.asyncio import AsyncSession

from common.db import ReadSource
from common.driver_statement import DriverStatement
from subgraphs.properties.models import favorites, properties
from subgraphs.properties.records import Listing, Page, Visibility
from subgraphs.properties.repository import (
    LISTING_SELECT,
    listing_of_values,
    visibility_clause,
    visibility_parameters,
    visibility_shape,
)


class FavoriteRepository:
    """Favourites of users; listings come back with their photos, as everywhere."""

    async def add_favorite(
        self, session: AsyncSession, user_id: uuid.UUID, property_id: uuid.UUID
    ) -> datetime | None:
        """The time it was favourited, or None when it already was a favourite."""
        parameters = {"user_id": user_id, "property_id": property_id}
        return (await session.execute(_ADD_FAVORITE, parameters)).scalar_one_or_none()

    async def remove_favorite(
        self, session: AsyncSession, user_id: uuid.UUID, property_id: uuid.UUID
    ) -> bool:
        parameters = {"user_id": user_id, "property_id": property_id}
        return (await session.execute(_REMOVE_FAVORITE, parameters)).first() is not None

    async def favorites_page(
        self,
        session: ReadSource,
        user_id: uuid.UUID,
        visibility: Visibility,
        *,
        first: int,
        after: tuple[datetime, uuid.UUID] | None,
    ) -> Page[tuple[datetime, Listing]]:
        """A user's favourites, most recently favourited first."""
        parameters = visibility_parameters(visibility)
        parameters.update(user_id=user_id, limit=first + 1)
        if after is not None:
            parameters.update(after_at=after[0], after_id=after[1])
        statement = _page_statement(visibility_shape(visibility), after is not None)
        names, rows = await statement.tuples(session, **parameters)
        items = []
        for row in rows[:first]:
            values = dict(zip(names, row, strict=True))
            favorited_at = values.pop("favorited_at")
            items.append((favorited_at, listing_of_values(values)))
        return Page(items, has_next_page=len(rows) > first, has_previous_page=after is not None)

    async def count_favorites(
        self, session: ReadSource, user_id: uuid.UUID, visibility: Visibility
    ) -> int:
        parameters = {**visibility_parameters(visibility), "user_id": user_id}
        _, rows = await _count_statement(visibility_shape(visibility)).tuples(session, **parameters)
        return int(rows[0][0])

    async def favorite_ids(
        self, session: ReadSource, user_id: uuid.UUID, property_ids: Sequence[uuid.UUID]
    ) -> set[uuid.UUID]:
        ids = list(set(property_ids))
        _, rows = await _FAVORITE_IDS.tuples(session, user_id=user_id, ids=ids)
        return {row[0] for row in rows}


# Built once per shape with bound parameters (decision 0042, as the listing reads); the reads
# compiled once too (``DriverStatement``, decision 0043).
_ADD_FAVORITE = (
    pg_insert(favorites)
    .on_conflict_do_nothing(index_elements=["user_id", "property_id"])
    .returning(favorites.c.created_at)
)
_REMOVE_FAVORITE = (
    delete(favorites)
    .where(
        favorites.c.user_id == bindparam("user_id"),
        favorites.c.property_id == bindparam("property_id"),
    )
    .returning(favorites.c.property_id)
)
_FAVORITE_IDS = DriverStatement(
    select(favorites.c.property_id).where(
        favorites.c.user_id == bindparam("user_id"),
        favorites.c.property_id == any_(bindparam("ids", type_=ARRAY(PG_UUID(as_uuid=True)))),
    )
)


@functools.cache  # 3 visibilities × 2
def _page_statement(visibility: Visibility, after: bool) -> DriverStatement:
    clauses: list[Any] = [
        favorites.c.user_id == bindparam("user_id"),
        visibility_clause(visibility),
    ]
    if after:
        clauses.append(
            tuple_(favorites.c.created_at, favorites.c.property_id)
            < tuple_(
                bindparam("after_at", type_=favorites.c.created_at.type),
                bindparam("after_id", type_=favorites.c.property_id.type),
            )
        )
    return DriverStatement(
        LISTING_SELECT.add_columns(favorites.c.created_at.label("favorited_at"))
        .join_from(properties, favorites, favorites.c.property_id == properties.c.id)
        .where(and_(*clauses))
        .order_by(favorites.c.created_at.desc(), favorites.c.property_id.desc())
        .limit(bindparam("limit", type_=Integer))
    )


@functools.cache
def _count_statement(visibility: Visibility) -> DriverStatement:
    return DriverStatement(
        select(func.count())
        .select_from(favorites.join(properties, favorites.c.property_id == properties.c.id))
        .where(favorites.c.user_id == bindparam("user_id"), visibility_clause(visibility))
    )
