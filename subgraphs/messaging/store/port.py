"""The chat store port: what the messaging services need from a document or relational store.

Postgres (``store.postgres``) is the default adapter; MongoDB through Beanie
(``store.mongo``) is selected by ``REALIO_MONGODB_URL``. Both pass
``tests/integration/messaging/test_store_contract.py``.

Writes happen inside ``transaction()``: every change of one use case and the events it
records commit together, or nothing does. ``append_message`` takes the conversation's lock,
so sequence numbers grow by exactly one per message in commit order.
"""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable, Mapping, Sequence
from contextlib import AbstractAsyncContextManager
from datetime import datetime
from typing import Any, Protocol

from common.events import Event
from common.idempotency import Outcome
from subgraphs.messaging.records import Conversation, InboxEntry, InboxKey, Message, Page


class ChatTransaction(Protocol):
    async def find_between(
        self, a: uuid.UUID, b: uuid.UUID, property_id: uuid.UUID | None
    ) -> Conversation | None:
        """The conversation of this pair (either order) about this property, if any."""
        ...

    async def create_conversation(
        self,
        conversation_id: uuid.UUID,
        sender_id: uuid.UUID,
        receiver_id: uuid.UUID,
        property_id: uuid.UUID | None,
        now: datetime,
    ) -> tuple[Conversation, bool]:
        """Create it, or return the one a concurrent request created first (and False)."""
        ...

    async def append_message(
        self,
        conversation_id: uuid.UUID,
        message_id: uuid.UUID,
        sender_id: uuid.UUID,
        content: str,
        now: datetime,
    ) -> Message:
        """Store a message with the conversation's next seq; the sender has read it."""
        ...

    async def append_checked(
        self,
        conversation_id: uuid.UUID,
        message_id: uuid.UUID,
        sender_id: uuid.UUID,
        content: str,
        now: datetime,
    ) -> tuple[Conversation, Message] | None:
        """``append_message`` when ``sender_id`` takes part in the conversation and the other
        participant has not blocked them: the conversation as it is after the message, and the
        message. ``None`` (nothing written) otherwise, or when the conversation does not exist.
        """
        ...

    async def mark_read(self, conversation_id: uuid.UUID, user_id: uuid.UUID, up_to: int) -> int:
        """Move the user's read pointer forward to ``up_to`` (never back); the new pointer."""
        ...

    async def clear(self, conversation_id: uuid.UUID, user_id: uuid.UUID, up_to: int) -> None:
        """Hide every message with seq <= ``up_to`` from this user only."""
        ...

    async def tombstone(self, message_id: uuid.UUID, now: datetime) -> Message | None:
        """Mark the message deleted (content emptied) for both participants."""
        ...

    async def block(self, blocker_id: uuid.UUID, blocked_id: uuid.UUID) -> None: ...

    async def unblock(self, blocker_id: uuid.UUID, blocked_id: uuid.UUID) -> None: ...

    async def record(self, event: Event) -> None:
        """Write ``event`` to the outbox in this transaction."""
        ...

    async def idempotent(
        self,
        key: str | None,
        *,
        user_id: uuid.UUID,
        operation: str,
        payload: Mapping[str, Any],
        create: Callable[[], Awaitable[str]],
    ) -> Outcome:
        """Run ``create`` once per (user, operation, key) (``common.idempotency``)."""
        ...


class ChatStore(Protocol):
    async def start(self) -> None:
        """Prepare the store (connect, create indexes); called once at startup."""
        ...

    def transaction(self) -> AbstractAsyncContextManager[ChatTransaction]: ...

    async def conversations(self, ids: Sequence[uuid.UUID]) -> dict[uuid.UUID, Conversation]: ...

    async def messages(self, ids: Sequence[uuid.UUID]) -> dict[uuid.UUID, Message]: ...

    async def messages_before(
        self, conversation_id: uuid.UUID, *, above: int, before: int | None, first: int
    ) -> Page[Message]:
        """Newest first: seq in (above, before), at most ``first``."""
        ...

    async def messages_after(
        self, conversation_id: uuid.UUID, *, after: int, limit: int
    ) -> list[Message]:
        """Oldest first: seq > ``after``, at most ``limit`` (subscription replay)."""
        ...

    async def count_messages(self, conversation_id: uuid.UUID, *, above: int) -> int: ...

    async def inbox(
        self,
        user_id: uuid.UUID,
        *,
        first: int,
        after: InboxKey | None,
        property_id: uuid.UUID | None = None,
    ) -> Page[InboxEntry]:
        """The user's conversations (about ``property_id`` when given), most recent first."""
        ...

    async def count_inbox(
        self, user_id: uuid.UUID, property_id: uuid.UUID | None = None
    ) -> int: ...

    async def unread_counts(
        self, user_id: uuid.UUID, conversation_ids: Sequence[uuid.UUID]
    ) -> dict[uuid.UUID, int]: ...

    async def unread_total(self, user_id: uuid.UUID) -> int:
        """Messages from others the user has not read, over all their conversations."""
        ...

    async def is_blocked(self, blocker_id: uuid.UUID, blocked_id: uuid.UUID) -> bool: ...

    async def conversations_between(self, a: uuid.UUID, b: uuid.UUID) -> list[uuid.UUID]:
        """The ids of every conversation of this pair (either order), about any property."""
        ...

    async def prune_idempotency_keys(self) -> int:
        """Forget idempotency keys past their retention (scheduled by the app factory)."""
        ...

    async def close(self) -> None: ...
