"""Use cases of listings: read, page, create, update and delete."""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable, Mapping, Sequence
from datetime import datetime
from typing import Any

from common.analytics import VIEW_ITEM
from common.auth import Role, Viewer, require_authenticated, require_role
from common.errors import BadUserInput, Conflict, Forbidden, NotFound
from subgraphs.properties.records import Listing, ListingFilter, Page, Visibility
from subgraphs.properties.service import events
from subgraphs.properties.service.dependencies import Dependencies, UnitOfWork, unit_of_work
from subgraphs.properties.service.validation import check_listing_fields

LISTING_ROLES = (Role.SELLER, Role.AGENT, Role.ADMIN)
Counter = Callable[[], Awaitable[int]]


def parse_listing_cursor(key: Sequence[Any] | None) -> tuple[datetime, uuid.UUID] | None:
    """The (created_at, id) inside a decoded cursor; BAD_USER_INPUT naming ``after``."""
    if key is None:
        return None
    try:
        return datetime.fromisoformat(str(key[0])), uuid.UUID(str(key[1]))
    except (ValueError, IndexError) as exc:
        raise BadUserInput("after is not a valid cursor.", field="after") from exc


def listing_cursor(listing: Listing) -> list[str]:
    return [listing.created_at.isoformat(), str(listing.id)]


def check_may_change(viewer: Viewer, property_id: uuid.UUID, listing: Listing | None) -> Listing:
    """``listing`` when the viewer may change it: NOT_FOUND when it is missing or hidden from
    them, FORBIDDEN when they are neither its owner nor an admin."""
    if listing is None or not listing.visible_to(viewer):
        raise NotFound(f"No property has the id {property_id}.", id=str(property_id))
    if not viewer.is_self_or_admin(listing.owner_id):
        raise Forbidden("Only the owner of this property or an admin may change it.")
    return listing


