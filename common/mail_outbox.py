"""Mail off the request path: written to an outbox in the change's transaction, sent by a relay.

A request that sends mail (a sign-up code) must not wait for the SMTP server: its timing would
tell a pending account from an unknown address, and a slow or down server would hold the
request. The request inserts the message into its subgraph's ``mail_outbox`` in the same
transaction as the change (``enqueue``), so a committed change always has its mail queued and a
rolled-back one never does. ``MailRelay`` sends queued mail in the background, with retries and
backoff, and survives restarts: rows stay until sent (decision 0032).

Delivery is at least once. A relay leases the rows it takes (``lease_seconds``); a crash while
sending leaves them to be taken again once the lease ends, so one message may be delivered
twice (harmless for a sign-up code). Several processes may relay one outbox: rows are taken
with ``FOR UPDATE SKIP LOCKED``. A sent row is deleted (its body may hold a code). After
``max_attempts`` failures a row is kept with ``failed_at`` set, for an operator to inspect.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import (
    BigInteger,
    Column,
    DateTime,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    func,
    select,
    text,
)
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from common.mail import Mail, Mailer

log = logging.getLogger("realio.mail")

MAIL_OUTBOX = "mail_outbox"


def mail_outbox_table(metadata: MetaData) -> Table:
    """The mail outbox table in ``metadata`` (added once; later calls return the same table)."""
    existing = metadata.tables.get(MAIL_OUTBOX)
    if existing is not None:
        return existing
    return Table(
        MAIL_OUTBOX,
        metadata,
        Column("id", BigInteger, primary_key=True, autoincrement=True),
        Column("recipient", String(320), nullable=False),
        Column("subject", Text, nullable=False),
        Column("body_text", Text, nullable=False),
        Column("body_html", Text),
        Column("headers", JSONB, nullable=False, server_default=text("'[]'::jsonb")),
        Column("created_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
        Column("attempts", Integer, nullable=False, server_default=text("0")),
        # When the row may next be taken: now when queued, later after a failure or while leased.
        Column("next_attempt_at", DateTime(timezone=True), nullable=False),
        Column("last_error", Text),
        Column("failed_at", DateTime(timezone=True)),
        Index(
            f"ix_{MAIL_OUTBOX}_due", "next_attempt_at", postgresql_where=text("failed_at IS NULL")
        ),
    )


async def enqueue(session: AsyncSession, table: Table, mail: Mail, now: datetime) -> None:
    """Queue ``mail`` in the caller's transaction; the relay sends it after the commit."""
    await session.execute(
        table.insert().values(
            recipient=mail.to,
            subject=mail.subject,
            body_text=mail.text,
            body_html=mail.html,
            headers=[list(pair) for pair in mail.headers],
            next_attempt_at=now,
        )
    )


@dataclass(frozen=True)
class RelayPolicy:
    """How the relay paces itself: polling, batch size, lease and retry backoff."""

    poll_seconds: float = 5.0
    batch_size: int = 20
    lease_seconds: float = 60.0
    max_attempts: int = 8
    first_retry_seconds: float = 2.0
    max_retry_seconds: float = 600.0

    def retry_after(self, attempts: int) -> float:
        """Exponential backoff after the ``attempts``-th failure."""
        return min(self.max_retry_seconds, self.first_retry_seconds * 2 ** max(0, attempts - 1))


def _now() -> datetime:
    return datetime.now(UTC)


@dataclass(frozen=True)
class _Taken:
    id: int
    attempts: int
    mail: Mail


