"""Slot computation: the grid, time zones, daylight-saving changes, exceptions, notice."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime, time, timedelta

import pytest

from subgraphs.bookings.records import (
    DateException,
    OpeningInterval,
    ViewingSettings,
    Weekday,
    WeeklyHours,
)
from subgraphs.bookings.slots import Held, SlotRejected, check_start, free_slots, slot_starts_on

EVERY_DAY = tuple(Weekday)


def settings(
    zone: str = "America/New_York",
    hours: tuple[tuple[str, str], ...] = (("09:00", "12:00"),),
    days: tuple[Weekday, ...] = EVERY_DAY,
    *,
    slot: int = 30,
    notice: int = 0,
    horizon: int = 400,
    exceptions: tuple[DateException, ...] = (),
) -> ViewingSettings:
    return ViewingSettings(
        property_id=uuid.uuid4(),
        time_zone=zone,
        weekly_hours=tuple(
            WeeklyHours(day, time.fromisoformat(start), time.fromisoformat(end))
            for day in days
            for start, end in hours
        ),
        exceptions=exceptions,
        slot_minutes=slot,
        minimum_notice_minutes=notice,
        horizon_days=horizon,
        auto_confirm=False,
    )


def utc(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


LONG_AGO = utc("2026-06-01T00:00:00")


def test_slots_step_through_each_interval_in_local_time_and_convert_to_utc() -> None:
    starts = slot_starts_on(settings(), date(2026, 7, 1))  # EDT, UTC-4
    assert starts[0] == utc("2026-07-01T13:00:00")
    assert starts[-1] == utc("2026-07-01T15:30:00")  # 11:30–12:00 is the last that fits
    assert len(starts) == 6


def test_a_slot_that_would_run_past_closing_is_not_offered() -> None:
    starts = slot_starts_on(settings(hours=(("09:00", "10:15"),), slot=30), date(2026, 7, 1))
    assert [s.astimezone(UTC).strftime("%H:%M") for s in starts] == ["13:00", "13:30"]


def test_spring_forward_keeps_local_times_and_skips_the_hour_that_does_not_exist() -> None:
    night = settings(hours=(("01:00", "04:00"),), slot=30)
    day = date(2026, 3, 8)  # US clocks go 02:00 → 03:00
    local = [s.astimezone(night.zone).strftime("%H:%M") for s in slot_starts_on(night, day)]
    assert local == ["01:00", "01:30", "03:00", "03:30"]
    morning = slot_starts_on(settings(), day)
    assert [s.astimezone(morning[0].tzinfo).strftime("%H:%M") for s in morning][:1] == ["13:00"]
    # 09:00 local is 13:00 UTC after the change (EDT), 14:00 the day before (EST): no shift.
    assert slot_starts_on(settings(), date(2026, 3, 7))[0] == utc("2026-03-07T14:00:00")


def test_fall_back_offers_the_repeated_hour_once() -> None:
    night = settings(hours=(("00:30", "03:00"),), slot=30)
    starts = slot_starts_on(night, date(2026, 11, 1))  # 02:00 EDT → 01:00 EST
    assert len(starts) == len(set(starts))
    local = [s.astimezone(night.zone).strftime("%H:%M") for s in starts]
    assert local == ["00:30", "01:00", "01:30", "02:00", "02:30"]
    assert starts[1] == utc("2026-11-01T05:00:00")  # 01:00 EDT, the first occurrence


def test_free_slots_across_a_dst_change_neither_shift_nor_duplicate() -> None:
    weekly = settings()
    slots = free_slots(
        weekly, utc("2026-10-30T00:00:00"), utc("2026-11-03T00:00:00"), now=LONG_AGO, held=[]
    )
    local = {(s.local_starts_at.date(), s.local_starts_at.strftime("%H:%M")) for s in slots}
    assert len(local) == len(slots) == 4 * 6
    assert {hm for _, hm in local} == {"09:00", "09:30", "10:00", "10:30", "11:00", "11:30"}


def test_a_closed_date_offers_nothing_and_extra_hours_add_slots() -> None:
    closed = DateException(date(2026, 7, 1), closed=True)
    extra = DateException(
        date(2026, 7, 2), closed=False, hours=(OpeningInterval(time(18, 0), time(19, 0)),)
    )
    weekly = settings(exceptions=(closed, extra))
    assert slot_starts_on(weekly, date(2026, 7, 1)) == []
    local = [
        s.astimezone(weekly.zone).strftime("%H:%M") for s in slot_starts_on(weekly, extra.date)
    ]
    assert local[-2:] == ["18:00", "18:30"]
    assert len(local) == 8


def test_weekly_hours_apply_only_on_their_weekday() -> None:
    weekdays = settings(days=(Weekday.MONDAY,))
    assert slot_starts_on(weekdays, date(2026, 7, 6)) != []  # a Monday
    assert slot_starts_on(weekdays, date(2026, 7, 7)) == []


def test_time_zones_place_the_same_local_hours_at_different_instants() -> None:
    tokyo = slot_starts_on(settings("Asia/Tokyo"), date(2026, 7, 1))
    kathmandu = slot_starts_on(settings("Asia/Kathmandu"), date(2026, 7, 1))  # UTC+05:45
    assert tokyo[0] == utc("2026-07-01T00:00:00")
    assert kathmandu[0] == utc("2026-07-01T03:15:00")


def test_held_slots_past_slots_and_those_inside_the_notice_are_left_out() -> None:
    weekly = settings(notice=60)
    now = utc("2026-07-01T13:10:00")  # 09:10 local
    held = [Held(utc("2026-07-01T14:30:00"), utc("2026-07-01T15:00:00"))]
    slots = free_slots(
        weekly, utc("2026-07-01T00:00:00"), utc("2026-07-02T00:00:00"), now=now, held=held
    )
    local = [s.local_starts_at.strftime("%H:%M") for s in slots]
    assert local == ["11:00", "11:30"]
    assert "10:30" not in local  # held
    assert "10:00" not in local  # 50 minutes ahead, inside the hour of notice


def test_a_hold_starting_inside_a_longer_slot_blocks_it() -> None:
    weekly = settings(slot=60)
    held = [Held(utc("2026-07-01T13:30:00"), utc("2026-07-01T14:00:00"))]
    slots = free_slots(
        weekly, utc("2026-07-01T00:00:00"), utc("2026-07-02T00:00:00"), now=LONG_AGO, held=held
    )
    assert [s.local_starts_at.strftime("%H:%M") for s in slots] == ["10:00", "11:00"]


def test_the_horizon_bounds_the_slots_offered() -> None:
    weekly = settings(horizon=2)
    now = utc("2026-07-01T00:00:00")
    slots = free_slots(weekly, now, now + timedelta(days=10), now=now, held=[])
    assert {s.local_starts_at.date() for s in slots} == {
        date(2026, 6, 30) + timedelta(days=d) for d in (1, 2)
    }


@pytest.mark.parametrize(
    ("start", "reason"),
    [
        ("2026-06-30T13:00:00", "PAST"),
        ("2026-07-01T13:30:00", "MINIMUM_NOTICE"),
        ("2026-09-01T13:00:00", "BEYOND_HORIZON"),
        ("2026-07-02T20:00:00", "OUTSIDE_OPENING_HOURS"),
        ("2026-07-02T13:15:00", "NOT_ON_SLOT_GRID"),
    ],
)
def test_a_start_the_hours_do_not_offer_is_rejected_saying_why(start: str, reason: str) -> None:
    weekly = settings(notice=120, horizon=60)
    with pytest.raises(SlotRejected) as rejected:
        check_start(weekly, utc(start), now=utc("2026-07-01T12:00:00"))
    assert rejected.value.reason == reason


def test_a_start_on_the_grid_within_hours_is_accepted() -> None:
    weekly = settings(notice=120)
    slot = check_start(weekly, utc("2026-07-02T13:30:00"), now=utc("2026-07-01T12:00:00"))
    assert slot.ends_at - slot.starts_at == timedelta(minutes=30)
