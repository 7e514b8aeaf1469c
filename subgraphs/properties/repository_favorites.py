"""Persistence of favourites: which users marked which listings (SQLAlchemy Core)."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import and_, delete, func, select, tuple_
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.ext.asyncio import AsyncSession

from subgraphs.properties.models import favorites, properties
from subgraphs.properties.records import Listing, Page, Visibility
from subgraphs.properties.repository import LISTING_SELECT, listing_of_row, visibility_clause


class FavoriteRepository:
    """Favourites of users; listings come back with their photos, as everywhere."""

    async def add_favorite(
        self, session: AsyncSession, user_id: uuid.UUID, property_id: uuid.UUID
    ) -> datetime | None:
        """The time it was favourited, or None when it already was a favourite."""
        statement = (
            pg_insert(favorites)
            .values(user_id=user_id, property_id=property_id)
            .on_conflict_do_nothing(index_elements=["user_id", "property_id"])
            .returning(favorites.c.created_at)
        )
        return (await session.execute(statement)).scalar_one_or_none()

    async def remove_favorite(
        self, session: AsyncSession, user_id: uuid.UUID, property_id: uuid.UUID
    ) -> bool:
        statement = (
            delete(favorites)
            .where(favorites.c.user_id == user_id, favorites.c.property_id == property_id)
            .returning(favorites.c.property_id)
        )
        return (await session.execute(statement)).first() is not None

    async def favorites_page(
        self,
        session: AsyncSession,
        user_id: uuid.UUID,
        visibility: Visibility,
        *,
        first: int,
        after: tuple[datetime, uuid.UUID] | None,
    ) -> Page[tuple[datetime, Listing]]:
        """A user's favourites, most recently favourited first."""
        clauses: list[Any] = [favorites.c.user_id == user_id, visibility_clause(visibility)]
        if after is not None:
            clauses.append(tuple_(favorites.c.created_at, favorites.c.property_id) < tuple_(*after))
        statement = (
            LISTING_SELECT.add_columns(favorites.c.created_at.label("favorited_at"))
            .join_from(properties, favorites, favorites.c.property_id == properties.c.id)
            .where(and_(*clauses))
            .order_by(favorites.c.created_at.desc(), favorites.c.property_id.desc())
            .limit(first + 1)
        )
        rows = (await session.execute(statement)).mappings().all()
        items = [(r["favorited_at"], listing_of_row(r)) for r in rows[:first]]
        return Page(items, has_next_page=len(rows) > first, has_previous_page=after is not None)

    async def count_favorites(
        self, session: AsyncSession, user_id: uuid.UUID, visibility: Visibility
    ) -> int:
        statement = (
            select(func.count())
            .select_from(favorites.join(properties, favorites.c.property_id == properties.c.id))
            .where(favorites.c.user_id == user_id, visibility_clause(visibility))
        )
        return int((await session.execute(statement)).scalar_one())

    async def favorite_ids(
        self, session: AsyncSession, user_id: uuid.UUID, property_ids: Sequence[uuid.UUID]
    ) -> set[uuid.UUID]:
        statement = select(favorites.c.property_id).where(
            favorites.c.user_id == user_id, favorites.c.property_id.in_(list(set(property_ids)))
        )
        return set((await session.execute(statement)).scalars().all())
