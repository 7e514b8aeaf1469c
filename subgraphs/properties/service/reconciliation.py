"""What search's reconciliation reads: every listing's id and version, and every deletion."""

from __future__ import annotations

import uuid
from dataclasses import replace
from datetime import datetime

from common.auth import Viewer, require_admin
from subgraphs.properties.records import Page, ReconciliationEntry
from subgraphs.properties.service.dependencies import Dependencies


class ReconciliationService:
    def __init__(self, deps: Dependencies) -> None:
        self.deps = deps

    async def page(
        self,
        viewer: Viewer,
        *,
        first: int,
        after: uuid.UUID | None,
        updated_since: datetime | None,
    ) -> Page[ReconciliationEntry]:
        """Admins only: live listings (with their data) and tombstones, ordered by id."""
        require_admin(viewer)
        repository = self.deps.repository
        async with self.deps.sessions() as session:
            page = await repository.reconciliation_page(
                session, first=first, after=after, updated_since=updated_since
            )
            live = [e.id for e in page.items if not e.deleted]
            listings = await repository.get_many(session, live)
        items = [replace(e, listing=listings.get(e.id)) for e in page.items]
        return Page(items, page.has_next_page, page.has_previous_page)

    async def count(self) -> int:
        """Every entry a full reconciliation reads (listings plus tombstones)."""
        async with self.deps.sessions() as session:
            return await self.deps.repository.count_reconciliation(session)