class MailRelay:
    """Sends a subgraph's queued mail in the background until stopped.

    ``wake()`` (called after a commit that queued mail) sends at once; otherwise the outbox is
    polled every ``policy.poll_seconds``, which also picks up retries and rows another process
    left behind.
    """

    def __init__(
        self,
        sessions: async_sessionmaker[AsyncSession],
        table: Table,
        mailer: Mailer,
        policy: RelayPolicy | None = None,
        clock: Callable[[], datetime] = _now,
    ) -> None:
        self.sessions = sessions
        self.table = table
        self.mailer = mailer
        self.policy = policy or RelayPolicy()
        self.clock = clock
        self._wake = asyncio.Event()
        self._task: asyncio.Task[None] | None = None
        self._in_flight: set[int] = set()

    def wake(self) -> None:
        """Send what is queued now rather than at the next poll."""
        self._wake.set()

    async def start(self) -> None:
        if self._task is None:
            self._wake.set()  # what an earlier process left queued goes out at once
            self._task = asyncio.create_task(self._run(), name="mail relay")

    async def stop(self) -> None:
        task, self._task = self._task, None
        if task is not None:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
        if self._in_flight:
            # Interrupted mid-send: hand the rows back now instead of at the end of the lease.
            await self._release(sorted(self._in_flight))
            self._in_flight.clear()

    async def _run(self) -> None:
        while True:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), self.policy.poll_seconds)
            self._wake.clear()
            try:
                while await self.relay_once() == self.policy.batch_size:
                    pass  # a full batch: there may be more due
            except asyncio.CancelledError:
                raise
            except Exception:  # the database is unreachable: try again at the next poll
                log.warning("mail relay could not read its outbox", exc_info=True)

    async def relay_once(self) -> int:
        """Send one batch of due mail; returns how many rows were taken."""
        taken = await self._take()
        # Leased rows not yet handled when the relay stops are handed back by ``stop``.
        self._in_flight.update(row.id for row in taken)
        for row in taken:
            try:
                await self.mailer.send(row.mail)
            except asyncio.CancelledError:
                raise
            except Exception as error:
                self._in_flight.discard(row.id)
                await self._failed(row, error)
            else:
                self._in_flight.discard(row.id)
                await self._sent(row.id)
        return len(taken)

    async def _take(self) -> list[_Taken]:
        t = self.table
        now = self.clock()
        due = (
            select(t.c.id)
            .where(t.c.failed_at.is_(None), t.c.next_attempt_at <= now)
            .order_by(t.c.next_attempt_at, t.c.id)
            .limit(self.policy.batch_size)
            .with_for_update(skip_locked=True)
        )
        lease = now + timedelta(seconds=self.policy.lease_seconds)
        async with self.sessions() as session, session.begin():
            rows = (
                await session.execute(
                    t.update()
                    .where(t.c.id.in_(due.scalar_subquery()))
                    .values(attempts=t.c.attempts + 1, next_attempt_at=lease)
                    .returning(
                        t.c.id,
                        t.c.attempts,
                        t.c.recipient,
                        t.c.subject,
                        t.c.body_text,
                        t.c.body_html,
                        t.c.headers,
                    )
                )
            ).all()
        return [_taken(row) for row in sorted(rows, key=lambda r: r.id)]

    async def _sent(self, row_id: int) -> None:
        async with self.sessions() as session, session.begin():
            await session.execute(self.table.delete().where(self.table.c.id == row_id))

    async def _failed(self, row: _Taken, error: Exception) -> None:
        now = self.clock()
        values: dict[str, Any] = {"last_error": repr(error)[:1000]}
        if row.attempts >= self.policy.max_attempts:
            values["failed_at"] = now
            log.error("mail undeliverable", extra={"mail_id": row.id, "attempts": row.attempts})
        else:
            retry = timedelta(seconds=self.policy.retry_after(row.attempts))
            values["next_attempt_at"] = now + retry
            log.warning("mail delivery failed; will retry", extra={"mail_id": row.id})
        async with self.sessions() as session, session.begin():
            await session.execute(
                self.table.update().where(self.table.c.id == row.id).values(**values)
            )

    async def _release(self, ids: Sequence[int]) -> None:
        t = self.table
        with contextlib.suppress(Exception):
            async with self.sessions() as session, session.begin():
                await session.execute(
                    t.update()
                    .where(t.c.id.in_(ids))
                    .values(next_attempt_at=self.clock(), attempts=t.c.attempts - 1)
                )


def _taken(row: Any) -> _Taken:
    headers = tuple((str(name), str(value)) for name, value in row.headers or ())
    mail = Mail(row.recipient, row.subject, row.body_text, row.body_html, headers)
    return _Taken(row.id, row.attempts, mail)
