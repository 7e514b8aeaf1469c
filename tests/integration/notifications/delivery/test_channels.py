"""Email, SMS and push go out through their adapters to real local servers, with retries."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from common.auth.viewer import Role
from subgraphs.notifications.models import push_devices
from tests.integration.notifications.delivery.world import (
    DeliveryWorld,
    bodies,
    channel_settings,
)

SMS_ON = channel_settings([("BOOKING_CONFIRMED", "SMS", True)])


async def test_a_notification_is_emailed_with_html_and_text_bodies_and_an_unsubscribe_link(
    dworld: DeliveryWorld,
) -> None:
    buyer = dworld.person()
    notification_id = await dworld.notify(buyer, title="Viewing confirmed")
    assert notification_id is not None
    assert (await dworld.deliveries(notification_id))["email"]["status"] == "pending"

    await dworld.services.dispatcher.run_once()

    [mail] = dworld.mails_to(buyer)
    assert mail["Subject"] == "Viewing confirmed"
    assert mail.get_content_type() == "multipart/alternative"
    parts = bodies(mail)
    assert "Viewing confirmed" in parts["text/plain"]
    assert "<h1" in parts["text/html"] and "Viewing confirmed" in parts["text/html"]
    header = mail["List-Unsubscribe"]
    assert header.startswith("<http://links.test/links/notifications/unsubscribe/")
    assert mail["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    url = header.strip("<>")
    assert url in parts["text/plain"] and url in parts["text/html"]
    email = (await dworld.deliveries(notification_id))["email"]
    assert (email["status"], email["attempts"], email["last_error"]) == ("delivered", 1, None)


async def test_the_html_body_escapes_what_the_notification_says(dworld: DeliveryWorld) -> None:
    buyer = dworld.person()
    await dworld.notify(buyer, title="<script>alert(1)</script>", body="A & B <b>bold</b>")
    await dworld.services.dispatcher.run_once()

    [mail] = dworld.mails_to(buyer)
    text = bodies(mail)["text/html"]
    assert "<script>" not in text and "&lt;script&gt;" in text
    assert "A &amp; B &lt;b&gt;bold&lt;/b&gt;" in text


async def test_a_user_without_an_email_address_is_not_emailed(dworld: DeliveryWorld) -> None:
    buyer = dworld.person(email=False)
    notification_id = await dworld.notify(buyer)
    assert notification_id is not None
    email = (await dworld.deliveries(notification_id))["email"]
    assert (email["status"], email["last_error"]) == ("skipped", "no email address")


async def test_sms_goes_through_twilios_messages_api_once_turned_on(dworld: DeliveryWorld) -> None:
    buyer = dworld.person(phone="+14155550123")
    off = await dworld.notify(buyer)
    assert off is not None
    assert (await dworld.deliveries(off))["sms"]["last_error"] == "turned off in preferences"

    await dworld.update(buyer, channels=SMS_ON)
    notification_id = await dworld.notify(buyer, title="Viewing confirmed")
    assert notification_id is not None
    await dworld.services.dispatcher.run_once()

    [sms] = [m for m in dworld.providers.sms if m["to"] == "+14155550123"]
    assert sms["from"] == "+15005550006"
    assert sms["body"].startswith("Realio: Viewing confirmed.")
    row = (await dworld.deliveries(notification_id))["sms"]
    assert (row["status"], row["attempts"]) == ("delivered", 1)


async def test_a_number_twilio_refuses_fails_at_once_without_retrying(
    dworld: DeliveryWorld,
) -> None:
    buyer = dworld.person(phone="555-0123")
    await dworld.update(buyer, channels=SMS_ON)
    notification_id = await dworld.notify(buyer)
    assert notification_id is not None
    await dworld.services.dispatcher.run_once()

    row = (await dworld.deliveries(notification_id))["sms"]
    assert (row["status"], row["attempts"]) == ("failed", 1)
    assert "21211" in row["last_error"]


async def test_a_failure_is_retried_with_backoff_until_it_goes_through(
    dworld: DeliveryWorld,
) -> None:
    buyer = dworld.person(phone="+14155550124")
    await dworld.update(buyer, channels=SMS_ON)
    dworld.providers.sms_failures.extend([503, 429])
    notification_id = await dworld.notify(buyer)
    assert notification_id is not None
    start = dworld.clock.now

    await dworld.services.dispatcher.run_once()
    row = (await dworld.deliveries(notification_id))["sms"]
    assert (row["status"], row["attempts"]) == ("pending", 1)
    assert "Twilio 503" in row["last_error"]
    assert row["next_attempt_at"] == start + timedelta(seconds=60)

    await dworld.services.dispatcher.run_once()  # not due yet: nothing is sent
    assert (await dworld.deliveries(notification_id))["sms"]["attempts"] == 1

    dworld.clock.now = start + timedelta(seconds=60)
    await dworld.services.dispatcher.run_once()
    row = (await dworld.deliveries(notification_id))["sms"]
    assert (row["status"], row["attempts"]) == ("pending", 2)
    assert "Twilio 429" in row["last_error"]
    assert row["next_attempt_at"] == start + timedelta(seconds=60 + 120)

    dworld.clock.now = start + timedelta(seconds=180)
    await dworld.services.dispatcher.run_once()
    row = (await dworld.deliveries(notification_id))["sms"]
    assert (row["status"], row["attempts"], row["last_error"]) == ("delivered", 3, None)
    assert [m["to"] for m in dworld.providers.sms].count("+14155550124") == 1


async def test_push_reaches_every_device_through_fcm_with_a_service_account_token(
    dworld: DeliveryWorld,
) -> None:
    buyer = dworld.person()
    await dworld.register_device(buyer, "device-a-" + buyer.id.hex)
    await dworld.register_device(buyer, "device-b-" + buyer.id.hex, "IOS")
    notification_id = await dworld.notify(buyer, title="Viewing confirmed")
    assert notification_id is not None
    await dworld.services.dispatcher.run_once()

    pushed = [p for p in dworld.providers.pushes if p["token"].endswith(buyer.id.hex)]
    assert sorted(p["token"][:8] for p in pushed) == ["device-a", "device-b"]
    for push in pushed:
        assert push["notification"]["title"] == "Viewing confirmed"
        assert push["data"]["notificationId"] == str(notification_id)
        assert push["data"]["kind"] == "BOOKING_CONFIRMED"
    assert dworld.providers.token_requests >= 1
    row = (await dworld.deliveries(notification_id))["push"]
    assert (row["status"], row["attempts"]) == ("delivered", 1)


async def test_a_device_fcm_reports_unregistered_is_forgotten(dworld: DeliveryWorld) -> None:
    buyer = dworld.person()
    token = "gone-" + buyer.id.hex
    dworld.providers.unregistered.add(token)
    await dworld.register_device(buyer, token)
    first = await dworld.notify(buyer)
    assert first is not None
    await dworld.services.dispatcher.run_once()

    row = (await dworld.deliveries(first))["push"]
    assert (row["status"], row["attempts"]) == ("failed", 1)
    assert "UNREGISTERED" in row["last_error"]
    async with dworld.app.state.engine.connect() as conn:
        left = await conn.execute(select(push_devices).where(push_devices.c.user_id == buyer.id))
        assert left.all() == []
    second = await dworld.notify(buyer)
    assert second is not None
    row = (await dworld.deliveries(second))["push"]
    assert (row["status"], row["last_error"]) == ("skipped", "no push device registered")


async def test_a_channel_failing_every_attempt_ends_failed_after_the_last(
    dworld: DeliveryWorld,
) -> None:
    seller = dworld.person(Role.SELLER)
    await dworld.register_device(seller, "flaky-" + seller.id.hex)
    dworld.providers.push_failures.extend([503, 503, 503])
    notification_id = await dworld.notify(seller)
    assert notification_id is not None

    for _ in range(3):
        await dworld.services.dispatcher.run_once()
        dworld.clock.now += timedelta(hours=1)
    row = (await dworld.deliveries(notification_id))["push"]
    assert (row["status"], row["attempts"]) == ("failed", 3)
    assert "FCM 503" in row["last_error"]
    await dworld.services.dispatcher.run_once()
    assert (await dworld.deliveries(notification_id))["push"]["attempts"] == 3
