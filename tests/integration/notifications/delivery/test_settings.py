"""The REALIO_* delivery settings docker-compose and the README name are the ones the code
reads: each selects or configures what it says."""

from __future__ import annotations

import uuid
from pathlib import Path

import pytest

from common.config import Settings
from common.mail import ConsoleMailer, SmtpMailer
from subgraphs.notifications.app import (
    NotificationsOptions,
    delivery_options,
    unsubscribe_links,
)
from subgraphs.notifications.channels.build import build_channels
from subgraphs.notifications.channels.push import ConsolePush, FcmPush
from subgraphs.notifications.channels.sms import ConsoleSms, TwilioSms
from subgraphs.notifications.records import Kind
from tests.support.providers import Providers


async def _forget(tokens: list[str]) -> None:
    return None


def _settings(monkeypatch: pytest.MonkeyPatch, tmp_path: Path, **env: str) -> Settings:
    for name, value in env.items():
        monkeypatch.setenv(f"REALIO_{name}", value)
    return Settings(_env_file=None, data_dir=tmp_path)  # type: ignore[call-arg]


def test_console_channels_by_default(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.delenv("REALIO_SMTP_URL", raising=False)
    settings = _settings(monkeypatch, tmp_path)
    links = unsubscribe_links(settings)
    channels = build_channels(settings, links.url, _forget)
    assert isinstance(channels.email.mailer, ConsoleMailer)
    assert isinstance(channels.sms.provider, ConsoleSms)
    assert isinstance(channels.push.provider, ConsolePush)
    # Without REALIO_NOTIFICATIONS_LINK_SECRET a secret is made once in the data directory.
    again = unsubscribe_links(settings)
    user = uuid.uuid4()
    assert again.verify(links.token(user, Kind.ANNOUNCEMENT)).user_id == user
    assert (tmp_path / "keys" / "notifications-links.secret").exists()


def test_smtp_twilio_and_fcm_are_selected_and_configured_by_settings(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    providers = Providers(base_url="http://127.0.0.1:9")
    account = providers.write_service_account(tmp_path / "sa.json")
    settings = _settings(
        monkeypatch,
        tmp_path,
        SMTP_URL="smtp://127.0.0.1:2525",
        SMS_PROVIDER="twilio",
        TWILIO_ACCOUNT_SID="AC123",
        TWILIO_AUTH_TOKEN="secret",
        TWILIO_FROM="MG456",
        TWILIO_API_URL="http://127.0.0.1:9",
        PUSH_PROVIDER="fcm",
        FCM_SERVICE_ACCOUNT_FILE=str(account),
        FCM_API_URL="http://127.0.0.1:9",
        NOTIFICATIONS_DISPATCH_INTERVAL_SECONDS="2",
        NOTIFICATIONS_DIGEST_INTERVAL_SECONDS="60",
        NOTIFICATIONS_DISPATCH_CONCURRENCY="3",
        NOTIFICATIONS_MAX_ATTEMPTS="7",
        NOTIFICATIONS_RETRY_BASE_SECONDS="15",
        NOTIFICATIONS_DIGEST_HOUR="9",
        NOTIFICATIONS_LINK_SECRET="a-shared-secret-of-at-least-32-bytes",
        NOTIFICATIONS_SEND_LIMIT_WINDOW_SECONDS="600",
        NOTIFICATIONS_EMAIL_SEND_LIMIT="5",
        NOTIFICATIONS_SMS_SEND_LIMIT="2",
        NOTIFICATIONS_PUSH_SEND_LIMIT="0",
        PUBLIC_LINKS_URL="https://realio.example/links",
        PUBLIC_APP_URL="https://realio.example",
    )
    channels = build_channels(settings, unsubscribe_links(settings).url, _forget)
    assert isinstance(channels.email.mailer, SmtpMailer)
    # One pooled SMTP connection per concurrent send of the dispatcher.
    assert channels.email.mailer.connections == 3
    assert channels.email.app_url == "https://realio.example"
    sms = channels.sms.provider
    assert isinstance(sms, TwilioSms)
    assert sms._url == "http://127.0.0.1:9/2010-04-01/Accounts/AC123/Messages.json"
    assert sms._sender == {"MessagingServiceSid": "MG456"}
    push = channels.push.provider
    assert isinstance(push, FcmPush)
    assert push._url == "http://127.0.0.1:9/v1/projects/realio-test/messages:send"

    _, dispatch, digest = NotificationsOptions().intervals(settings)
    assert (dispatch, digest) == (2.0, 60.0)
    delivery = delivery_options(settings)
    assert (delivery.concurrency, delivery.digest_hour) == (3, 9)
    assert delivery.policy.max_attempts == 7
    assert dict(delivery.send_limits) == {"email": 5, "sms": 2, "push": 0}
    assert delivery.send_limit_window_seconds == 600
    assert delivery.policy.delay(2).total_seconds() == 30
    links = unsubscribe_links(settings)
    user = uuid.uuid4()
    url = links.url(user, Kind.ANNOUNCEMENT)
    assert url.startswith("https://realio.example/links/notifications/unsubscribe/")
    # Another instance with the same secret accepts the link.
    assert unsubscribe_links(settings).verify(url.rsplit("/", 1)[1]).user_id == user
    assert not (tmp_path / "keys" / "notifications-links.secret").exists()


@pytest.mark.parametrize(
    ("env", "message"),
    [
        ({"SMS_PROVIDER": "pigeon"}, "REALIO_SMS_PROVIDER"),
        ({"SMS_PROVIDER": "twilio"}, "REALIO_TWILIO_ACCOUNT_SID"),
        ({"PUSH_PROVIDER": "fcm"}, "REALIO_FCM_SERVICE_ACCOUNT_FILE"),
        ({"PUSH_PROVIDER": "apns"}, "REALIO_PUSH_PROVIDER"),
    ],
)
def test_an_unusable_channel_setting_stops_startup_naming_it(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, env: dict[str, str], message: str
) -> None:
    for name in ("TWILIO_ACCOUNT_SID", "TWILIO_AUTH_TOKEN", "TWILIO_FROM"):
        monkeypatch.delenv(f"REALIO_{name}", raising=False)
    settings = _settings(monkeypatch, tmp_path, **env)
    with pytest.raises(ValueError, match=message):
        build_channels(settings, unsubscribe_links(settings).url, _forget)
