"""Outgoing mail: a console adapter (default) and an SMTP adapter selected by ``REALIO_SMTP_URL``.

``smtp://user:pass@host:port`` (STARTTLS when the server offers it with ``?starttls=1``) or
``smtps://…`` for implicit TLS.
"""

from __future__ import annotations

import email.policy
import logging
from dataclasses import dataclass
from email.message import EmailMessage
from email.utils import parseaddr
from typing import Protocol
from urllib.parse import parse_qs, unquote, urlsplit

import aiosmtplib

from common.config import Settings

log = logging.getLogger("realio.mail")


@dataclass(frozen=True, slots=True)
class Mail:
    """One message: a plain-text body, optionally an HTML alternative and extra headers
    (``List-Unsubscribe`` and the like)."""

    to: str
    subject: str
    text: str
    html: str | None = None
    headers: tuple[tuple[str, str], ...] = ()


# RFC 5322 allows 998 characters a line: a long header without spaces (a List-Unsubscribe
# URL) stays one plain line instead of being turned into encoded words clients cannot read.
POLICY = email.policy.SMTP.clone(max_line_length=998)  # CRLF line endings


def to_message(sender: str, mail: Mail) -> EmailMessage:
    """``mail`` as a MIME message: text, or multipart/alternative when it has an HTML body."""
    message = EmailMessage(policy=POLICY)
    message["From"] = sender
    message["To"] = mail.to
    message["Subject"] = mail.subject
    for name, value in mail.headers:
        message[name] = value
    message.set_content(mail.text)
    if mail.html is not None:
        message.add_alternative(mail.html, subtype="html")
    return message


class Mailer(Protocol):
    async def send(self, mail: Mail) -> None: ...


class ConsoleMailer:
    """Writes each message to the log; what development and demos use."""

    def __init__(self, sender: str) -> None:
        self.sender = sender

    async def send(self, mail: Mail) -> None:
        log.info(
            "mail",
            extra={
                "to": mail.to,
                "subject": mail.subject,
                "body": mail.text,
                "headers": dict(mail.headers),
            },
        )


class SmtpMailer:
    """Delivers through an SMTP server, one connection per message."""

    def __init__(self, url: str, sender: str, timeout: float = 10.0) -> None:
        parts = urlsplit(url)
        if parts.scheme not in ("smtp", "smtps"):
            raise ValueError("REALIO_SMTP_URL must start with smtp:// or smtps://")
        options = parse_qs(parts.query)
        self.sender = sender
        self._host = parts.hostname or "localhost"
        self._port = parts.port or (465 if parts.scheme == "smtps" else 25)
        self._username = unquote(parts.username) if parts.username else None
        self._password = unquote(parts.password) if parts.password else None
        self._use_tls = parts.scheme == "smtps"
        self._start_tls = options.get("starttls", ["0"])[0] in ("1", "true")
        self._timeout = timeout

    async def send(self, mail: Mail) -> None:
        # Flattened here with POLICY: aiosmtplib would re-fold headers at 78 characters.
        raw = to_message(self.sender, mail).as_bytes(policy=POLICY)
        await aiosmtplib.send(
            raw,
            sender=parseaddr(self.sender)[1],
            recipients=[mail.to],
            hostname=self._host,
            port=self._port,
            username=self._username,
            password=self._password,
            use_tls=self._use_tls,
            start_tls=self._start_tls,
            timeout=self._timeout,
        )


def build_mailer(settings: Settings) -> Mailer:
    """The mail adapter the configuration selects."""
    if settings.smtp_url:
        return SmtpMailer(settings.smtp_url, settings.mail_from)
    return ConsoleMailer(settings.mail_from)
