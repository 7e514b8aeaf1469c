"""Input rules of bookings; each failure is BAD_USER_INPUT naming the field the client sent
(``startsAt``, ``input.weeklyHours[1].end``)."""

from __future__ import annotations

import re
import unicodedata
import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

from common.errors import BadUserInput
from subgraphs.bookings.records import DateException, OpeningInterval, Weekday, WeeklyHours
from subgraphs.bookings.slots import CELL_MINUTES, MAX_SLOT_MINUTES, on_cell_grid

_HH_MM = re.compile(r"^(?P<h>[01]\d|2[0-3]):(?P<m>[0-5]\d)$")
MIN_SLOT_MINUTES = 10
MAX_NOTICE_MINUTES = 30 * 24 * 60
MAX_HORIZON_DAYS = 365
MAX_REASON_LENGTH = 500
MAX_EXCEPTIONS = 366
DEFAULT_SLOT_MINUTES = 30
DEFAULT_NOTICE_MINUTES = 120
DEFAULT_HORIZON_DAYS = 60


def parse_id(value: str, field: str) -> uuid.UUID:
    try:
        return uuid.UUID(str(value))
    except ValueError as exc:
        raise BadUserInput(f"{field} is not a valid id.", field=field) from exc


def check_instant(value: datetime, field: str) -> datetime:
    """A timezone-aware instant in UTC; naive times are refused rather than guessed."""
    if value.tzinfo is None:
        raise BadUserInput(f"{field} must include a UTC offset (e.g. Z).", field=field)
    return value.astimezone(UTC)


def check_reason(value: str | None, field: str = "reason") -> str | None:
    if value is None:
        return None
    text = " ".join(value.split())
    if len(text) > MAX_REASON_LENGTH:
        raise BadUserInput(
            f"{field} must be at most {MAX_REASON_LENGTH} characters long.", field=field
        )
    if any(unicodedata.category(ch) == "Cc" for ch in text):
        raise BadUserInput(f"{field} must not contain control characters.", field=field)
    return text or None


def check_time_zone(value: str, field: str) -> str:
    if value not in available_timezones():
        raise BadUserInput(f"{field} is not a known IANA time zone.", field=field)
    try:
        ZoneInfo(value)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise BadUserInput(f"{field} is not a known IANA time zone.", field=field) from exc
    return value


def parse_wall_time(value: str, field: str) -> time:
    match = _HH_MM.match(value.strip())
    if match is None:
        raise BadUserInput(f"{field} must be a time of day as HH:MM (00:00–23:59).", field=field)
    parsed = time(int(match["h"]), int(match["m"]))
    if parsed.minute % CELL_MINUTES:
        raise BadUserInput(f"{field} must be a multiple of {CELL_MINUTES} minutes.", field=field)
    return parsed


def _interval(start: str, end: str, path: str) -> OpeningInterval:
    opens = parse_wall_time(start, f"{path}.start")
    closes = parse_wall_time(end, f"{path}.end")
    if closes <= opens:
        raise BadUserInput(f"{path}.end must be after {path}.start.", field=f"{path}.end")
    return OpeningInterval(opens, closes)


def _no_overlap(intervals: Sequence[tuple[OpeningInterval, str]]) -> None:
    ordered = sorted(intervals, key=lambda pair: pair[0].start)
    for (previous, _), (current, path) in zip(ordered, ordered[1:], strict=False):
        if current.start < previous.end:
            raise BadUserInput(f"{path} overlaps other opening hours of that day.", field=path)


@dataclass(frozen=True)
class HoursInput:
    start: str
    end: str


@dataclass(frozen=True)
class WeeklyHoursInput:
    weekday: Weekday
    start: str
    end: str


@dataclass(frozen=True)
class ExceptionInput:
    date: date
    closed: bool = False
    hours: Sequence[HoursInput] = ()


@dataclass(frozen=True)
class SettingsInput:
    """``setViewingSettings``' input as the schema layer hands it over (raw strings)."""

    weekly_hours: Sequence[WeeklyHoursInput]
    exceptions: Sequence[ExceptionInput] = ()
    slot_minutes: int = DEFAULT_SLOT_MINUTES
    minimum_notice_minutes: int = DEFAULT_NOTICE_MINUTES
    horizon_days: int = DEFAULT_HORIZON_DAYS
    auto_confirm: bool = False
    time_zone: str | None = None
    agent_id: uuid.UUID | None = None
    # Fields the client sent (agentId may only be changed by the owner or an admin).
    sent: frozenset[str] = field(default_factory=frozenset)


