"""Use cases of conversations: the inbox, read state, clearing for oneself, blocking."""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable, Sequence
from datetime import datetime
from typing import Any

from common.auth import Viewer, require_authenticated
from common.errors import BadUserInput, Forbidden
from subgraphs.messaging.records import (
    Conversation,
    EventKind,
    InboxEntry,
    InboxKey,
    Page,
    view_of,
)
from subgraphs.messaging.service import events
from subgraphs.messaging.service.dependencies import (
    Dependencies,
    conversation_channel,
    fan_out,
    inbox_channel,
    known_user,
    participant_conversation,
)


def inbox_cursor(entry: InboxEntry) -> list[str]:
    return [entry.conversation.last_message_at.isoformat(), str(entry.conversation.id)]


def parse_inbox_cursor(key: Sequence[Any] | None, field: str = "after") -> InboxKey | None:
    if key is None:
        return None
    try:
        return InboxKey(datetime.fromisoformat(str(key[0])), uuid.UUID(str(key[1])))
    except ValueError as exc:
        raise BadUserInput(f"{field} is not a valid cursor.", field=field) from exc


class ConversationService:
    def __init__(self, deps: Dependencies) -> None:
        self.deps = deps
        self.store = deps.store

    async def get(self, viewer: Viewer, conversation_id: uuid.UUID) -> Conversation:
        _, conversation = await participant_conversation(self.deps, viewer, conversation_id)
        return conversation

    async def load_many(
        self, viewer: Viewer, ids: Sequence[uuid.UUID]
    ) -> list[Conversation | None]:
        """Conversations by id, each only when the viewer takes part in it."""
        found = await self.store.conversations(ids)
        result: list[Conversation | None] = []
        for conversation_id in ids:
            conversation = found.get(conversation_id)
            visible = conversation is not None and conversation.has_participant(viewer.user_id)
            result.append(conversation if visible else None)
        return result

    async def inbox(
        self,
        viewer: Viewer,
        *,
        first: int,
        after: Sequence[Any] | None,
        user_id: uuid.UUID | None = None,
        property_id: uuid.UUID | None = None,
    ) -> tuple[Page[InboxEntry], Callable[[], Awaitable[int]]]:
        """The viewer's conversations (about ``property_id`` when given), most recent first.

        ``user_id`` (``User.conversations``) must be the viewer: inboxes are private.
        """
        viewer_id = require_authenticated(viewer)
        if user_id is not None and user_id != viewer_id:
            raise Forbidden("Conversations are visible only to their participants.")
        key = parse_inbox_cursor(after)
        page = await self.store.inbox(viewer_id, first=first, after=key, property_id=property_id)

        async def count_all() -> int:
            return await self.store.count_inbox(viewer_id, property_id)

        return page, count_all

    async def entry(self, viewer: Viewer, conversation_id: uuid.UUID) -> InboxEntry:
        """One conversation as it appears in the viewer's inbox."""
        user_id, conversation = await participant_conversation(self.deps, viewer, conversation_id)
        return await self.entry_of(user_id, conversation)

    async def entry_of(self, user_id: uuid.UUID, conversation: Conversation) -> InboxEntry:
        [entry] = await self._entries_of(user_id, [conversation])
        return entry

    async def load_entries(
        self, viewer: Viewer, ids: Sequence[uuid.UUID]
    ) -> list[InboxEntry | None]:
        """Conversations by id as inbox entries of the viewer (None where not a participant).

        For ``_entities``: the conversations, their unread counts and their last messages
        are one store query each, however many ids there are.
        """
        user_id = viewer.user_id
        if user_id is None:
            return [None] * len(ids)
        visible = [c for c in await self.load_many(viewer, ids) if c is not None]
        entries = {e.conversation.id: e for e in await self._entries_of(user_id, visible)}
        return [entries.get(conversation_id) for conversation_id in ids]

    async def _entries_of(
        self, user_id: uuid.UUID, conversations: Sequence[Conversation]
    ) -> list[InboxEntry]:
        if not conversations:
            return []
        unread = await self.store.unread_counts(user_id, [c.id for c in conversations])
        last_ids = [c.last_message_id for c in conversations if c.last_message_id is not None]
        found = await self.store.messages(last_ids) if last_ids else {}
        entries = []
        for conversation in conversations:
            message = None
            if conversation.last_message_id is not None:
                message = found.get(conversation.last_message_id)
            last = None
            if message is not None and message.seq > conversation.visible_from(user_id):
                last = view_of(conversation, message)
            entries.append(InboxEntry(conversation, unread.get(conversation.id, 0), last))
        return entries

    async def unread_counts(
        self, viewer: Viewer, conversation_ids: Sequence[uuid.UUID]
    ) -> list[int]:
        if viewer.user_id is None:
            return [0] * len(conversation_ids)
        counts = await self.store.unread_counts(viewer.user_id, conversation_ids)
        return [counts.get(c, 0) for c in conversation_ids]

    async def unread_total(self, viewer: Viewer, user_id: uuid.UUID) -> int:
        """``User.unreadMessageCount``: only for the user themself."""
        viewer_id = require_authenticated(viewer)
        if viewer_id != user_id:
            raise Forbidden("The unread count is visible only to the user themself.")
        return await self.store.unread_total(user_id)

    async def mark_read(
        self, viewer: Viewer, conversation_id: uuid.UUID, up_to: int | None
    ) -> InboxEntry:
        """Move the viewer's last-read pointer to ``up_to`` (the newest message when None)."""
        user_id, conversation = await participant_conversation(self.deps, viewer, conversation_id)
        target = conversation.last_seq if up_to is None else min(up_to, conversation.last_seq)
        before = conversation.state_of(user_id).last_read_seq
        if target > before:
            async with self.store.transaction() as tx:
                pointer = await tx.mark_read(conversation_id, user_id, target)
                await tx.record(events.conversation_read(conversation, user_id, pointer))
            await fan_out(
                self.deps,
                conversation_channel(conversation_id),
                {"kind": EventKind.READ, "user_id": str(user_id), "up_to": pointer},
            )
            await self._inbox_changed(conversation, EventKind.READ)
        return await self.entry(viewer, conversation_id)

    async def clear(self, viewer: Viewer, conversation_id: uuid.UUID) -> int:
        """deleteMessages: hide every current message from the viewer only; how many."""
        user_id, conversation = await participant_conversation(self.deps, viewer, conversation_id)
        hidden_from = conversation.visible_from(user_id)
        cleared = await self.store.count_messages(conversation_id, above=hidden_from)
        async with self.store.transaction() as tx:
            await tx.clear(conversation_id, user_id, conversation.last_seq)
            # Cleared messages count as read: they no longer show as unread either.
            await tx.mark_read(conversation_id, user_id, conversation.last_seq)
        await fan_out(
            self.deps,
            inbox_channel(user_id),
            {"kind": EventKind.CLEARED, "conversation_id": str(conversation_id)},
        )
        return cleared

    async def _inbox_changed(self, conversation: Conversation, kind: EventKind) -> None:
        for user in conversation.participant_ids:
            await fan_out(
                self.deps,
                inbox_channel(user),
                {"kind": kind, "conversation_id": str(conversation.id)},
            )

    async def block(self, viewer: Viewer, user_id: uuid.UUID, *, blocked: bool) -> bool:
        """blockUser / unblockUser: whether ``user_id`` may message the viewer.

        While blocked, ``user_id`` can neither send to the viewer nor follow their
        conversations live (decision 0022); both keep their history.
        """
        viewer_id = require_authenticated(viewer)
        if user_id == viewer_id:
            raise BadUserInput("You cannot block yourself.", field="userId")
        if blocked:
            await known_user(self.deps, user_id, "userId")
        async with self.store.transaction() as tx:
            if blocked:
                await tx.block(viewer_id, user_id)
            else:
                await tx.unblock(viewer_id, user_id)
        if blocked:
            # The blocked user's live streams of their conversations with the viewer end: they
            # no longer see the viewer's messages, read receipts or typing as they happen.
            for conversation_id in await self.store.conversations_between(viewer_id, user_id):
                await fan_out(
                    self.deps,
                    conversation_channel(conversation_id),
                    {
                        "kind": EventKind.BLOCKED,
                        "blocker_id": str(viewer_id),
                        "blocked_id": str(user_id),
                    },
                )
        return blocked
