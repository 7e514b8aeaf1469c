"""What every messaging use case needs, built once by the composition root."""

from __future__ import annotations

import logging
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from common.analytics import Analytics, NoAnalytics
from common.auth import Viewer, require_authenticated
from common.errors import NotFound
from common.pubsub import PubSub
from common.ratelimit import RateLimiter
from subgraphs.messaging.records import Conversation
from subgraphs.messaging.store.port import ChatStore
from subgraphs.messaging.users import UserDirectory

log = logging.getLogger("realio.messaging")


def now_utc() -> datetime:
    return datetime.now(UTC)


@dataclass
class Dependencies:
    store: ChatStore
    pubsub: PubSub
    rate_limiter: RateLimiter
    # Which users exist (a projection of users' events), for receiverId and blockUser.
    users: UserDirectory
    send_rate_limit: int = 30
    send_rate_window_seconds: int = 10
    clock: Callable[[], datetime] = field(default=now_utc)
    # Product analytics (GA4 message_sent), sent in batches off the request path.
    analytics: Analytics = field(default_factory=NoAnalytics)


def conversation_channel(conversation_id: uuid.UUID) -> str:
    return f"messaging:conversation:{conversation_id}"


def inbox_channel(user_id: uuid.UUID) -> str:
    return f"messaging:inbox:{user_id}"


async def fan_out(deps: Dependencies, channel: str, payload: Mapping[str, Any]) -> None:
    """Publish a live event after its change committed.

    A failure to publish (Redis down) loses no data: the change is stored, and subscribers
    read what they missed from the store when the fan-out is back (``RESYNC``).
    """
    try:
        await deps.pubsub.publish(channel, payload)
    except Exception:
        log.warning("live fan-out failed; subscribers will resync", exc_info=True)


async def known_user(deps: Dependencies, user_id: uuid.UUID, field: str) -> uuid.UUID:
    """``user_id`` when users announced that account; NOT_FOUND naming ``field`` otherwise."""
    if not await deps.users.exists(user_id):
        raise NotFound(f"No user has the id {user_id}.", field=field, id=str(user_id))
    return user_id


async def participant_conversation(
    deps: Dependencies, viewer: Viewer, conversation_id: uuid.UUID
) -> tuple[uuid.UUID, Conversation]:
    """The viewer's id and the conversation, when the viewer takes part; NOT_FOUND otherwise.

    Non-participants (admins included) get the same answer as for an unknown id, so a
    conversation's existence is not revealed.
    """
    user_id = require_authenticated(viewer)
    found = (await deps.store.conversations([conversation_id])).get(conversation_id)
    if found is None or not found.has_participant(user_id):
        raise NotFound(f"No conversation has the id {conversation_id}.", id=str(conversation_id))
    return user_id, found
