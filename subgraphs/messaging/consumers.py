"""The events messaging consumes: users' account events, into ``known_users``.

Group ``messaging-users`` on ``realio.users``. ``user.registered``, ``user.verified`` and
``user.profile_updated`` carry a snapshot (``user_id``, ``role``, ``updated_at``, …);
``user.role_changed`` carries ``user_id`` and ``role``; ``session.started`` only ``user_id``
(someone who signs in exists); without ``updated_at`` an event is ordered by ``occurred_at``.
Each handler runs in the consumer's transaction, which also records the event as processed:
a redelivery changes nothing.
"""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from common.events import ConsumerSpec, Event, EventHandler
from subgraphs.messaging.users import record_snapshot

GROUP = "messaging-users"
USERS_TOPIC = "realio.users"
USER_EVENTS = (
    "user.registered",
    "user.verified",
    "user.profile_updated",
    "user.role_changed",
    "session.started",
)


async def on_user_event(session: AsyncSession, event: Event) -> None:
    payload = event.payload
    user_id = uuid.UUID(str(payload["user_id"]))
    role = payload.get("role")
    stamp = payload.get("updated_at")
    updated_at = datetime.fromisoformat(stamp) if isinstance(stamp, str) else event.occurred_at
    await record_snapshot(session, user_id, str(role) if role else None, updated_at)


def users_consumer(*, max_attempts: int = 5) -> ConsumerSpec:
    handlers: dict[str, EventHandler] = {t: on_user_event for t in USER_EVENTS}
    return ConsumerSpec(
        group=GROUP, topics=[USERS_TOPIC], handlers=handlers, max_attempts=max_attempts
    )
