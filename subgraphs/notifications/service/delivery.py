"""The dispatcher: sends due deliveries off the request path, at most once per channel.

Each pass claims due rows (``pending`` → ``sending`` with ``FOR UPDATE SKIP LOCKED``, so two
dispatchers, in one process or many, never hold the same row), sends them with bounded
concurrency, and records each outcome only while the row is still its claim. A failure that
may pass is retried with exponential backoff until ``max_attempts``; one that cannot (a refused
address, a device gone) fails at once. SMS and push due inside the user's quiet hours go back
to ``pending`` until the hours end, their attempt given back. A claim whose dispatcher died
mid-send is failed as "outcome unknown" instead of being sent a second time (decision 0024).

With the short-lived state (decisions 0027, 0035) each batch also asks, in one round trip each:
- the per-user send limits: a send past its user's limit for the channel in the current window
  goes back to ``pending`` until the next window, its attempt given back;
- the de-duplication keys: a send claims ``(notification, channel)`` before it goes; a key
  already held (an earlier attempt whose outcome is unknown) fails the row as "outcome unknown"
  instead of sending again; a failure the channel reports (nothing was sent) gives the key back
  so the retry can claim it. The delivery row stays the guard: without Redis nothing changes.

``run_once`` is what tests drive; ``run`` loops it, woken early whenever a new notification
queues deliveries.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from common.db import transaction
from subgraphs.notifications.channels.ports import ChannelSender, DeliveryFailure, Outgoing
from subgraphs.notifications.delivery_records import Claim
from subgraphs.notifications.records import Channel, DeliveryStatus
from subgraphs.notifications.service.delivery_plan import OFF
from subgraphs.notifications.service.dependencies import Dependencies
from subgraphs.notifications.service.state import NotificationState

log = logging.getLogger("realio.notifications.delivery")
Key = tuple[uuid.UUID, Channel]


@dataclass(frozen=True)
class RetryPolicy:
    """Attempt n (1-based) failing waits ``base * 2**(n-1)``, at most ``cap``."""

    max_attempts: int = 5
    base: timedelta = timedelta(seconds=30)
    cap: timedelta = timedelta(hours=1)

    def delay(self, attempts: int) -> timedelta:
        return min(self.cap, self.base * (2 ** max(0, attempts - 1)))


@dataclass(frozen=True)
class SendLimits:
    """At most ``per_channel[channel]`` sends to one user a ``window_seconds`` window (fixed,
    aligned to the epoch); a channel missing or at 0 has no limit."""

    per_channel: Mapping[str, int] = field(default_factory=dict)
    window_seconds: int = 3600

    def next_window(self, now: datetime) -> datetime:
        start = int(now.timestamp()) // self.window_seconds * self.window_seconds
        return datetime.fromtimestamp(start + self.window_seconds, UTC)


LIMITED = "send limit reached; waiting for the next window"
CLAIMED_BEFORE = "outcome unknown: an earlier attempt holds its de-duplication key"


@dataclass
class DispatchReport:
    delivered: int = 0
    retried: int = 0
    failed: int = 0
    skipped: int = 0
    deferred: int = 0
    abandoned: int = 0

    @property
    def handled(self) -> int:
        return self.delivered + self.retried + self.failed + self.skipped + self.deferred


@dataclass
class _Outcomes:
    delivered: list[Key]
    retry: list[tuple[Key, datetime, str | None]]
    deferred: list[tuple[Key, datetime, str | None]]
    failed: list[tuple[Key, str]]
    skipped: list[tuple[Key, str]]


class Dispatcher:
    def __init__(
        self,
        deps: Dependencies,
        senders: Mapping[Channel, ChannelSender],
        *,
        policy: RetryPolicy | None = None,
        batch: int = 200,
        concurrency: int = 10,
        lease: timedelta = timedelta(minutes=5),
        state: NotificationState | None = None,
        limits: SendLimits | None = None,
    ) -> None:
        self.deps = deps
        self.state = state
        self.limits = limits or SendLimits()
        self.senders = dict(senders)
        self.policy = policy or RetryPolicy()
        self.batch = batch
        self.lease = lease
        self._limit = asyncio.Semaphore(concurrency)
        self._wake = asyncio.Event()

    # -- driving --------------------------------------------------------------------------------

    def wake(self) -> None:
        """Run a pass soon (a notification just queued deliveries)."""
        self._wake.set()

    async def run(self, interval: float, stop: asyncio.Event) -> None:
        """Pass after pass until ``stop``: every ``interval`` seconds, or sooner when woken."""
        while not stop.is_set():
            self._wake.clear()
            try:
                await self.run_once()
            except Exception:
                log.exception("a delivery pass failed; retrying at the next interval")
            waiting = [asyncio.ensure_future(stop.wait()), asyncio.ensure_future(self._wake.wait())]
            with contextlib.suppress(TimeoutError):
                await asyncio.wait(waiting, timeout=interval, return_when=asyncio.FIRST_COMPLETED)
            for task in waiting:
                task.cancel()

    async def run_once(self) -> DispatchReport:
        """Claim and send everything due now, batch after batch, until nothing is due."""
        report = DispatchReport()
        async with transaction(self.deps.sessions) as session:
            report.abandoned = await self.deps.deliveries.abandon_expired(
                session, self.deps.clock()
            )
        while True:
            now = self.deps.clock()
            async with transaction(self.deps.sessions) as session:
                claims = await self.deps.deliveries.claim_due(
                    session, now, limit=self.batch, lease=self.lease
                )
            if not claims:
                return report
            await self._handle(claims, now, report)

    # -- one batch ----------------------------------------------------------------------------

    async def _handle(self, claims: Sequence[Claim], now: datetime, report: DispatchReport) -> None:
        users = list(dict.fromkeys(c.user_id for c in claims))
        async with self.deps.sessions() as session:
            found = await self.deps.notifications.get_many(
                session, list(dict.fromkeys(c.notification_id for c in claims))
            )
            recipients = await self.deps.directory.recipients(session, users)
            preferences = await self.deps.preferences.get_many(session, users)
            push_users = [c.user_id for c in claims if c.channel is Channel.PUSH]
            devices = await self.deps.devices.tokens(session, push_users)
        outcomes = _Outcomes([], [], [], [], [])
        sending: list[tuple[Claim, Outgoing]] = []
        for claim in claims:
            notification = found.get(claim.notification_id)
            prefs = preferences[claim.user_id]
            sender = self.senders.get(claim.channel)
            if notification is None or sender is None:
                outcomes.skipped.append((claim.key, "channel not configured"))
            elif not prefs.enabled(notification.kind, claim.channel):
                outcomes.skipped.append((claim.key, OFF))
            elif (until := prefs.wait_until(claim.channel, now)) is not None:
                outcomes.deferred.append((claim.key, until, "waiting for quiet hours to end"))
            else:
                outgoing = Outgoing(
                    notification, recipients.get(claim.user_id), devices.get(claim.user_id, [])
                )
                sending.append((claim, outgoing))
        sending = await self._within_limits(sending, now, outcomes)
        sending = await self._claim_keys(sending, outcomes)
        results = await asyncio.gather(*(self._send(c, o) for c, o in sending))
        given_back: list[tuple[uuid.UUID, str]] = []
        for (claim, _), failure in zip(sending, results, strict=True):
            self._judge(claim, failure, now, outcomes)
            if failure is not None:  # the channel sent nothing: a retry may claim again
                given_back.append((claim.notification_id, claim.channel.value))
        if self.state is not None:
            await self.state.release_deliveries(given_back)
        await self._record(outcomes, report)

    async def _within_limits(
        self, sending: list[tuple[Claim, Outgoing]], now: datetime, outcomes: _Outcomes
    ) -> list[tuple[Claim, Outgoing]]:
        """The sends the users' limits allow now; the others wait for the next window."""
        if self.state is None or not self.limits.per_channel or not sending:
            return sending
        allowed = await self.state.reserve_sends(
            [(c.user_id, c.channel.value) for c, _ in sending],
            self.limits.per_channel,
            window_seconds=self.limits.window_seconds,
            now=now,
        )
        later = self.limits.next_window(now)
        kept = []
        for item, ok in zip(sending, allowed, strict=True):
            if ok:
                kept.append(item)
            else:
                outcomes.deferred.append((item[0].key, later, LIMITED))
        return kept

    async def _claim_keys(
        self, sending: list[tuple[Claim, Outgoing]], outcomes: _Outcomes
    ) -> list[tuple[Claim, Outgoing]]:
        """The sends whose de-duplication key this pass won."""
        if self.state is None or not sending:
            return sending
        won = await self.state.claim_deliveries(
            [(c.notification_id, c.channel.value) for c, _ in sending]
        )
        kept = []
        for item, first in zip(sending, won, strict=True):
            if first:
                kept.append(item)
            else:
                outcomes.failed.append((item[0].key, CLAIMED_BEFORE))
        return kept

    async def _send(self, claim: Claim, outgoing: Outgoing) -> DeliveryFailure | None:
        async with self._limit:
            try:
                await self.senders[claim.channel].send(outgoing)
            except DeliveryFailure as failure:
                return failure
            except Exception as error:  # an adapter bug must not stop the other deliveries
                log.exception("channel %s raised", claim.channel.value)
                return DeliveryFailure(f"{type(error).__name__}: {error}")
            return None

    def _judge(
        self, claim: Claim, failure: DeliveryFailure | None, now: datetime, outcomes: _Outcomes
    ) -> None:
        if failure is None:
            outcomes.delivered.append(claim.key)
        elif failure.retryable and claim.attempts < self.policy.max_attempts:
            later = now + self.policy.delay(claim.attempts)
            outcomes.retry.append((claim.key, later, failure.message[:1000]))
        else:
            outcomes.failed.append((claim.key, failure.message[:1000]))

    async def _record(self, outcomes: _Outcomes, report: DispatchReport) -> None:
        repo = self.deps.deliveries
        now = self.deps.clock()
        async with transaction(self.deps.sessions) as session:
            await repo.delivered(session, outcomes.delivered, now)
            await repo.retry(session, outcomes.retry, now)
            await repo.retry(session, outcomes.deferred, now, uncount=True)
            await repo.failed(session, outcomes.failed, now)
            await repo.failed(session, outcomes.skipped, now, status=DeliveryStatus.SKIPPED)
        report.delivered += len(outcomes.delivered)
        report.retried += len(outcomes.retry)
        report.deferred += len(outcomes.deferred)
        report.failed += len(outcomes.failed)
        report.skipped += len(outcomes.skipped)
        for key, error in outcomes.failed:
            log.warning("delivery failed for good", extra={"key": str(key), "error": error})
