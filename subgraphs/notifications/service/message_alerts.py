"""Messages not read within a delay (decision 0026).

``message.sent`` starts (or joins) the receiver's pending alert for the conversation, due
``delay`` after the first unread message was sent; ``conversation.read`` by the receiver
cancels it, and so does a reply (messaging counts the sender's own message as read).
``run_due`` turns every due alert into one notification, however many messages
the burst had, claiming rows with ``FOR UPDATE SKIP LOCKED`` in the transaction that writes
the notification, so any number of processes may run it and each alert is sent once. The app
runs it every ``notifications_schedule_interval_seconds``; tests call it with a time.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from common.db import transaction
from common.events import Event
from subgraphs.notifications.records import Draft, Kind, Links
from subgraphs.notifications.repository_projections import MessageAlert, MessageAlertRepository
from subgraphs.notifications.service.inbox import Inbox

MESSAGE_SENT = "message.sent"
CONVERSATION_READ = "conversation.read"
MESSAGE_EVENTS = (MESSAGE_SENT, CONVERSATION_READ)
BATCH = 200


def _optional_id(value: object) -> uuid.UUID | None:
    return None if value in (None, "") else uuid.UUID(str(value))


def draft_of(alert: MessageAlert) -> Draft:
    many = alert.messages > 1
    return Draft(
        user_id=alert.receiver_id,
        kind=Kind.MESSAGE_UNREAD,
        title=f"{alert.messages} new messages" if many else "New message",
        body=(
            f"You have {alert.messages} unread messages in a conversation."
            if many
            else "You have an unread message in a conversation."
        ),
        links=Links(conversation_id=alert.conversation_id, property_id=alert.property_id),
        source_event_id=alert.first_event_id,
    )


class MessageAlerts:
    def __init__(
        self,
        sessions: async_sessionmaker[AsyncSession],
        inbox: Inbox,
        *,
        delay: timedelta,
        clock: Callable[[], datetime],
    ) -> None:
        self._sessions = sessions
        self._inbox = inbox
        self.delay = delay
        self._clock = clock
        self._repo = MessageAlertRepository()

    async def apply(self, session: AsyncSession, event: Event) -> None:
        payload = event.payload
        conversation_id = uuid.UUID(str(payload["conversation_id"]))
        if event.type == MESSAGE_SENT:
            receiver = uuid.UUID(str(payload["receiver_id"]))
            sender = uuid.UUID(str(payload["sender_id"]))
            # Replying reads the conversation (messaging moves the sender's read pointer
            # without a conversation.read event): the sender's own alert is cancelled.
            await self._repo.cancel(session, sender, conversation_id)
            if receiver == sender:
                return
            await self._repo.add_message(
                session,
                receiver_id=receiver,
                conversation_id=conversation_id,
                sender_id=sender,
                property_id=_optional_id(payload.get("property_id")),
                event_id=event.id,
                due_at=event.occurred_at + self.delay,
            )
        elif event.type == CONVERSATION_READ:
            await self._repo.cancel(session, uuid.UUID(str(payload["user_id"])), conversation_id)

    async def run_due(self, now: datetime | None = None) -> int:
        """Notify every alert due by ``now``; returns how many were sent."""
        now = now or self._clock()
        sent = 0
        while True:
            async with transaction(self._sessions) as session:
                claimed = await self._repo.claim_due(session, now, BATCH)
                await self._inbox.deliver(session, [draft_of(a) for a in claimed])
            sent += len(claimed)
            if len(claimed) < BATCH:
                return sent

    async def pending(self) -> int:
        async with self._sessions() as session:
            return await self._repo.pending(session)
