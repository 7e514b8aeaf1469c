"""Live streams for subscriptions and Socket.IO: replay from a cursor, then the fan-out.

A stream subscribes to the fan-out first and reads the store second, so a message committed
meanwhile is in one or both, never in neither; sequence numbers drop the duplicates. A live
message that is not the next one expected (an event lost with a Redis outage, or published
out of order by two instances) makes the stream read the gap from the store, as ``RESYNC``
does: the client sees every message exactly once, in order.
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator, Callable, Mapping
from datetime import datetime
from typing import Any

from common.auth import Viewer, require_authenticated
from common.errors import Forbidden, Unauthenticated
from common.pubsub import RESYNC, Subscription
from subgraphs.messaging.records import ConversationEvent, EventKind, InboxEvent, view_of
from subgraphs.messaging.service.conversations import ConversationService
from subgraphs.messaging.service.dependencies import (
    Dependencies,
    conversation_channel,
    inbox_channel,
    participant_conversation,
)
from subgraphs.messaging.service.wire import message_of_payload

REPLAY_BATCH = 100


def _blocked() -> Forbidden:
    return Forbidden(
        "The other participant has blocked you: this conversation is no longer live for you.",
        reason="BLOCKED",
    )


class LiveService:
    def __init__(self, deps: Dependencies, conversations: ConversationService) -> None:
        self.deps = deps
        self.store = deps.store
        self.conversations = conversations

    async def conversation_events(
        self,
        viewer: Viewer,
        conversation_id: uuid.UUID,
        *,
        after: int | None = None,
        expires_at: datetime | None = None,
        on_listening: Callable[[], object] | None = None,
    ) -> AsyncIterator[ConversationEvent]:
        """Events of a conversation the viewer takes part in (NOT_FOUND otherwise).

        With ``after`` (a message's seq), the messages sent since come first. The stream ends
        with UNAUTHENTICATED (TOKEN_EXPIRED) when the viewer's token expires, and with
        FORBIDDEN (BLOCKED) when the other participant blocks the viewer (decision 0022); it
        is refused the same way while the block lasts.
        """
        async with self.deps.pubsub.subscribe(conversation_channel(conversation_id)) as live:
            # One read, after subscribing: it checks access (NOT_FOUND for non-participants,
            # before anything is yielded) and fixes where the live part starts.
            user_id, conversation = await participant_conversation(
                self.deps, viewer, conversation_id
            )
            other = conversation.other(user_id)
            # After subscribing: a block committed meanwhile is seen here or arrives live.
            await self._ensure_not_blocked(other, user_id)
            hidden = conversation.visible_from(user_id)
            last = conversation.last_seq if after is None else max(after, hidden)
            if on_listening is not None:
                on_listening()
            async for event in self._replay(conversation_id, last):
                last = event.message.message.seq if event.message else last
                yield event
            while True:
                item = await self._next(live, expires_at)
                if item is RESYNC:
                    await self._ensure_not_blocked(other, user_id)
                    async for event in self._replay(conversation_id, last):
                        last = event.message.message.seq if event.message else last
                        yield event
                    continue
                assert isinstance(item, Mapping)
                if item["kind"] == EventKind.BLOCKED and item["blocked_id"] == str(user_id):
                    raise _blocked()
                live_event = self._event_of(item, conversation_id, user_id, hidden)
                if live_event is None:
                    continue
                if live_event.kind is EventKind.MESSAGE_SENT and live_event.message is not None:
                    seq = live_event.message.message.seq
                    if seq <= last:
                        continue
                    if seq > last + 1:
                        async for missed in self._replay(conversation_id, last):
                            last = missed.message.message.seq if missed.message else last
                            yield missed
                        continue
                    last = seq
                yield live_event

    async def _ensure_not_blocked(self, other: uuid.UUID, user_id: uuid.UUID) -> None:
        if await self.store.is_blocked(other, user_id):
            raise _blocked()

    async def inbox_events(
        self, viewer: Viewer, *, expires_at: datetime | None = None
    ) -> AsyncIterator[InboxEvent]:
        """A conversation of the viewer's changed: each event carries its inbox entry."""
        user_id = require_authenticated(viewer)
        async with self.deps.pubsub.subscribe(inbox_channel(user_id)) as live:
            while True:
                item = await self._next(live, expires_at)
                if item is RESYNC:
                    continue
                assert isinstance(item, Mapping)
                conversation_id = uuid.UUID(str(item["conversation_id"]))
                entry = await self.conversations.entry(viewer, conversation_id)
                yield InboxEvent(EventKind(str(item["kind"])), entry)

    async def _replay(
        self, conversation_id: uuid.UUID, after: int
    ) -> AsyncIterator[ConversationEvent]:
        while True:
            batch = await self.store.messages_after(
                conversation_id, after=after, limit=REPLAY_BATCH
            )
            if not batch:
                return
            conversation = (await self.store.conversations([conversation_id]))[conversation_id]
            for message in batch:
                yield ConversationEvent(
                    EventKind.MESSAGE_SENT, conversation_id, view_of(conversation, message)
                )
            after = batch[-1].seq
            if len(batch) < REPLAY_BATCH:
                return

    async def _next(
        self, live: Subscription, expires_at: datetime | None
    ) -> Mapping[str, Any] | object:
        if expires_at is None:
            return await live.get()
        remaining = (expires_at - self.deps.clock()).total_seconds()
        try:
            if remaining <= 0:
                raise TimeoutError
            async with asyncio.timeout(remaining):
                return await live.get()
        except TimeoutError:
            raise Unauthenticated(
                "Access token has expired; subscribe again with a new one.",
                reason="TOKEN_EXPIRED",
            ) from None

    @staticmethod
    def _event_of(
        item: Mapping[str, Any], conversation_id: uuid.UUID, user_id: uuid.UUID, hidden: int
    ) -> ConversationEvent | None:
        kind = EventKind(str(item["kind"]))
        if kind in (EventKind.MESSAGE_SENT, EventKind.MESSAGE_DELETED):
            view = message_of_payload(item["message"])
            if view.message.seq <= hidden:
                return None
            return ConversationEvent(kind, conversation_id, view)
        if kind is EventKind.READ:
            reader = uuid.UUID(str(item["user_id"]))
            return ConversationEvent(
                kind, conversation_id, user_id=reader, up_to=int(item["up_to"])
            )
        if kind is EventKind.TYPING:
            typist = uuid.UUID(str(item["user_id"]))
            if typist == user_id:
                return None
            return ConversationEvent(kind, conversation_id, user_id=typist)
        return None
