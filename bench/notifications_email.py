"""The email channel's throughput, part of ``python -m bench.notifications_bench``.

``python -m bench.notifications_bench --email-users 10000 --email-concurrency 10 50``.
Throw-away databases on the configured Postgres; a real SMTP server (aiosmtpd) on loopback, in
a child process (``notifications_smtp_sink``). A price drop fanned out to 10,000 favouriting
users is written as 10,000 notifications (the planner queues an email for each), then the
dispatcher sends them: the figure is emails/s from the first claim until the last is recorded
delivered, at the dispatcher concurrencies given (the email channel keeps as many SMTP
connections open, ``REALIO_NOTIFICATIONS_DISPATCH_CONCURRENCY``; ``--email-connections 0``
measures one connection per message instead). Prints figures only (no budget in
ARCHITECTURE.md)."""

from __future__ import annotations

import time
import uuid
from collections.abc import Collection
from dataclasses import dataclass, field

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from bench.notifications_smtp_sink import smtp_process
from common.config import Settings
from common.db import drop_database, transaction
from common.mail import SmtpMailer
from subgraphs.notifications.app import NotificationsOptions, create_app, migrate
from subgraphs.notifications.channels.email import EmailChannel
from subgraphs.notifications.models import deliveries
from subgraphs.notifications.records import Draft, Kind, Links, Recipient
from subgraphs.notifications.service import NotificationsServices
from subgraphs.notifications.service.delivery import Dispatcher


@dataclass
class BenchDirectory:
    known: dict[uuid.UUID, Recipient] = field(default_factory=dict)

    async def recipients(
        self, session: AsyncSession, user_ids: Collection[uuid.UUID]
    ) -> dict[uuid.UUID, Recipient]:
        return {u: self.known[u] for u in user_ids if u in self.known}


async def _fan_out(services: NotificationsServices, users: list[uuid.UUID]) -> float:
    property_id = uuid.uuid4()
    event_id = uuid.uuid4()
    started = time.perf_counter()
    for start in range(0, len(users), 1000):
        drafts = [
            Draft(
                user_id=u,
                kind=Kind.ANNOUNCEMENT,
                title="A favourite dropped its price",
                body="Sunny loft, 3 rooms: now 415,000 USD (was 440,000).",
                links=Links(property_id=property_id),
                source_event_id=event_id,
            )
            for u in users[start : start + 1000]
        ]
        async with transaction(services.inbox.deps.sessions) as session:
            await services.inbox.deliver(session, drafts)
    return time.perf_counter() - started


async def _pending_emails(services: NotificationsServices) -> int:
    async with services.inbox.deps.sessions() as session:
        query = select(func.count()).where(
            deliveries.c.channel == "email", deliveries.c.status == "pending"
        )
        return int((await session.execute(query)).scalar_one())


async def email_throughput(
    users: int = 10_000, concurrencies: tuple[int, ...] = (10, 50), pooled: bool = True
) -> None:
    """Print the email channel's throughput against a local SMTP server."""
    base = Settings()
    async with smtp_process() as smtp:
        for concurrency in concurrencies:
            settings = base.model_copy(
                update={
                    "database_prefix": f"realio_bench_{uuid.uuid4().hex[:6]}_",
                    "smtp_url": smtp.url,
                    "data_dir": base.data_dir / "bench",
                    "notifications_dispatch_concurrency": concurrency,
                }
            )
            await migrate(settings)
            directory = BenchDirectory()
            ids = [uuid.uuid4() for _ in range(users)]
            for u in ids:
                directory.known[u] = Recipient(
                    u, "buyer", "Bench User", f"{u.hex[:16]}@bench.test", None, True
                )
            app = create_app(
                settings,
                NotificationsOptions(
                    run_events=False,
                    schedule_interval_seconds=0,
                    dispatch_interval_seconds=0,
                    digest_interval_seconds=0,
                ),
                directory=directory,
            )
            services: NotificationsServices = app.state.services
            email: EmailChannel = app.state.channels.email
            if not pooled:
                email.mailer = SmtpMailer(smtp.url, settings.mail_from)
            await app.state.pubsub.start()  # the live fan-out of each notification, as served
            try:
                written = await _fan_out(services, ids)
                queued = await _pending_emails(services)
                before = smtp.received()
                dispatcher = Dispatcher(
                    services.inbox.deps,
                    services.dispatcher.senders,
                    batch=500,
                    concurrency=concurrency,
                )
                started = time.perf_counter()
                report = await dispatcher.run_once()
                elapsed = time.perf_counter() - started
                received = smtp.received() - before
                mailer = email.mailer
                opened = mailer.opened if isinstance(mailer, SmtpMailer) else 0
                print(
                    f"email fan-out {users:,} users, concurrency {concurrency}, "
                    f"{opened:,} SMTP connections opened: "
                    f"written+planned {written:.2f} s, {queued:,} emails queued; "
                    f"sent {report.delivered:,} ({received:,} received by SMTP) in {elapsed:.2f} s "
                    f"= {report.delivered / elapsed:,.0f} emails/s; failed {report.failed}, "
                    f"retried {report.retried}"
                )
            finally:
                await email.aclose()
                await app.state.pubsub.stop()
                await app.state.engine.dispose()
                await drop_database(settings, "notifications")
