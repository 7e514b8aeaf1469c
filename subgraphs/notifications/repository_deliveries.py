"""SQL of the delivery queue: claiming due rows and recording outcomes (decision 0024).

A row moves pending → sending (claimed, ``attempts`` counted, ``claimed_until`` set) →
delivered | pending (retry later) | failed. Claims take rows with ``FOR UPDATE SKIP LOCKED``
and change their status in the same statement, so two dispatchers never hold one row; every
outcome is written only while the row is still ``sending``.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import and_, bindparam, select, tuple_, update
from sqlalchemy.ext.asyncio import AsyncSession

from subgraphs.notifications.delivery_records import Claim
from subgraphs.notifications.models import deliveries
from subgraphs.notifications.records import Channel, DeliveryStatus

SENDING = DeliveryStatus.SENDING.value
PENDING = DeliveryStatus.PENDING.value
DIGEST = DeliveryStatus.DIGEST.value
Key = tuple[uuid.UUID, Channel]


def _claims(rows: Any) -> list[Claim]:
    return [Claim(r.notification_id, Channel(r.channel), r.user_id, r.attempts) for r in rows]


def _is(key: Key) -> Any:
    return and_(
        deliveries.c.notification_id == key[0],
        deliveries.c.channel == key[1].value,
        deliveries.c.status == SENDING,
    )


class DeliveryRepository:
    async def claim_due(
        self, session: AsyncSession, now: datetime, *, limit: int, lease: timedelta
    ) -> list[Claim]:
        due = (
            select(deliveries.c.notification_id, deliveries.c.channel)
            .where(deliveries.c.status == PENDING, deliveries.c.next_attempt_at <= now)
            .order_by(deliveries.c.next_attempt_at)
            .limit(limit)
            .with_for_update(skip_locked=True)
            .subquery()
        )
        result = await session.execute(
            update(deliveries)
            .where(
                deliveries.c.notification_id == due.c.notification_id,
                deliveries.c.channel == due.c.channel,
            )
            .values(
                status=SENDING,
                attempts=deliveries.c.attempts + 1,
                claimed_until=now + lease,
                updated_at=now,
            )
            .returning(
                deliveries.c.notification_id,
                deliveries.c.channel,
                deliveries.c.user_id,
                deliveries.c.attempts,
            )
        )
        return _claims(result)

    async def claim_digest(
        self, session: AsyncSession, user_id: uuid.UUID, now: datetime, *, lease: timedelta
    ) -> list[Claim]:
        """Every email of ``user_id`` waiting for the digest, claimed at once."""
        locked = (
            select(deliveries.c.notification_id, deliveries.c.channel)
            .where(deliveries.c.user_id == user_id, deliveries.c.status == DIGEST)
            .with_for_update(skip_locked=True)
            .subquery()
        )
        result = await session.execute(
            update(deliveries)
            .where(
                deliveries.c.notification_id == locked.c.notification_id,
                deliveries.c.channel == locked.c.channel,
            )
            .values(
                status=SENDING,
                attempts=deliveries.c.attempts + 1,
                claimed_until=now + lease,
                updated_at=now,
            )
            .returning(
                deliveries.c.notification_id,
                deliveries.c.channel,
                deliveries.c.user_id,
                deliveries.c.attempts,
            )
        )
        return _claims(result)

    async def digest_users(self, session: AsyncSession, limit: int) -> list[uuid.UUID]:
        rows = await session.execute(
            select(deliveries.c.user_id)
            .where(deliveries.c.status == DIGEST)
            .group_by(deliveries.c.user_id)
            .limit(limit)
        )
        return [r.user_id for r in rows]

    async def abandon_expired(self, session: AsyncSession, now: datetime) -> int:
        """Claims whose dispatcher stopped mid-send: the outcome is unknown, so they are failed
        rather than sent again (at most once per channel)."""
        result = await session.execute(
            update(deliveries)
            .where(deliveries.c.status == SENDING, deliveries.c.claimed_until < now)
            .values(
                status=DeliveryStatus.FAILED.value,
                claimed_until=None,
                last_error="outcome unknown: the dispatcher stopped while sending",
                updated_at=now,
            )
        )
        return int(result.rowcount or 0)  # type: ignore[attr-defined]

    async def _finish(
        self, session: AsyncSession, rows: Sequence[dict[str, Any]], values: dict[str, Any]
    ) -> None:
        if not rows:
            return
        await session.execute(
            update(deliveries)
            .where(
                deliveries.c.notification_id == bindparam("b_id"),
                deliveries.c.channel == bindparam("b_channel"),
                deliveries.c.status == SENDING,
            )
            .values(**values)
            .execution_options(synchronize_session=False),
            list(rows),
        )

    async def delivered(self, session: AsyncSession, keys: Sequence[Key], now: datetime) -> None:
        await self._finish(
            session,
            [{"b_id": k[0], "b_channel": k[1].value} for k in keys],
            {
                "status": DeliveryStatus.DELIVERED.value,
                "delivered_at": now,
                "claimed_until": None,
                "last_error": None,
                "updated_at": now,
            },
        )

    async def retry(
        self,
        session: AsyncSession,
        rows: Sequence[tuple[Key, datetime, str | None]],
        now: datetime,
        *,
        status: DeliveryStatus = DeliveryStatus.PENDING,
        uncount: bool = False,
    ) -> None:
        """Back to ``status`` (pending, or digest), due at the given time, with the error.

        ``uncount`` gives the attempt back (a claim released for quiet hours sent nothing)."""
        values: dict[str, Any] = {
            "status": status.value,
            "next_attempt_at": bindparam("b_next"),
            "last_error": bindparam("b_error"),
            "claimed_until": None,
            "updated_at": now,
        }
        if uncount:
            values["attempts"] = deliveries.c.attempts - 1
        await self._finish(
            session,
            [
                {"b_id": k[0], "b_channel": k[1].value, "b_next": at, "b_error": error}
                for k, at, error in rows
            ],
            values,
        )

    async def failed(
        self,
        session: AsyncSession,
        rows: Sequence[tuple[Key, str]],
        now: datetime,
        *,
        status: DeliveryStatus = DeliveryStatus.FAILED,
    ) -> None:
        await self._finish(
            session,
            [{"b_id": k[0], "b_channel": k[1].value, "b_error": error} for k, error in rows],
            {
                "status": status.value,
                "last_error": bindparam("b_error"),
                "claimed_until": None,
                "updated_at": now,
            },
        )

    async def statuses(
        self, session: AsyncSession, keys: Sequence[Key]
    ) -> dict[Key, tuple[str, int, str | None]]:
        if not keys:
            return {}
        rows = await session.execute(
            select(deliveries).where(
                tuple_(deliveries.c.notification_id, deliveries.c.channel).in_(
                    [(k[0], k[1].value) for k in keys]
                )
            )
        )
        return {
            (r.notification_id, Channel(r.channel)): (r.status, r.attempts, r.last_error)
            for r in rows
        }
