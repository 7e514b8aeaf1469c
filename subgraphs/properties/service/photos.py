"""Use cases of listing photos: upload, delete, reorder and choose the cover.

Each change bumps the listing's version and publishes ``property.updated`` with a ``photos``
change, so search shows the right cover. Files are written before the transaction and removed
again if it fails; a deleted photo's file is removed after the commit, once nothing uses it.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence

from common.auth import Viewer, require_authenticated
from common.errors import BadUserInput, NotFound
from common.images import check_image
from subgraphs.properties.records import Listing, Photo
from subgraphs.properties.service import events
from subgraphs.properties.service.dependencies import Dependencies, UnitOfWork, unit_of_work
from subgraphs.properties.service.listings import ListingService, check_may_change

MAX_PHOTOS_PER_LISTING = 40

# Where listing photos are stored; the files route serves only keys under these.
PHOTO_PREFIX = "properties/"
DEMO_PHOTO_PREFIX = "demo/properties/"


class PhotoService:
    def __init__(self, deps: Dependencies, listings: ListingService) -> None:
        self.deps = deps
        self.repository = deps.repository
        self.listings = listings

    async def upload(
        self, viewer: Viewer, property_id: uuid.UUID, data: bytes, *, field: str = "file"
    ) -> Listing:
        """Append a checked image (JPEG, PNG or WebP within the size limit) to the listing."""
        require_authenticated(viewer)
        image = check_image(data, max_bytes=self.deps.max_photo_bytes, field=field)
        # Check the rules before storing anything, so a refused upload leaves no file behind.
        async with self.deps.sessions() as session:
            listing = await self.repository.get(session, property_id)
        self._check_may_add(viewer, property_id, listing)
        photo_id = uuid.uuid4()
        key = f"{PHOTO_PREFIX}{property_id}/{photo_id.hex}.{image.extension}"
        url = await self.deps.storage.put(key, data, image.content_type)
        try:
            async with unit_of_work(self.deps) as work:
                current = await self.listings.lock_for_change(work, viewer, property_id)
                self._check_may_add(viewer, property_id, current)
                await self.repository.add_photo(
                    work.session,
                    property_id,
                    {
                        "id": photo_id,
                        "key": key,
                        "url": url,
                        "content_type": image.content_type,
                        "width": image.width,
                        "height": image.height,
                        "size_bytes": len(data),
                    },
                )
                updated = await self._publish_change(work, current)
        except BaseException:
            await self.deps.storage.delete(key)
            raise
        await self.deps.cache.invalidate(property_id)
        return updated

    async def delete(self, viewer: Viewer, property_id: uuid.UUID, photo_id: uuid.UUID) -> Listing:
        require_authenticated(viewer)
        async with unit_of_work(self.deps) as work:
            current = await self.listings.lock_for_change(work, viewer, property_id)
            photo = _photo_of(current, photo_id)
            await self.repository.delete_photo(work.session, property_id, photo)
            updated = await self._publish_change(work, current)
        await self.deps.cache.invalidate(property_id)
        await self.listings.forget_photo_files([photo])
        return updated

    async def reorder(
        self, viewer: Viewer, property_id: uuid.UUID, photo_ids: Sequence[uuid.UUID]
    ) -> Listing:
        """Put the photos in the given order; the ids must be exactly the listing's photos."""
        require_authenticated(viewer)
        async with unit_of_work(self.deps) as work:
            current = await self.listings.lock_for_change(work, viewer, property_id)
            existing = [p.id for p in current.photos]
            if len(photo_ids) != len(set(photo_ids)) or set(photo_ids) != set(existing):
                raise BadUserInput(
                    "photoIds must list each photo of the property exactly once.",
                    field="photoIds",
                )
            if list(photo_ids) == existing:
                return current
            await self.repository.reorder_photos(work.session, property_id, photo_ids)
            updated = await self._publish_change(work, current)
        await self.deps.cache.invalidate(property_id)
        return updated

    async def set_cover(
        self, viewer: Viewer, property_id: uuid.UUID, photo_id: uuid.UUID
    ) -> Listing:
        require_authenticated(viewer)
        async with unit_of_work(self.deps) as work:
            current = await self.listings.lock_for_change(work, viewer, property_id)
            photo = _photo_of(current, photo_id)
            if photo.is_cover:
                return current
            await self.repository.set_cover(work.session, property_id, photo_id)
            updated = await self._publish_change(work, current)
        await self.deps.cache.invalidate(property_id)
        return updated

    def _check_may_add(
        self, viewer: Viewer, property_id: uuid.UUID, listing: Listing | None
    ) -> None:
        listing = check_may_change(viewer, property_id, listing)
        if len(listing.photos) >= MAX_PHOTOS_PER_LISTING:
            raise BadUserInput(
                f"A property has at most {MAX_PHOTOS_PER_LISTING} photos.", field="propertyId"
            )

    async def _publish_change(self, work: UnitOfWork, before: Listing) -> Listing:
        await self.repository.touch(work.session, before.id)
        after = await self.repository.get(work.session, before.id)
        assert after is not None  # locked by this transaction
        work.publish(
            events.updated(
                after,
                {
                    "photos": {
                        "old": [p.snapshot() for p in before.photos],
                        "new": [p.snapshot() for p in after.photos],
                    }
                },
            )
        )
        return after


def _photo_of(listing: Listing, photo_id: uuid.UUID) -> Photo:
    for photo in listing.photos:
        if photo.id == photo_id:
            return photo
    raise NotFound(f"The property has no photo with the id {photo_id}.", id=str(photo_id))
