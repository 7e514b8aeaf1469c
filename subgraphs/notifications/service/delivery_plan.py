"""Which channels a new notification goes out on, decided when it is written (decision 0024).

In-app is delivered by the write itself. For a recipient the users projection knows, email and
SMS get a row each: pending when the user's preferences have the channel on and an address is
known, skipped (with the reason) otherwise; a saved-search match waits for the daily digest
when the user chose it. Push gets a row when the user has a registered device or is known.
Quiet hours are applied by the dispatcher when a row comes due, so a later change of them
counts.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from subgraphs.notifications.delivery_records import (
    IN_APP_DELIVERED,
    PlannedDelivery,
    Preferences,
)
from subgraphs.notifications.records import Channel, DeliveryStatus, Draft, Kind, Recipient
from subgraphs.notifications.service.dependencies import Dependencies

OFF = "turned off in preferences"


def plan_one(
    draft: Draft,
    recipient: Recipient | None,
    preferences: Preferences,
    devices: Sequence[str],
    now: datetime,
) -> list[PlannedDelivery]:
    planned = [IN_APP_DELIVERED]

    def pending() -> PlannedDelivery:
        return PlannedDelivery(channel, DeliveryStatus.PENDING, next_attempt_at=now)

    def skipped(reason: str) -> PlannedDelivery:
        return PlannedDelivery(channel, DeliveryStatus.SKIPPED, last_error=reason)

    for channel in (Channel.EMAIL, Channel.SMS, Channel.PUSH):
        if channel is Channel.PUSH:
            if recipient is None and not devices:
                continue
            address = bool(devices)
            missing = "no push device registered"
        elif recipient is None:
            continue
        elif channel is Channel.EMAIL:
            address = bool(recipient.email and recipient.verified)
            missing = "no verified email address" if recipient.email else "no email address"
        else:
            address, missing = bool(recipient.phone), "no phone number"
        if not preferences.enabled(draft.kind, channel):
            planned.append(skipped(OFF))
        elif not address:
            planned.append(skipped(missing))
        elif (
            channel is Channel.EMAIL
            and draft.kind is Kind.SAVED_SEARCH_MATCH
            and preferences.settings.saved_search_digest
        ):
            planned.append(PlannedDelivery(channel, DeliveryStatus.DIGEST))
        else:
            planned.append(pending())
    return planned


class DeliveryPlanner:
    def __init__(self, deps: Dependencies) -> None:
        self.deps = deps

    async def plan(
        self, session: AsyncSession, drafts: Sequence[Draft]
    ) -> list[list[PlannedDelivery]]:
        """The delivery rows of each draft, in order (a few queries for any number of drafts)."""
        if not drafts:
            return []
        users: list[uuid.UUID] = list(dict.fromkeys(d.user_id for d in drafts))
        recipients = await self.deps.directory.recipients(session, users)
        preferences = await self.deps.preferences.get_many(session, users)
        devices = await self.deps.devices.tokens(session, users)
        now = self.deps.clock()
        return [
            plan_one(d, recipients.get(d.user_id), preferences[d.user_id], devices[d.user_id], now)
            for d in drafts
        ]
