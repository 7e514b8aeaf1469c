"""The daily digest of saved-search matches (decision 0025).

A user who chose the digest gets their ``SAVED_SEARCH_MATCH`` emails as one message a day:
those deliveries wait in status ``digest``; ``run_due`` (the schedule, which tests call
directly) sends, for every user with some waiting, one email once their local time has passed
the digest hour and none went out yet on that local date. The claim is the same
``SKIP LOCKED`` status change as the dispatcher's, so two runners never send one twice; a
failure puts the batch back for the next run.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from datetime import timedelta

from common.db import transaction
from subgraphs.notifications.channels.email import EmailChannel
from subgraphs.notifications.channels.ports import DeliveryFailure
from subgraphs.notifications.records import Channel, DeliveryStatus, Kind
from subgraphs.notifications.service.delivery import RetryPolicy
from subgraphs.notifications.service.delivery_plan import OFF
from subgraphs.notifications.service.dependencies import Dependencies

log = logging.getLogger("realio.notifications.digest")


class DigestService:
    def __init__(
        self,
        deps: Dependencies,
        email: EmailChannel,
        *,
        hour: int = 8,
        policy: RetryPolicy | None = None,
        lease: timedelta = timedelta(minutes=5),
    ) -> None:
        self.deps = deps
        self.email = email
        self.hour = hour
        self.policy = policy or RetryPolicy()
        self.lease = lease

    async def run(self, interval: float, stop: asyncio.Event) -> None:
        while not stop.is_set():
            try:
                await self.run_due()
            except Exception:
                log.exception("the digest run failed; retrying at the next interval")
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), interval)

    async def run_due(self, *, limit: int = 1000) -> int:
        """Send every digest that is due now; returns how many emails went out."""
        now = self.deps.clock()
        async with self.deps.sessions() as session:
            users = await self.deps.deliveries.digest_users(session, limit)
            preferences = await self.deps.preferences.get_many(session, users)
        sent = 0
        for user_id in users:
            prefs = preferences[user_id]
            local = now.astimezone(prefs.settings.zone)
            if local.hour < self.hour or prefs.settings.last_digest_on == local.date():
                continue
            async with transaction(self.deps.sessions) as session:
                claims = await self.deps.deliveries.claim_digest(
                    session, user_id, now, lease=self.lease
                )
            if not claims:
                continue
            keys = [c.key for c in claims]
            if not prefs.enabled(Kind.SAVED_SEARCH_MATCH, Channel.EMAIL):
                async with transaction(self.deps.sessions) as session:
                    await self.deps.deliveries.failed(
                        session, [(k, OFF) for k in keys], now, status=DeliveryStatus.SKIPPED
                    )
                continue
            async with self.deps.sessions() as session:
                found = await self.deps.notifications.get_many(session, [k[0] for k in keys])
                recipient = (await self.deps.directory.recipients(session, [user_id])).get(user_id)
            items = sorted(found.values(), key=lambda n: n.created_at)
            try:
                if recipient is None:
                    raise DeliveryFailure("recipient unknown", retryable=False)
                await self.email.deliver(self.email.compose_digest(recipient, items))
            except DeliveryFailure as failure:
                attempts = max(c.attempts for c in claims)
                async with transaction(self.deps.sessions) as session:
                    if failure.retryable and attempts < self.policy.max_attempts:
                        await self.deps.deliveries.retry(
                            session,
                            [(k, now, failure.message) for k in keys],
                            now,
                            status=DeliveryStatus.DIGEST,
                        )
                    else:
                        await self.deps.deliveries.failed(
                            session, [(k, failure.message) for k in keys], now
                        )
                continue
            async with transaction(self.deps.sessions) as session:
                await self.deps.deliveries.delivered(session, keys, now)
                await self.deps.preferences.mark_digest_sent(session, user_id, local.date(), now)
            sent += 1
        return sent
