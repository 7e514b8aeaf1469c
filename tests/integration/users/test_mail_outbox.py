"""users' mail outbox (decision 0032): a message the SMTP server refuses is retried with
backoff and, after ``REALIO_MAIL_RELAY_MAX_ATTEMPTS`` failures, set aside with its error for an
operator instead of being retried forever or dropped."""

from __future__ import annotations

import asyncio
import socket
from typing import Any

from sqlalchemy import select

from common.config import Settings
from common.mail_outbox import RelayPolicy
from subgraphs.users.app import migrate
from subgraphs.users.models import mail_outbox
from tests.integration.users.client import unique_email
from tests.integration.users.conftest import ServeUsers


async def _row(app: Any, email: str) -> Any:
    async with app.state.services.deps.db() as session:
        result = await session.execute(select(mail_outbox).where(mail_outbox.c.recipient == email))
        return result.one_or_none()


async def test_undeliverable_mail_is_retried_then_set_aside(
    serve_users: ServeUsers, users_settings: Settings
) -> None:
    # A port held bound but never listening: every connection is refused, and no other test's
    # server can take the port meanwhile (a free port picked and released could be).
    with socket.socket() as held:
        held.bind(("127.0.0.1", 0))
        nowhere = f"smtp://127.0.0.1:{held.getsockname()[1]}"
        row = await _undeliverable(serve_users, users_settings, nowhere)
    assert row.attempts == 2
    assert "Connect" in row.last_error or "connect" in row.last_error
    # The second try waited for its backoff (the first retry comes after 2 s).
    assert (row.failed_at - row.created_at).total_seconds() >= RelayPolicy().first_retry_seconds


async def _undeliverable(serve_users: ServeUsers, settings: Settings, nowhere: str) -> Any:
    """Registers an address while the SMTP URL refuses every connection; the set-aside row.

    The app gets a users database of its own: the run's shared one has the session's users app
    relaying its outbox to the working SMTP server, which would send (and delete) the row.
    """
    prefix = f"{settings.database_prefix}mailq_"
    await migrate(settings.model_copy(update={"database_prefix": prefix}))
    overrides = {"database_prefix": prefix, "smtp_url": nowhere, "mail_relay_max_attempts": 2}
    async with serve_users(**overrides) as (client, app):
        email = unique_email("undeliverable")
        await client.register(email=email)  # answers although the mail cannot go out
        async with asyncio.timeout(30):
            # Polling a database row's state (no event announces it), bounded above.
            while (row := await _row(app, email)) is None or row.failed_at is None:  # noqa: ASYNC110
                await asyncio.sleep(0.1)
    return row


def test_retry_backoff_doubles_up_to_its_cap() -> None:
    policy = RelayPolicy(first_retry_seconds=2, max_retry_seconds=10)
    assert [policy.retry_after(n) for n in (1, 2, 3, 4)] == [2, 4, 8, 10]
