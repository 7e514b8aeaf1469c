"""The SMTP adapter's connection pool against a real SMTP server on loopback."""

import asyncio

from common.mail import Mail, SmtpMailer
from tests.support.servers import smtp_server


def _mail(n: int) -> Mail:
    return Mail(to=f"user{n}@example.com", subject=f"Message {n}", text=f"Body {n}")


async def test_pooled_sends_reuse_at_most_the_configured_number_of_connections() -> None:
    async with smtp_server() as (url, sink):
        mailer = SmtpMailer(url, "Realio <no-reply@realio.local>", connections=3)
        try:
            await asyncio.gather(*(mailer.send(_mail(n)) for n in range(30)))
            await mailer.send(_mail(30))
        finally:
            await mailer.aclose()
        for n in range(31):
            [message] = await sink.wait_for(f"user{n}@example.com")
            assert message["Subject"] == f"Message {n}"
            assert f"Body {n}" in message.get_payload()
    assert 1 <= mailer.opened <= 3


async def test_without_a_pool_each_message_has_its_own_connection() -> None:
    async with smtp_server() as (url, sink):
        mailer = SmtpMailer(url, "Realio <no-reply@realio.local>")
        for n in range(3):
            await mailer.send(_mail(n))
        await sink.wait_for("user2@example.com")
    assert mailer.opened == 3


async def test_a_connection_the_server_closed_is_replaced_not_reused() -> None:
    async with smtp_server() as (url, _):
        mailer = SmtpMailer(url, "Realio <no-reply@realio.local>", connections=1)
        await mailer.send(_mail(1))
        assert mailer.opened == 1
    # That server stopped and closed its connections; point the mailer at a new one (the
    # port is all that differs).
    async with smtp_server() as (url2, sink2):
        mailer._port = int(url2.rsplit(":", 1)[1])
        try:
            await mailer.send(_mail(2))
        finally:
            await mailer.aclose()
        [message] = await sink2.wait_for("user2@example.com")
    assert message["Subject"] == "Message 2"
    assert mailer.opened == 2
