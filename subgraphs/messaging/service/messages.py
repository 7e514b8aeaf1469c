"""Use cases of messages: send (starting a conversation when needed), list, delete, typing."""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable, Sequence

from redis.exceptions import RedisError

from common.analytics import MESSAGE_SENT
from common.auth import Viewer, require_authenticated
from common.errors import BadUserInput, Conflict, Forbidden, NotFound, RateLimited
from common.ratelimit import enforce
from subgraphs.messaging.records import (
    Conversation,
    EventKind,
    Message,
    MessageView,
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
    log,
    participant_conversation,
)
from subgraphs.messaging.service.validation import clean_content
from subgraphs.messaging.service.wire import message_payload


class _Refused(Exception):
    """The checked append wrote nothing: the sender is not a participant, or is blocked."""


def _fingerprinted(
    conversation_id: uuid.UUID | None,
    receiver_id: uuid.UUID | None,
    property_id: uuid.UUID | None,
    text: str,
) -> dict[str, object]:
    """What an idempotency key stands for (a retry with other input is a conflict)."""
    return {
        "conversation_id": conversation_id,
        "receiver_id": receiver_id,
        "property_id": property_id,
        "content": text,
    }


class MessageService:
    def __init__(self, deps: Dependencies) -> None:
        self.deps = deps
        self.store = deps.store

    async def send(
        self,
        viewer: Viewer,
        content: str,
        *,
        conversation_id: uuid.UUID | None = None,
        receiver_id: uuid.UUID | None = None,
        property_id: uuid.UUID | None = None,
        idempotency_key: str | None = None,
    ) -> tuple[Conversation, MessageView]:
        """Send to an existing conversation, or to a user (about a property), starting the
        conversation for that pair and property when none exists. Stored, then fanned out."""
        sender_id = require_authenticated(viewer)
        text = clean_content(content)
        if (conversation_id is None) == (receiver_id is None):
            raise BadUserInput(
                "Give exactly one of conversationId and receiverId.", field="input.conversationId"
            )
        if conversation_id is not None and property_id is not None:
            raise BadUserInput(
                "propertyId applies only when starting a conversation with receiverId.",
                field="input.propertyId",
            )
        if receiver_id == sender_id:
            raise BadUserInput(
                "You cannot start a conversation with yourself.", field="input.receiverId"
            )
        if conversation_id is not None:
            return await self._send_to_conversation(
                viewer, sender_id, conversation_id, text, idempotency_key
            )
        assert receiver_id is not None
        await known_user(self.deps, receiver_id, "input.receiverId")
        if await self.store.is_blocked(receiver_id, sender_id):
            raise Forbidden("This user does not accept your messages.", reason="BLOCKED")
        await self._within_rate_limit(sender_id)
        now = self.deps.clock()
        sent: list[tuple[Conversation, Message]] = []
        async with self.store.transaction() as tx:

            async def create() -> str:
                found = await tx.find_between(sender_id, receiver_id, property_id)
                started = False
                if found is None:
                    found, started = await tx.create_conversation(
                        uuid.uuid4(), sender_id, receiver_id, property_id, now
                    )
                message = await tx.append_message(found.id, uuid.uuid4(), sender_id, text, now)
                if started:
                    await tx.record(events.conversation_started(found))
                await tx.record(events.message_sent(found, message))
                sent.append((found, message))
                return str(message.id)

            outcome = await tx.idempotent(
                idempotency_key,
                user_id=sender_id,
                operation="sendMessage",
                payload=_fingerprinted(None, receiver_id, property_id, text),
                create=create,
            )
        if not sent:
            return await self._earlier(uuid.UUID(outcome.result_id))
        return await self._fan_out_sent(viewer, *sent[0])

    async def _send_to_conversation(
        self,
        viewer: Viewer,
        sender_id: uuid.UUID,
        conversation_id: uuid.UUID,
        text: str,
        idempotency_key: str | None,
    ) -> tuple[Conversation, MessageView]:
        """The hot path: one transaction whose append statement also checks that the sender
        takes part and is not blocked. Only a refused send reads more, to say why."""
        await self._within_rate_limit(sender_id)
        now = self.deps.clock()
        sent: list[tuple[Conversation, Message]] = []
        try:
            async with self.store.transaction() as tx:

                async def create() -> str:
                    appended = await tx.append_checked(
                        conversation_id, uuid.uuid4(), sender_id, text, now
                    )
                    if appended is None:
                        raise _Refused
                    conversation, message = appended
                    await tx.record(events.message_sent(conversation, message))
                    sent.append(appended)
                    return str(message.id)

                outcome = await tx.idempotent(
                    idempotency_key,
                    user_id=sender_id,
                    operation="sendMessage",
                    payload=_fingerprinted(conversation_id, None, None, text),
                    create=create,
                )
        except _Refused:
            # NOT_FOUND for a conversation the sender is not in, FORBIDDEN when blocked.
            _, existing = await participant_conversation(self.deps, viewer, conversation_id)
            if await self.store.is_blocked(existing.other(sender_id), sender_id):
                raise Forbidden(
                    "This user does not accept your messages.", reason="BLOCKED"
                ) from None
            raise Conflict("The conversation changed while sending; send again.") from None
        if not sent:
            return await self._earlier(uuid.UUID(outcome.result_id))
        return await self._fan_out_sent(viewer, *sent[0])

    async def _fan_out_sent(
        self, viewer: Viewer, conversation: Conversation, message: Message
    ) -> tuple[Conversation, MessageView]:
        """Publish a committed message: the full message to the conversation's channel (its
        subscribers deliver it from there, reading nothing), a change note to both inboxes.
        Counted for analytics once per message stored (a retry answered with the first one is
        not counted)."""
        about = {"item_id": str(conversation.property_id)} if conversation.property_id else {}
        self.deps.analytics.track(viewer, MESSAGE_SENT, about)
        # A new message is unread by its receiver (their pointer is below its seq).
        view = MessageView(message, read=False)
        await fan_out(
            self.deps,
            conversation_channel(conversation.id),
            {"kind": EventKind.MESSAGE_SENT, "message": message_payload(view)},
        )
        note = {"kind": EventKind.MESSAGE_SENT, "conversation_id": str(conversation.id)}
        for user in conversation.participant_ids:
            await fan_out(self.deps, inbox_channel(user), note)
        return conversation, view

    async def _earlier(self, message_id: uuid.UUID) -> tuple[Conversation, MessageView]:
        """What a retried send (same idempotency key) answers: the first one's message."""
        message = (await self.store.messages([message_id]))[message_id]
        conversation = (await self.store.conversations([message.conversation_id]))[
            message.conversation_id
        ]
        return conversation, view_of(conversation, message)

    async def _within_rate_limit(self, sender_id: uuid.UUID) -> None:
        """RATE_LIMITED past the limit. When the limiter's Redis is unreachable, chat stays up
        (the limit is not enforced until it is back) rather than refusing every message."""
        try:
            await enforce(
                self.deps.rate_limiter,
                f"messaging:send:{sender_id}",
                self.deps.send_rate_limit,
                self.deps.send_rate_window_seconds,
            )
        except RateLimited:
            raise
        except (RedisError, OSError):
            log.warning("send rate limit not enforced: its store is unreachable", exc_info=True)

    async def page(
        self, viewer: Viewer, conversation_id: uuid.UUID, *, first: int, before: int | None
    ) -> tuple[Page[MessageView], Callable[[], Awaitable[int]]]:
        """The conversation's messages the viewer still sees, newest first."""
        user_id, conversation = await participant_conversation(self.deps, viewer, conversation_id)
        above = conversation.visible_from(user_id)
        page = await self.store.messages_before(
            conversation_id, above=above, before=before, first=first
        )
        views = [view_of(conversation, m) for m in page.items]

        async def count_all() -> int:
            return await self.store.count_messages(conversation_id, above=above)

        return Page(views, page.has_next_page, page.has_previous_page), count_all

    async def delete(self, viewer: Viewer, message_id: uuid.UUID) -> MessageView:
        """Its sender replaces the message with a "deleted" tombstone, for both participants."""
        user_id = require_authenticated(viewer)
        message = (await self.store.messages([message_id])).get(message_id)
        conversation = None
        if message is not None:
            conversation = (await self.store.conversations([message.conversation_id])).get(
                message.conversation_id
            )
        if message is None or conversation is None or not conversation.has_participant(user_id):
            raise NotFound(f"No message has the id {message_id}.", id=str(message_id))
        if message.sender_id != user_id:
            raise Forbidden("Only the sender may delete a message.")
        if message.deleted:
            return view_of(conversation, message)
        async with self.store.transaction() as tx:
            tombstone = await tx.tombstone(message_id, self.deps.clock())
        assert tombstone is not None
        view = view_of(conversation, tombstone)
        await fan_out(
            self.deps,
            conversation_channel(conversation.id),
            {"kind": EventKind.MESSAGE_DELETED, "message": message_payload(view)},
        )
        for user in conversation.participant_ids:
            await fan_out(
                self.deps,
                inbox_channel(user),
                {"kind": EventKind.MESSAGE_DELETED, "conversation_id": str(conversation.id)},
            )
        return view

    async def load_many(self, viewer: Viewer, ids: Sequence[uuid.UUID]) -> list[MessageView | None]:
        """Messages by id, each only when the viewer takes part and still sees it."""
        if viewer.user_id is None:
            return [None] * len(ids)
        found = await self.store.messages(ids)
        conversations = await self.store.conversations(
            list({m.conversation_id for m in found.values()})
        )
        result: list[MessageView | None] = []
        for message_id in ids:
            message = found.get(message_id)
            conversation = None if message is None else conversations.get(message.conversation_id)
            if (
                message is None
                or conversation is None
                or not conversation.has_participant(viewer.user_id)
                or message.seq <= conversation.visible_from(viewer.user_id)
            ):
                result.append(None)
            else:
                result.append(view_of(conversation, message))
        return result

    async def typing(self, viewer: Viewer, conversation_id: uuid.UUID) -> bool:
        """Tell the other participant the viewer is typing; nothing is stored."""
        user_id, _ = await participant_conversation(self.deps, viewer, conversation_id)
        await fan_out(
            self.deps,
            conversation_channel(conversation_id),
            {"kind": EventKind.TYPING, "user_id": str(user_id)},
        )
        return True
