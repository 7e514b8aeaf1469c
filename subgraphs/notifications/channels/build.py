"""The channel adapters the settings select (the composition root calls this)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from common.config import Settings
from common.mail import build_mailer
from subgraphs.notifications.channels.email import EmailChannel, UnsubscribeUrl
from subgraphs.notifications.channels.ports import ChannelSender, PushProvider, SmsProvider
from subgraphs.notifications.channels.push import ConsolePush, FcmPush, PushChannel
from subgraphs.notifications.channels.sms import ConsoleSms, SmsChannel, TwilioSms
from subgraphs.notifications.records import Channel


@dataclass(frozen=True)
class DeliveryChannels:
    email: EmailChannel
    sms: SmsChannel
    push: PushChannel

    def senders(self) -> dict[Channel, ChannelSender]:
        return {Channel.EMAIL: self.email, Channel.SMS: self.sms, Channel.PUSH: self.push}


def sms_provider(settings: Settings) -> SmsProvider:
    if settings.sms_provider == "console":
        return ConsoleSms()
    if settings.sms_provider == "twilio":
        if not (
            settings.twilio_account_sid and settings.twilio_auth_token and settings.twilio_from
        ):
            raise ValueError(
                "REALIO_SMS_PROVIDER=twilio needs REALIO_TWILIO_ACCOUNT_SID, "
                "REALIO_TWILIO_AUTH_TOKEN and REALIO_TWILIO_FROM"
            )
        return TwilioSms(
            account_sid=settings.twilio_account_sid,
            auth_token=settings.twilio_auth_token,
            sender=settings.twilio_from,
            api_url=settings.twilio_api_url,
        )
    raise ValueError("REALIO_SMS_PROVIDER must be console or twilio")


def push_provider(settings: Settings) -> PushProvider:
    if settings.push_provider == "console":
        return ConsolePush()
    if settings.push_provider == "fcm":
        if settings.fcm_service_account_file is None:
            raise ValueError("REALIO_PUSH_PROVIDER=fcm needs REALIO_FCM_SERVICE_ACCOUNT_FILE")
        return FcmPush.from_file(settings.fcm_service_account_file, api_url=settings.fcm_api_url)
    raise ValueError("REALIO_PUSH_PROVIDER must be console or fcm")


def build_channels(
    settings: Settings,
    unsubscribe_url: UnsubscribeUrl,
    forget_devices: Callable[[list[str]], Awaitable[None]],
) -> DeliveryChannels:
    return DeliveryChannels(
        # As many SMTP connections as the dispatcher sends at once, each reused message after
        # message: opening one per message capped the channel at about 100 emails/s.
        email=EmailChannel(
            build_mailer(settings, connections=settings.notifications_dispatch_concurrency),
            unsubscribe_url,
            settings.public_app_url,
        ),
        sms=SmsChannel(sms_provider(settings)),
        push=PushChannel(push_provider(settings), forget_devices),
    )
