"""Quiet hours in the user's time zone hold SMS and push until they end; email and in-app go."""

from __future__ import annotations

from datetime import UTC, datetime

from tests.integration.notifications.delivery.world import DeliveryWorld, channel_settings


async def test_sms_and_push_wait_for_quiet_hours_to_end_while_email_goes_at_once(
    dworld: DeliveryWorld,
) -> None:
    buyer = dworld.person(phone="+33612345678")
    await dworld.register_device(buyer, "quiet-" + buyer.id.hex)
    await dworld.update(
        buyer,
        channels=channel_settings([("BOOKING_CONFIRMED", "SMS", True)]),
        timeZone="Europe/Paris",
        quietHours={"start": "22:00", "end": "07:00"},
    )
    # 23:30 in Paris (UTC+1 in December): quiet until 07:00 Paris, 06:00 UTC.
    dworld.clock.now = datetime(2026, 12, 10, 22, 30, tzinfo=UTC)
    notification_id = await dworld.notify(buyer)
    assert notification_id is not None

    await dworld.services.dispatcher.run_once()
    rows = await dworld.deliveries(notification_id)
    assert rows["email"]["status"] == "delivered"
    assert rows["in_app"]["status"] == "delivered"
    morning = datetime(2026, 12, 11, 6, 0, tzinfo=UTC)
    for channel in ("sms", "push"):
        assert rows[channel]["status"] == "pending"
        assert rows[channel]["attempts"] == 0
        assert rows[channel]["next_attempt_at"] == morning
    assert [m for m in dworld.providers.sms if m["to"] == "+33612345678"] == []

    dworld.clock.now = datetime(2026, 12, 11, 5, 59, tzinfo=UTC)
    await dworld.services.dispatcher.run_once()
    assert (await dworld.deliveries(notification_id))["sms"]["status"] == "pending"

    dworld.clock.now = morning
    await dworld.services.dispatcher.run_once()
    rows = await dworld.deliveries(notification_id)
    assert (rows["sms"]["status"], rows["sms"]["attempts"]) == ("delivered", 1)
    assert (rows["push"]["status"], rows["push"]["attempts"]) == ("delivered", 1)
    assert len([m for m in dworld.providers.sms if m["to"] == "+33612345678"]) == 1


async def test_outside_quiet_hours_sms_goes_at_once(dworld: DeliveryWorld) -> None:
    buyer = dworld.person(phone="+33612345679")
    await dworld.update(
        buyer,
        channels=channel_settings([("BOOKING_CONFIRMED", "SMS", True)]),
        timeZone="Europe/Paris",
        quietHours={"start": "22:00", "end": "07:00"},
    )
    dworld.clock.now = datetime(2026, 12, 10, 12, 0, tzinfo=UTC)  # 13:00 in Paris
    notification_id = await dworld.notify(buyer)
    assert notification_id is not None
    await dworld.services.dispatcher.run_once()
    assert (await dworld.deliveries(notification_id))["sms"]["status"] == "delivered"
