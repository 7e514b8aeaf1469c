"""Outgoing mail: a console adapter (default) and an SMTP adapter selected by ``REALIO_SMTP_URL``.

``smtp://user:pass@host:port`` (STARTTLS when the server offers it with ``?starttls=1``) or
``smtps://…`` for implicit TLS.

``SmtpMailer(..., connections=n)`` keeps up to ``n`` connections open and sends message after
message on each (what a bulk sender such as the notifications dispatcher wants); without it each
message opens and closes its own connection.
"""

from __future__ import annotations

import asyncio
import contextlib
import email.policy
import logging
import socket
import time
from dataclasses import dataclass
from email import charset as email_charset
from email.header import Header
from email.message import EmailMessage
from email.mime.multipart import MIMEMultipart
from email.mime.nonmultipart import MIMENonMultipart
from email.utils import formataddr, parseaddr
from typing import Any, Protocol
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


# ``to_bytes`` builds the same message with the compat32 classes: about four times less CPU
# than EmailMessage's header registry, which was most of a bulk send's cost.
class _WirePolicy(email.policy.Compat32):
    """compat32 that writes a plain ASCII header that fits one line as it is: its folding
    (through ``Header.encode``) was the largest cost left."""

    def _fold(self, name: str, value: Any, sanitize: bool) -> str:
        if isinstance(value, str) and value.isascii() and len(name) + len(value) + 2 <= 998:
            return f"{name}: {value}{self.linesep}"
        folded: str = super()._fold(name, value, sanitize)  # type: ignore[misc]
        return folded


_WIRE = _WirePolicy(linesep="\r\n", max_line_length=998)
_AS_WRITTEN = email_charset.Charset("utf-8")
_AS_WRITTEN.body_encoding = None  # type: ignore[assignment]  # 7bit or 8bit as the text is (SMTP policy's choice too)
_QUOTED = email_charset.Charset("utf-8")
_QUOTED.body_encoding = email_charset.QP  # lines longer than SMTP allows


def _header(value: str) -> str:
    if "\r" in value or "\n" in value:
        raise ValueError("Header values may not contain linefeed or carriage return characters")
    if value.isascii():
        return value
    return Header(value, "utf-8").encode(linesep="\r\n")  # RFC 2047 encoded words


def _address(value: str) -> str:
    if "\r" in value or "\n" in value:
        raise ValueError("Header values may not contain linefeed or carriage return characters")
    return value if value.isascii() else formataddr(parseaddr(value), "utf-8")


def _text_part(body: str, subtype: str) -> MIMENonMultipart:
    part = MIMENonMultipart("text", subtype, policy=_WIRE)
    if not body.endswith("\n"):
        body += "\n"
    long_lines = any(len(line) > 998 for line in body.splitlines())
    part.set_payload(body, _QUOTED if long_lines else _AS_WRITTEN)
    return part


def to_bytes(sender: str, mail: Mail) -> bytes:
    """``mail`` as the bytes SMTP sends (CRLF, 998-character lines): what ``to_message``
    makes, built for speed."""
    text = _text_part(mail.text, "plain")
    if mail.html is None:
        message: MIMENonMultipart | MIMEMultipart = text
    else:
        message = MIMEMultipart(
            "alternative", _subparts=[text, _text_part(mail.html, "html")], policy=_WIRE
        )
    message["From"] = _address(sender)
    message["To"] = _address(mail.to)
    message["Subject"] = _header(mail.subject)
    for name, value in mail.headers:
        message[name] = _header(value)
    return message.as_bytes(policy=_WIRE)


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
    """Delivers through an SMTP server.

    With ``connections`` 0 each message has its own connection. Otherwise up to
    ``connections`` sends run at once, each on a pooled connection: an idle one is reused
    unless the server closed it or it sat idle longer than ``max_idle_seconds`` (servers time
    idle clients out; a reused connection the server already dropped would fail a send that a
    fresh one would not). A connection on which a send failed is closed, never reused: the
    failure goes to the caller, whose retry policy decides (nothing is resent here, so a
    message the server may have accepted is not sent twice by this adapter).
    """

    def __init__(
        self,
        url: str,
        sender: str,
        timeout: float = 10.0,
        *,
        connections: int = 0,
        max_idle_seconds: float = 30.0,
    ) -> None:
        parts = urlsplit(url)
        if parts.scheme not in ("smtp", "smtps"):
            raise ValueError("REALIO_SMTP_URL must start with smtp:// or smtps://")
        if connections < 0:
            raise ValueError("connections must not be negative")
        options = parse_qs(parts.query)
        self.sender = sender
        self._envelope_sender = parseaddr(sender)[1]
        self._host = parts.hostname or "localhost"
        self._port = parts.port or (465 if parts.scheme == "smtps" else 25)
        self._username = unquote(parts.username) if parts.username else None
        self._password = unquote(parts.password) if parts.password else None
        self._use_tls = parts.scheme == "smtps"
        self._start_tls = options.get("starttls", ["0"])[0] in ("1", "true")
        self._timeout = timeout
        self.connections = connections
        self._max_idle = max_idle_seconds
        self._slots = asyncio.Semaphore(connections) if connections else None
        self._idle: list[tuple[aiosmtplib.SMTP, float]] = []  # newest last
        self._local_hostname: str | None = None
        self.opened = 0  # connections opened so far (tests and benchmarks read it)

    async def send(self, mail: Mail) -> None:
        # Flattened here: aiosmtplib would re-fold headers at 78 characters.
        raw = to_bytes(self.sender, mail)
        if self._slots is None:
            self.opened += 1
            await aiosmtplib.send(
                raw,
                sender=self._envelope_sender,
                recipients=[mail.to],
                hostname=self._host,
                port=self._port,
                username=self._username,
                password=self._password,
                use_tls=self._use_tls,
                start_tls=self._start_tls,
                timeout=self._timeout,
            )
            return
        async with self._slots:
            client = await self._checkout()
            try:
                await client.sendmail(self._envelope_sender, [mail.to], raw)
            except BaseException:
                client.close()
                raise
            self._idle.append((client, time.monotonic()))

    async def _checkout(self) -> aiosmtplib.SMTP:
        """An open connection: the most recently used idle one still fit, or a new one."""
        now = time.monotonic()
        while self._idle:
            client, since = self._idle.pop()
            if client.is_connected and now - since <= self._max_idle:
                return client
            client.close()
        if self._local_hostname is None:  # resolved once, not once per connection
            self._local_hostname = await asyncio.to_thread(socket.getfqdn)
        client = aiosmtplib.SMTP(
            hostname=self._host,
            port=self._port,
            username=self._username,
            password=self._password,
            use_tls=self._use_tls,
            start_tls=self._start_tls,
            timeout=self._timeout,
            local_hostname=self._local_hostname,
        )
        await client.connect()
        self.opened += 1
        return client

    async def aclose(self) -> None:
        """Say QUIT on every idle connection and close it."""
        idle, self._idle = self._idle, []
        for client, _ in idle:
            with contextlib.suppress(Exception):
                await asyncio.wait_for(client.quit(), self._timeout)
            client.close()


def build_mailer(settings: Settings, *, connections: int = 0) -> Mailer:
    """The mail adapter the configuration selects; ``connections`` > 0 pools SMTP connections
    (see ``SmtpMailer``)."""
    if settings.smtp_url:
        return SmtpMailer(settings.smtp_url, settings.mail_from, connections=connections)
    return ConsoleMailer(settings.mail_from)