class ListingService:
    def __init__(self, deps: Dependencies) -> None:
        self.deps = deps
        self.repository = deps.repository

    # --- reads -------------------------------------------------------------------------------

    async def get(self, viewer: Viewer, property_id: uuid.UUID) -> Listing:
        """The listing, when it exists and the viewer may see it; NOT_FOUND otherwise."""
        listing = await self.deps.cache.get(property_id)
        if listing is None:
            async with self.deps.reads() as session:
                listing = await self.repository.get(session, property_id)
            if listing is not None:
                await self.deps.cache.put(listing)
        if listing is None or not listing.visible_to(viewer):
            raise NotFound(f"No property has the id {property_id}.", id=str(property_id))
        self.deps.analytics.track(viewer, VIEW_ITEM, {"item_id": str(property_id)})
        return listing

    async def load_many(
        self, viewer: Viewer, property_ids: Sequence[uuid.UUID]
    ) -> list[Listing | None]:
        """Listings in the order asked, None where unknown or hidden: one SQL statement."""
        async with self.deps.reads() as session:
            found = await self.repository.get_many(session, property_ids)
        result: list[Listing | None] = []
        for property_id in property_ids:
            listing = found.get(property_id)
            result.append(listing if listing is not None and listing.visible_to(viewer) else None)
        return result

    async def page(
        self,
        viewer: Viewer,
        listing_filter: ListingFilter,
        *,
        first: int,
        after: Sequence[Any] | None,
    ) -> tuple[Page[Listing], Counter]:
        """One page of the listings the viewer may see, newest first, and a counter of all."""
        visibility = Visibility.of(viewer)
        async with self.deps.reads() as session:
            page = await self.repository.page(
                session, listing_filter, visibility, first=first, after=parse_listing_cursor(after)
            )

        async def count_all() -> int:
            async with self.deps.reads() as session:
                return await self.repository.count(session, listing_filter, visibility)

        return page, count_all

    # --- writes ------------------------------------------------------------------------------

    async def _located(self, fields: Mapping[str, Any]) -> Mapping[str, Any]:
        """``fields`` with coordinates from the geocoder when both were left out."""
        if fields.get("latitude") is not None or fields.get("longitude") is not None:
            return fields  # given (one alone is reported missing by the field checks)
        address = fields.get("address")
        if not isinstance(address, str) or not address.strip():
            return fields  # the field checks report the missing address
        zip_code = fields.get("zip_code")
        located = await self.deps.geocoder.locate(address, str(zip_code) if zip_code else None)
        if located is None:
            raise BadUserInput(
                "input.address could not be located: give input.latitude and input.longitude.",
                field="input.address",
            )
        return {**fields, "latitude": located.latitude, "longitude": located.longitude}

    async def create(
        self, viewer: Viewer, fields: Mapping[str, Any], *, idempotency_key: str | None = None
    ) -> Listing:
        """Sellers, agents and admins list properties; the viewer becomes the owner.

        With ``idempotency_key``, a retry (same key, same fields) returns the listing the first
        request created instead of creating another; the same key with other fields: CONFLICT.
        """
        owner_id = require_role(viewer, *LISTING_ROLES)
        values = check_listing_fields(await self._located(fields), creating=True)
        created: list[Listing] = []
        async with unit_of_work(self.deps) as work:

            async def insert() -> str:
                listing = await self.repository.insert(
                    work.session, {**values, "id": uuid.uuid4(), "owner_id": owner_id}
                )
                work.publish(events.created(listing))
                created.append(listing)
                return str(listing.id)

            outcome = await self.deps.idempotency.run(
                work.session,
                idempotency_key,
                user_id=owner_id,
                operation="createProperty",
                payload=values,
                create=insert,
            )
        if created:
            return created[0]
        return await self.get(viewer, uuid.UUID(outcome.result_id))

    async def update(
        self,
        viewer: Viewer,
        property_id: uuid.UUID,
        fields: Mapping[str, Any],
        *,
        expected_version: int | None = None,
    ) -> Listing:
        """Change the given fields; only the owner or an admin may. Unchanged → no event."""
        require_authenticated(viewer)
        values = check_listing_fields(fields)
        async with unit_of_work(self.deps) as work:
            current = await self.lock_for_change(work, viewer, property_id)
            if expected_version is not None and expected_version != current.version:
                raise Conflict(
                    "The property was changed by someone else; reload it and try again.",
                    currentVersion=current.version,
                )
            changed = {k: v for k, v in values.items() if _differs(current, k, v)}
            if not changed:
                return current
            listing = await self.repository.update(work.session, current, changed)
            work.publish(events.updated(listing, events.field_changes(current, listing, changed)))
        await self.deps.cache.invalidate(property_id)
        return listing

    async def delete(self, viewer: Viewer, property_id: uuid.UUID) -> uuid.UUID:
        """Delete a listing (owner or admin), leaving a tombstone for reconciliation."""
        require_authenticated(viewer)
        async with unit_of_work(self.deps) as work:
            current = await self.lock_for_change(work, viewer, property_id)
            version = await self.repository.delete(work.session, current)
            work.publish(events.deleted(current, version))
        await self.deps.cache.invalidate(property_id)
        await self.forget_photo_files(current.photos)
        return property_id

    # --- shared with photos ------------------------------------------------------------------

    async def lock_for_change(
        self, work: UnitOfWork, viewer: Viewer, property_id: uuid.UUID
    ) -> Listing:
        """The listing, locked for this transaction, when the viewer may change it."""
        listing = await self.repository.get(work.session, property_id, for_update=True)
        return check_may_change(viewer, property_id, listing)

    async def forget_photo_files(self, photos: Sequence[Any]) -> None:
        """Delete stored files that no photo refers to any more (after the commit)."""
        for photo in photos:
            async with self.deps.reads() as session:
                in_use = await self.repository.key_in_use(session, photo.key)
            if not in_use:
                await self.deps.storage.delete(photo.key)


def _differs(current: Listing, name: str, value: Any) -> bool:
    old = getattr(current, name)
    if hasattr(old, "value"):
        old = old.value
    return bool(old != value)
