"""The durable schedule: reminders due before confirmed viewings, and viewings completing.

Both are rows in the database, claimed with ``FOR UPDATE SKIP LOCKED`` in the transaction
that writes their events, so any number of bookings processes may run ``run_due`` at once
and each reminder (and each completion) is emitted exactly once.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from subgraphs.bookings.records import BookingStatus
from subgraphs.bookings.service import events
from subgraphs.bookings.service.dependencies import Dependencies, unit_of_work

BATCH = 200


@dataclass(frozen=True)
class ScheduleRun:
    reminders_sent: int
    completed: int


class ScheduleService:
    def __init__(self, deps: Dependencies) -> None:
        self.deps = deps

    async def run_due(self, now: datetime | None = None) -> ScheduleRun:
        """Emit every reminder due by ``now`` and complete every confirmed viewing that ended."""
        now = now or self.deps.clock()
        sent = completed = 0
        while True:
            batch = await self._send_reminders(now)
            sent += batch
            if batch < BATCH:
                break
        while True:
            batch = await self._complete(now)
            completed += batch
            if batch < BATCH:
                break
        return ScheduleRun(sent, completed)

    async def _send_reminders(self, now: datetime) -> int:
        async with unit_of_work(self.deps) as work:
            claimed = await self.deps.reminders.claim_due(work.session, now, BATCH)
            if not claimed:
                return 0
            found = await self.deps.bookings.get_many(work.session, [b for b, _ in claimed])
            for booking_id, kind in claimed:
                work.publish(events.reminder_due(found[booking_id], kind))
            await self.deps.reminders.mark_sent(work.session, claimed, now)
        return len(claimed)

    async def _complete(self, now: datetime) -> int:
        async with unit_of_work(self.deps) as work:
            ended = await self.deps.bookings.passed_confirmed(work.session, now, BATCH)
            for current in ended:
                booking = await self.deps.bookings.update(
                    work.session, current.id, {"status": BookingStatus.COMPLETED.value}
                )
                await self.deps.reminders.clear(work.session, current.id)
                work.publish(events.booking_event(events.COMPLETED, booking))
        return len(ended)
