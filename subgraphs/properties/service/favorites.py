"""Use cases of favourites: mark, unmark, and list a user's favourite listings."""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable, Sequence
from datetime import UTC, datetime
from typing import Any

from common.auth import Viewer, require_authenticated
from common.errors import Forbidden, NotFound
from subgraphs.properties.records import Listing, Page, Visibility
from subgraphs.properties.service import events
from subgraphs.properties.service.dependencies import Dependencies, unit_of_work
from subgraphs.properties.service.listings import parse_listing_cursor


class FavoriteService:
    def __init__(self, deps: Dependencies) -> None:
        self.deps = deps
        self.repository = deps.repository
        self.favorites = deps.favorites

    async def favorite(self, viewer: Viewer, property_id: uuid.UUID) -> Listing:
        """Mark a visible listing as a favourite; marking it again changes nothing."""
        return await self._set(viewer, property_id, add=True)

    async def unfavorite(self, viewer: Viewer, property_id: uuid.UUID) -> Listing:
        return await self._set(viewer, property_id, add=False)

    async def _set(self, viewer: Viewer, property_id: uuid.UUID, *, add: bool) -> Listing:
        user_id = require_authenticated(viewer)
        async with unit_of_work(self.deps) as work:
            listing = await self.repository.get(work.session, property_id)
            if listing is None or not listing.visible_to(viewer):
                raise NotFound(f"No property has the id {property_id}.", id=str(property_id))
            if add:
                at = await self.favorites.add_favorite(work.session, user_id, property_id)
                if at is not None:
                    work.publish(events.favorited(listing, user_id, at, added=True))
            elif await self.favorites.remove_favorite(work.session, user_id, property_id):
                now = datetime.now(UTC)
                work.publish(events.favorited(listing, user_id, now, added=False))
        return listing

    async def page(
        self,
        viewer: Viewer,
        user_id: uuid.UUID,
        *,
        first: int,
        after: Sequence[Any] | None,
    ) -> tuple[Page[tuple[datetime, Listing]], Callable[[], Awaitable[int]]]:
        """A user's favourites, newest first; only that user and admins may see them."""
        require_authenticated(viewer)
        if not viewer.is_self_or_admin(user_id):
            raise Forbidden("Favourites are visible only to their owner.")
        visibility = Visibility.of(viewer)
        key = parse_listing_cursor(after)
        async with self.deps.reads() as session:
            page = await self.favorites.favorites_page(
                session, user_id, visibility, first=first, after=key
            )

        async def count_all() -> int:
            async with self.deps.reads() as session:
                return await self.favorites.count_favorites(session, user_id, visibility)

        return page, count_all

    async def is_favorite_of(self, viewer: Viewer, property_ids: Sequence[uuid.UUID]) -> list[bool]:
        """Whether each listing is one of the viewer's favourites (False when signed out)."""
        if viewer.user_id is None:
            return [False] * len(property_ids)
        async with self.deps.reads() as session:
            marked = await self.favorites.favorite_ids(session, viewer.user_id, property_ids)
        return [property_id in marked for property_id in property_ids]


def favorite_cursor(item: tuple[datetime, Listing]) -> list[str]:
    favorited_at, listing = item
    return [favorited_at.isoformat(), str(listing.id)]
