"""When a property can be viewed: its viewing settings and the free slots they give."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import datetime

from common.auth import Viewer, require_authenticated
from common.errors import Forbidden, NotFound
from subgraphs.bookings.records import Host, Listing, Slot, ViewingSettings
from subgraphs.bookings.service.dependencies import Dependencies, unit_of_work
from subgraphs.bookings.service.rules import require_host
from subgraphs.bookings.service.validation import SettingsInput, check_range, check_settings
from subgraphs.bookings.slots import MAX_DURATION, MAX_RANGE_DAYS, free_slots


class AvailabilityService:
    def __init__(self, deps: Dependencies) -> None:
        self.deps = deps

    async def settings_of(
        self, property_ids: Sequence[uuid.UUID]
    ) -> list[tuple[Listing, ViewingSettings | None] | None]:
        """For each id: the listing and its settings, or None when bookings does not know it."""
        async with self.deps.sessions() as session:
            found = await self.deps.listings.get_settings(session, property_ids)
        return [found.get(property_id) for property_id in property_ids]

    async def set_settings(
        self, viewer: Viewer, property_id: uuid.UUID, value: SettingsInput
    ) -> ViewingSettings:
        """Replace a property's viewing settings (its owner, its agent or an admin). Naming
        the agent is the owner's (or an admin's) to do. Existing bookings keep their slots."""
        require_authenticated(viewer)
        checked = check_settings(value)
        async with unit_of_work(self.deps) as work:
            listing = await self.deps.listings.get(work.session, property_id, for_update=True)
            if listing is None or listing.deleted:
                raise NotFound(
                    f"No property has the id {property_id}.",
                    id=str(property_id),
                    field="propertyId",
                )
            found = await self.deps.listings.get_settings(work.session, [property_id])
            current = found[property_id][1]
            current_agent = current.agent_id if current is not None else None
            require_host(
                viewer,
                Host(property_id, listing.owner_id, current_agent or listing.agent_id),
                "set its viewing hours",
            )
            agent_id = current_agent
            if "agentId" in value.sent and value.agent_id != current_agent:
                if not viewer.is_self_or_admin(listing.owner_id):
                    raise Forbidden("Only the property's owner or an admin may name its agent.")
                agent_id = value.agent_id
            await self.deps.listings.put_settings(work.session, property_id, checked, agent_id)
            stored = await self.deps.listings.get_settings(work.session, [property_id])
        settings = stored[property_id][1]
        assert settings is not None
        return settings

    async def free_slots(
        self, property_id: uuid.UUID, start: datetime, end: datetime
    ) -> list[Slot]:
        """Free slots starting in [start, end): none for a listing that accepts no viewings."""
        start, end = check_range(start, end, MAX_RANGE_DAYS)
        now = self.deps.clock()
        async with self.deps.sessions() as session:
            found = (await self.deps.listings.get_settings(session, [property_id])).get(property_id)
            if found is None or not found[0].bookable or found[1] is None:
                return []
            settings = found[1]
            # A slot starting just before ``end`` runs past it: holds there matter too.
            held = await self.deps.bookings.holds(session, property_id, start, end + MAX_DURATION)
        return free_slots(settings, start, end, now=now, held=held)
