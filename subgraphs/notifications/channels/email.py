"""Email: notifications rendered from templates (HTML and text), sent through common.mail.

Every message carries a signed one-click unsubscribe link for its kind, in the body and in
``List-Unsubscribe`` / ``List-Unsubscribe-Post`` (RFC 2369, RFC 8058).
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Sequence

from common.mail import Mail, Mailer, SmtpMailer
from subgraphs.notifications.channels.ports import (
    ChannelSender,
    DeliveryFailure,
    Outgoing,
    Recipient,
)
from subgraphs.notifications.channels.templates import kind_name, render
from subgraphs.notifications.records import Kind, Notification

UnsubscribeUrl = Callable[[uuid.UUID, Kind], str]


def unsubscribe_headers(url: str) -> tuple[tuple[str, str], ...]:
    return (
        ("List-Unsubscribe", f"<{url}>"),
        ("List-Unsubscribe-Post", "List-Unsubscribe=One-Click"),
    )


class EmailChannel(ChannelSender):
    def __init__(self, mailer: Mailer, unsubscribe_url: UnsubscribeUrl, app_url: str) -> None:
        self.mailer = mailer
        self.unsubscribe_url = unsubscribe_url
        self.app_url = app_url

    def compose(self, recipient: Recipient, notification: Notification) -> Mail:
        if not recipient.email:
            raise DeliveryFailure("no email address", retryable=False)
        url = self.unsubscribe_url(recipient.user_id, notification.kind)
        context = {
            "name": recipient.name,
            "notification": notification,
            "reason": kind_name(notification.kind),
            "unsubscribe_url": url,
            "app_url": self.app_url,
        }
        return Mail(
            to=recipient.email,
            subject=notification.title,
            text=render("notification.txt", **context),
            html=render("notification.html", **context),
            headers=unsubscribe_headers(url),
        )

    def compose_digest(self, recipient: Recipient, items: Sequence[Notification]) -> Mail:
        if not recipient.email:
            raise DeliveryFailure("no email address", retryable=False)
        url = self.unsubscribe_url(recipient.user_id, Kind.SAVED_SEARCH_MATCH)
        context = {
            "name": recipient.name,
            "items": list(items),
            "unsubscribe_url": url,
            "app_url": self.app_url,
        }
        count = len(items)
        return Mail(
            to=recipient.email,
            subject=f"{count} new match{'es' if count != 1 else ''} for your saved searches",
            text=render("digest.txt", **context),
            html=render("digest.html", **context),
            headers=unsubscribe_headers(url),
        )

    async def deliver(self, mail: Mail) -> None:
        try:
            await self.mailer.send(mail)
        except DeliveryFailure:
            raise
        except Exception as error:  # aiosmtplib and OS errors: the server or network failed
            permanent = getattr(error, "code", 0) and 500 <= int(getattr(error, "code", 0)) < 600
            raise DeliveryFailure(f"SMTP: {error}", retryable=not permanent) from error

    async def aclose(self) -> None:
        """Close the SMTP connections the mailer keeps open."""
        if isinstance(self.mailer, SmtpMailer):
            await self.mailer.aclose()

    async def send(self, outgoing: Outgoing) -> None:
        if outgoing.recipient is None:
            raise DeliveryFailure("recipient unknown", retryable=False)
        await self.deliver(self.compose(outgoing.recipient, outgoing.notification))
