"""Quiet hours, backoff and channel planning: the pure rules of delivery."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

from subgraphs.notifications.delivery_records import (
    DeliverySettings,
    Preferences,
    QuietHours,
)
from subgraphs.notifications.records import Channel, DeliveryStatus, Draft, Kind, Recipient
from subgraphs.notifications.service.delivery import RetryPolicy
from subgraphs.notifications.service.delivery_plan import plan_one

PARIS = ZoneInfo("Europe/Paris")
NIGHT = QuietHours(time(22), time(7))


def test_quiet_hours_spanning_midnight_end_the_next_morning() -> None:
    at = datetime(2026, 12, 10, 22, 30, tzinfo=UTC)  # 23:30 Paris
    assert NIGHT.ends_after(at, PARIS) == datetime(2026, 12, 11, 6, tzinfo=UTC)
    early = datetime(2026, 12, 11, 4, tzinfo=UTC)  # 05:00 Paris, same night
    assert NIGHT.ends_after(early, PARIS) == datetime(2026, 12, 11, 6, tzinfo=UTC)
    assert NIGHT.ends_after(datetime(2026, 12, 11, 6, tzinfo=UTC), PARIS) is None
    assert NIGHT.ends_after(datetime(2026, 12, 10, 20, 59, tzinfo=UTC), PARIS) is None


def test_quiet_hours_within_one_day() -> None:
    lunch = QuietHours(time(12), time(14))
    assert lunch.contains(time(12)) and lunch.contains(time(13, 59))
    assert not lunch.contains(time(14)) and not lunch.contains(time(11, 59))
    at = datetime(2026, 6, 1, 10, 30, tzinfo=UTC)  # 12:30 in Paris (summer time)
    assert lunch.ends_after(at, PARIS) == datetime(2026, 6, 1, 12, tzinfo=UTC)


def test_quiet_hours_follow_the_clock_change() -> None:
    # The night Paris moves to summer time (29 March 2026): 07:00 local is 05:00 UTC.
    at = datetime(2026, 3, 28, 23, tzinfo=UTC)
    assert NIGHT.ends_after(at, PARIS) == datetime(2026, 3, 29, 5, tzinfo=UTC)


def test_backoff_doubles_up_to_its_cap() -> None:
    policy = RetryPolicy(base=timedelta(seconds=30), cap=timedelta(minutes=5))
    assert [policy.delay(n).total_seconds() for n in range(1, 7)] == [30, 60, 120, 240, 300, 300]


def test_only_sms_and_push_wait_for_quiet_hours() -> None:
    prefs = Preferences(uuid.uuid4(), settings=DeliverySettings("Europe/Paris", NIGHT))
    at = datetime(2026, 12, 10, 22, 30, tzinfo=UTC)
    assert prefs.wait_until(Channel.EMAIL, at) is None
    assert prefs.wait_until(Channel.IN_APP, at) is None
    assert prefs.wait_until(Channel.SMS, at) == datetime(2026, 12, 11, 6, tzinfo=UTC)
    assert prefs.wait_until(Channel.PUSH, at) == datetime(2026, 12, 11, 6, tzinfo=UTC)


def _plan(
    recipient: Recipient | None, prefs: Preferences, devices: list[str], kind: Kind
) -> dict[Channel, tuple[DeliveryStatus, str | None]]:
    draft = Draft(user_id=prefs.user_id, kind=kind, title="t", body="b")
    now = datetime(2026, 1, 1, tzinfo=UTC)
    return {
        p.channel: (p.status, p.last_error) for p in plan_one(draft, recipient, prefs, devices, now)
    }


def test_plan_for_an_unknown_user_without_devices_is_in_app_only() -> None:
    prefs = Preferences(uuid.uuid4())
    assert _plan(None, prefs, [], Kind.ANNOUNCEMENT) == {
        Channel.IN_APP: (DeliveryStatus.DELIVERED, None)
    }


def test_plan_follows_preferences_addresses_and_the_digest() -> None:
    user = uuid.uuid4()
    prefs = Preferences(
        user,
        overrides={(Kind.SAVED_SEARCH_MATCH, Channel.SMS): True},
        settings=DeliverySettings(saved_search_digest=True),
    )
    recipient = Recipient(user, "buyer", "Bea", email="bea@example.test", phone=None, verified=True)
    planned = _plan(recipient, prefs, ["device"], Kind.SAVED_SEARCH_MATCH)
    assert planned == {
        Channel.IN_APP: (DeliveryStatus.DELIVERED, None),
        Channel.EMAIL: (DeliveryStatus.DIGEST, None),
        Channel.SMS: (DeliveryStatus.SKIPPED, "no phone number"),
        Channel.PUSH: (DeliveryStatus.PENDING, None),
    }
    other = _plan(recipient, prefs, [], Kind.BOOKING_CONFIRMED)
    assert other[Channel.EMAIL] == (DeliveryStatus.PENDING, None)
    assert other[Channel.SMS] == (DeliveryStatus.SKIPPED, "turned off in preferences")
    assert other[Channel.PUSH] == (DeliveryStatus.SKIPPED, "no push device registered")
