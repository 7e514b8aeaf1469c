"""Viewing slots from opening hours: pure computation, no I/O.

Opening hours are local wall-clock times in the property's time zone. Slots step through each
interval on the wall clock (09:00, 09:30, …) and are converted to UTC one by one, so a
daylight-saving change never shifts the grid: a wall time that does not exist that night (the
spring-forward gap) offers no slot, and a wall time that happens twice (the fall-back hour)
offers one slot, at its first occurrence. Slots are therefore unique by their UTC start.
"""

from __future__ import annotations

import bisect
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from subgraphs.bookings.records import OpeningInterval, Slot, ViewingSettings

# Slot starts, lengths and opening hours are multiples of this, so bookings occupy whole cells
# of a grid shared by every property and buyer (see decision 0011).
CELL_MINUTES = 5
CELL = timedelta(minutes=CELL_MINUTES)
MAX_RANGE_DAYS = 92
MAX_SLOT_MINUTES = 240
MAX_DURATION = timedelta(minutes=MAX_SLOT_MINUTES)


class SlotRejected(Exception):
    """Why a start time cannot be booked: ``reason`` is a stable code, ``message`` says it."""

    def __init__(self, reason: str, message: str) -> None:
        super().__init__(message)
        self.reason = reason
        self.message = message


@dataclass(frozen=True, slots=True)
class Held:
    """Time a booking holds on a property's calendar (pending or confirmed)."""

    starts_at: datetime
    ends_at: datetime


def intervals_on(settings: ViewingSettings, day: date) -> list[OpeningInterval]:
    """The local opening intervals of ``day``: weekly hours plus or minus its exception."""
    exception = next((e for e in settings.exceptions if e.date == day), None)
    if exception is not None and exception.closed:
        return []
    intervals = [
        OpeningInterval(h.start, h.end)
        for h in settings.weekly_hours
        if h.weekday.number == day.weekday()
    ]
    if exception is not None:
        intervals.extend(exception.hours)
    return intervals


def wall_time_to_utc(day: date, wall: time, zone: ZoneInfo) -> datetime | None:
    """The UTC instant of a local wall time (its first occurrence), or None when that wall
    time does not exist on ``day`` (skipped by a daylight-saving change)."""
    local = datetime.combine(day, wall, tzinfo=zone)  # fold=0: the first occurrence
    instant = local.astimezone(UTC)
    if instant.astimezone(zone).replace(tzinfo=None) != local.replace(tzinfo=None):
        return None
    return instant


def slot_starts_on(settings: ViewingSettings, day: date) -> list[datetime]:
    """Every slot start of one local day, in UTC, sorted and unique."""
    zone = settings.zone
    length = settings.slot_length
    starts: set[datetime] = set()
    for interval in intervals_on(settings, day):
        cursor = datetime.combine(day, interval.start)
        end = datetime.combine(day, interval.end)
        while cursor + length <= end:
            instant = wall_time_to_utc(day, cursor.time(), zone)
            if instant is not None:
                starts.add(instant)
            cursor += length
    return sorted(starts)


def _days(start: datetime, end: datetime, zone: ZoneInfo) -> Iterable[date]:
    first = start.astimezone(zone).date() - timedelta(days=1)
    last = end.astimezone(zone).date() + timedelta(days=1)
    day = first
    while day <= last:
        yield day
        day += timedelta(days=1)


def bookable_window(settings: ViewingSettings, now: datetime) -> tuple[datetime, datetime]:
    """[earliest, latest] start a booking made at ``now`` may have."""
    earliest = now + timedelta(minutes=settings.minimum_notice_minutes)
    return earliest, now + timedelta(days=settings.horizon_days)


def free_slots(
    settings: ViewingSettings,
    start: datetime,
    end: datetime,
    *,
    now: datetime,
    held: Sequence[Held],
) -> list[Slot]:
    """Free slots starting in [start, end): on the grid, within notice and horizon, not held."""
    earliest, latest = bookable_window(settings, now)
    lower, upper = max(start, earliest), min(end, latest + timedelta(microseconds=1))
    if lower >= upper:
        return []
    ordered = sorted(held, key=lambda h: h.starts_at)
    starts = [h.starts_at for h in ordered]
    length = settings.slot_length
    slots: list[Slot] = []
    for day in _days(lower, upper, settings.zone):
        for slot_start in slot_starts_on(settings, day):
            if not lower <= slot_start < upper:
                continue
            slot_end = slot_start + length
            index = bisect.bisect_left(starts, slot_end) - 1
            if index >= 0 and ordered[index].ends_at > slot_start:
                continue
            slots.append(Slot(slot_start, slot_end, settings.time_zone))
    slots.sort(key=lambda s: s.starts_at)
    return slots


def check_start(settings: ViewingSettings, start: datetime, *, now: datetime) -> Slot:
    """The slot starting at ``start`` when the opening hours offer it at ``now``; otherwise
    ``SlotRejected`` saying why (past, notice, horizon, closed, off the grid). Whether another
    booking holds it is the database's to say."""
    if start <= now:
        raise SlotRejected("PAST", "That time is in the past.")
    earliest, latest = bookable_window(settings, now)
    if start < earliest:
        raise SlotRejected(
            "MINIMUM_NOTICE",
            f"Viewings must be booked at least {settings.minimum_notice_minutes} minutes ahead.",
        )
    if start > latest:
        raise SlotRejected(
            "BEYOND_HORIZON",
            f"Viewings can be booked at most {settings.horizon_days} days ahead.",
        )
    zone = settings.zone
    local = start.astimezone(zone)
    day = local.date()
    if start in slot_starts_on(settings, day):
        return Slot(start, start + settings.slot_length, settings.time_zone)
    wall = local.replace(tzinfo=None)
    for interval in intervals_on(settings, day):
        if datetime.combine(day, interval.start) <= wall < datetime.combine(day, interval.end):
            raise SlotRejected(
                "NOT_ON_SLOT_GRID",
                f"Viewings start every {settings.slot_minutes} minutes from the opening time.",
            )
    raise SlotRejected("OUTSIDE_OPENING_HOURS", "The property is not open for viewings then.")


def cells(start: datetime, end: datetime) -> list[datetime]:
    """The grid cells [start, end) covers; both ends lie on the grid."""
    result = []
    cursor = start
    while cursor < end:
        result.append(cursor)
        cursor += CELL
    return result


def on_cell_grid(instant: datetime) -> bool:
    epoch = instant.astimezone(UTC).timestamp()
    return epoch % (CELL_MINUTES * 60) == 0