@dataclass(frozen=True)
class CheckedSettings:
    weekly_hours: tuple[WeeklyHours, ...]
    exceptions: tuple[DateException, ...]
    slot_minutes: int
    minimum_notice_minutes: int
    horizon_days: int
    auto_confirm: bool
    time_zone: str | None


def check_settings(value: SettingsInput) -> CheckedSettings:
    """The settings when every rule holds; BAD_USER_INPUT naming the first field that fails."""
    if not MIN_SLOT_MINUTES <= value.slot_minutes <= MAX_SLOT_MINUTES or (
        value.slot_minutes % CELL_MINUTES
    ):
        raise BadUserInput(
            f"input.slotMinutes must be a multiple of {CELL_MINUTES} between "
            f"{MIN_SLOT_MINUTES} and {MAX_SLOT_MINUTES}.",
            field="input.slotMinutes",
        )
    if not 0 <= value.minimum_notice_minutes <= MAX_NOTICE_MINUTES:
        raise BadUserInput(
            f"input.minimumNoticeMinutes must be between 0 and {MAX_NOTICE_MINUTES}.",
            field="input.minimumNoticeMinutes",
        )
    if not 1 <= value.horizon_days <= MAX_HORIZON_DAYS:
        raise BadUserInput(
            f"input.horizonDays must be between 1 and {MAX_HORIZON_DAYS}.",
            field="input.horizonDays",
        )
    time_zone = (
        None if value.time_zone is None else check_time_zone(value.time_zone, "input.timeZone")
    )
    weekly: list[WeeklyHours] = []
    by_day: dict[Weekday, list[tuple[OpeningInterval, str]]] = {}
    for index, hours in enumerate(value.weekly_hours):
        path = f"input.weeklyHours[{index}]"
        interval = _interval(hours.start, hours.end, path)
        by_day.setdefault(hours.weekday, []).append((interval, path))
        weekly.append(WeeklyHours(hours.weekday, interval.start, interval.end))
    for intervals in by_day.values():
        _no_overlap(intervals)
    if len(value.exceptions) > MAX_EXCEPTIONS:
        raise BadUserInput(
            f"input.exceptions may hold at most {MAX_EXCEPTIONS} dates.", field="input.exceptions"
        )
    exceptions: list[DateException] = []
    seen: set[date] = set()
    for index, exception in enumerate(value.exceptions):
        path = f"input.exceptions[{index}]"
        if exception.date in seen:
            raise BadUserInput(f"{path}.date is given twice.", field=f"{path}.date")
        seen.add(exception.date)
        if exception.closed and exception.hours:
            raise BadUserInput(f"{path} is closed, so it cannot have hours.", field=f"{path}.hours")
        if not exception.closed and not exception.hours:
            raise BadUserInput(f"{path} must either be closed or add hours.", field=f"{path}.hours")
        extra = [
            (_interval(h.start, h.end, f"{path}.hours[{i}]"), f"{path}.hours[{i}]")
            for i, h in enumerate(exception.hours)
        ]
        _no_overlap(extra)
        exceptions.append(
            DateException(exception.date, exception.closed, tuple(i for i, _ in extra))
        )
    return CheckedSettings(
        weekly_hours=tuple(weekly),
        exceptions=tuple(sorted(exceptions, key=lambda e: e.date)),
        slot_minutes=value.slot_minutes,
        minimum_notice_minutes=value.minimum_notice_minutes,
        horizon_days=value.horizon_days,
        auto_confirm=value.auto_confirm,
        time_zone=time_zone,
    )


def check_start_instant(value: datetime, field: str = "startsAt") -> datetime:
    instant = check_instant(value, field)
    if not on_cell_grid(instant):
        raise BadUserInput(
            f"{field} is not on the slot grid (slots start on whole minutes of the opening hours).",
            field=field,
            reason="NOT_ON_SLOT_GRID",
        )
    return instant


def check_range(start: datetime, end: datetime, max_days: int) -> tuple[datetime, datetime]:
    start = check_instant(start, "from")
    end = check_instant(end, "to")
    if end <= start:
        raise BadUserInput("to must be after from.", field="to")
    if (end - start).days > max_days:
        raise BadUserInput(f"from and to may be at most {max_days} days apart.", field="to")
    return start, end
