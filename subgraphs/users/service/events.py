"""The account and sign-in events users publishes on ``realio.users`` (key: the user's id).

Each is written to the outbox in the transaction of the change it announces (decision 0026):

- ``user.registered``, ``user.verified``, ``user.profile_updated``: a snapshot of the account,
  ``{"user_id", "role", "name", "email", "phone", "verified", "updated_at"}``, plus ``changes``
  (the names of the fields the update set) on ``user.profile_updated``. ``updated_at`` orders
  snapshots, so a projection drops an older one that arrives late.
- ``session.started``: ``{"user_id", "session_id", "device", "new_device", "first_session",
  "started_at"}``. ``device`` is the client's ``deviceInfo``, else its user agent; the
  device's fingerprint is the pair (user agent, device info), and ``new_device`` is true when
  the user has signed in before but never from that fingerprint.

``session.revoked`` and ``user.role_changed`` are in ``service/revocations.py``.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from common.events import new_event, record_event
from subgraphs.users.records import UserRecord
from subgraphs.users.repository_devices import DeviceHistory

PRODUCER = "users"
AGGREGATE = "users"

REGISTERED = "user.registered"
VERIFIED = "user.verified"
PROFILE_UPDATED = "user.profile_updated"
SESSION_STARTED = "session.started"


def user_snapshot(record: UserRecord) -> dict[str, Any]:
    """What consumers keep of an account (its private fields included: the events stay inside)."""
    return {
        "user_id": str(record.id),
        "role": record.role.value,
        "name": record.name,
        "email": record.email,
        "phone": record.phone,
        "verified": record.email_verified_at is not None,
        "updated_at": record.updated_at.isoformat(),
    }


async def record_user_event(
    session: AsyncSession,
    type_: str,
    record: UserRecord,
    *,
    changes: Sequence[str] | None = None,
) -> None:
    """``type_`` (registered, verified or profile_updated) with the account's snapshot."""
    payload = user_snapshot(record)
    if changes is not None:
        payload["changes"] = sorted(changes)
    await record_event(
        session,
        new_event(type_, str(record.id), payload, producer=PRODUCER, aggregate_type=AGGREGATE),
    )


async def record_session_started(
    session: AsyncSession,
    *,
    user_id: uuid.UUID,
    session_id: uuid.UUID,
    user_agent: str | None,
    device_info: str | None,
    now: datetime,
) -> None:
    """``session.started`` for a session just inserted, telling whether its device is new."""
    seen = await DeviceHistory(session).seen(
        user_id, session_id, user_agent=user_agent, device_info=device_info
    )
    payload = {
        "user_id": str(user_id),
        "session_id": str(session_id),
        "device": (device_info or user_agent or "an unknown device")[:255],
        "new_device": seen.other_sessions and not seen.this_device,
        "first_session": not seen.other_sessions,
        "started_at": now.isoformat(),
    }
    await record_event(
        session,
        new_event(
            SESSION_STARTED, str(user_id), payload, producer=PRODUCER, aggregate_type=AGGREGATE
        ),
    )
