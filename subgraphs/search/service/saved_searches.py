"""Saved searches: a signed-in user's named filters, each private to its owner."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, replace
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from common.auth import Viewer, require_authenticated
from common.db import transaction
from common.errors import BadUserInput, NotFound
from subgraphs.search.models import saved_searches
from subgraphs.search.service.filter_codec import filter_from_json, filter_to_json
from subgraphs.search.service.query import SearchFilter
from subgraphs.search.service.searching import visible_filter
from subgraphs.search.service.validation import validate_filter

MAX_NAME_LENGTH = 100
MAX_SAVED_SEARCHES_PER_USER = 50


@dataclass(frozen=True, slots=True)
class SavedSearch:
    id: uuid.UUID
    user_id: uuid.UUID
    name: str
    filter: SearchFilter
    created_at: datetime


class SavedSearchService:
    def __init__(self, sessions: async_sessionmaker[AsyncSession]) -> None:
        self.sessions = sessions

    async def save(self, viewer: Viewer, name: str, search_filter: SearchFilter) -> SavedSearch:
        user_id = require_authenticated(viewer)
        name = name.strip()
        if not name or len(name) > MAX_NAME_LENGTH:
            raise BadUserInput(
                f"A name of 1 to {MAX_NAME_LENGTH} characters is required.", field="name"
            )
        validate_filter(search_filter)
        narrowed, _ = visible_filter(search_filter, viewer)
        if narrowed.statuses != search_filter.statuses and not narrowed.statuses:
            raise BadUserInput("Off-market listings cannot be searched.", field="filter.statuses")
        narrowed = replace(narrowed, text=narrowed.text.strip() if narrowed.text else None)
        async with transaction(self.sessions) as session:
            # Serialise one user's saves so the cap below cannot be raced past.
            await session.execute(
                select(func.pg_advisory_xact_lock(func.hashtextextended(str(user_id), 7)))
            )
            owned = await session.scalar(
                select(func.count()).where(saved_searches.c.user_id == user_id)
            )
            if (owned or 0) >= MAX_SAVED_SEARCHES_PER_USER:
                raise BadUserInput(
                    f"At most {MAX_SAVED_SEARCHES_PER_USER} saved searches per user.",
                    field="name",
                )
            row = (
                await session.execute(
                    saved_searches.insert()
                    .values(
                        id=uuid.uuid4(),
                        user_id=user_id,
                        name=name,
                        filter=filter_to_json(narrowed),
                    )
                    .returning(*saved_searches.c)
                )
            ).one()
        return _saved(row)

    async def delete(self, viewer: Viewer, saved_search_id: uuid.UUID) -> uuid.UUID:
        """Delete one of the viewer's saved searches; NOT_FOUND for anyone else's."""
        user_id = require_authenticated(viewer)
        async with transaction(self.sessions) as session:
            deleted = await session.scalar(
                saved_searches.delete()
                .where(saved_searches.c.id == saved_search_id, saved_searches.c.user_id == user_id)
                .returning(saved_searches.c.id)
            )
        if deleted is None:
            raise NotFound("No such saved search.", field="id")
        return saved_search_id

    async def list_own(self, viewer: Viewer) -> list[SavedSearch]:
        user_id = require_authenticated(viewer)
        async with self.sessions() as session:
            rows = (
                await session.execute(
                    select(saved_searches)
                    .where(saved_searches.c.user_id == user_id)
                    .order_by(saved_searches.c.created_at.desc(), saved_searches.c.id)
                )
            ).all()
        return [_saved(row) for row in rows]


def _saved(row: object) -> SavedSearch:
    return SavedSearch(
        id=row.id,  # type: ignore[attr-defined]
        user_id=row.user_id,  # type: ignore[attr-defined]
        name=row.name,  # type: ignore[attr-defined]
        filter=filter_from_json(row.filter),  # type: ignore[attr-defined]
        created_at=row.created_at,  # type: ignore[attr-defined]
    )
