"""What the chat store returns and the services hand to the schema layer (no I/O here)."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Generic, TypeVar

ItemT = TypeVar("ItemT")

MAX_CONTENT_LENGTH = 4000


@dataclass(frozen=True, slots=True)
class ParticipantState:
    """One participant's pointers into the conversation's message sequence."""

    user_id: uuid.UUID
    last_read_seq: int = 0
    cleared_seq: int = 0


@dataclass(frozen=True, slots=True)
class Conversation:
    id: uuid.UUID
    sender_id: uuid.UUID
    receiver_id: uuid.UUID
    property_id: uuid.UUID | None
    last_seq: int
    last_message_id: uuid.UUID | None
    last_message_at: datetime
    created_at: datetime
    updated_at: datetime
    participants: tuple[ParticipantState, ...] = field(default_factory=tuple)

    @property
    def participant_ids(self) -> tuple[uuid.UUID, uuid.UUID]:
        return (self.sender_id, self.receiver_id)

    def has_participant(self, user_id: uuid.UUID | None) -> bool:
        return user_id is not None and user_id in self.participant_ids

    def other(self, user_id: uuid.UUID) -> uuid.UUID:
        """The participant who is not ``user_id``."""
        return self.receiver_id if user_id == self.sender_id else self.sender_id

    def state_of(self, user_id: uuid.UUID) -> ParticipantState:
        for state in self.participants:
            if state.user_id == user_id:
                return state
        return ParticipantState(user_id)

    def visible_from(self, user_id: uuid.UUID) -> int:
        """Messages with a seq above this are visible to ``user_id`` (after deleteMessages)."""
        return self.state_of(user_id).cleared_seq


@dataclass(frozen=True, slots=True)
class Message:
    id: uuid.UUID
    conversation_id: uuid.UUID
    seq: int
    sender_id: uuid.UUID
    receiver_id: uuid.UUID
    content: str
    deleted: bool
    created_at: datetime
    updated_at: datetime


@dataclass(frozen=True, slots=True)
class MessageView:
    """A message as one viewer sees it: ``read`` means its receiver has read it."""

    message: Message
    read: bool


@dataclass(frozen=True, slots=True)
class InboxEntry:
    """A conversation in a viewer's inbox."""

    conversation: Conversation
    unread_count: int
    last_message: MessageView | None


@dataclass(frozen=True, slots=True)
class Page(Generic[ItemT]):
    items: list[ItemT]
    has_next_page: bool
    has_previous_page: bool = False


@dataclass(frozen=True, slots=True)
class InboxKey:
    """The keyset position of an inbox entry (most recent first)."""

    last_message_at: datetime
    conversation_id: uuid.UUID


class EventKind(StrEnum):
    """What happened in a conversation, as live subscribers are told."""

    MESSAGE_SENT = "MESSAGE_SENT"
    MESSAGE_DELETED = "MESSAGE_DELETED"
    READ = "READ"
    TYPING = "TYPING"
    CLEARED = "CLEARED"
    # On the fan-out only: the blocked participant's streams end (FORBIDDEN, BLOCKED).
    BLOCKED = "BLOCKED"


@dataclass(frozen=True, slots=True)
class ConversationEvent:
    kind: EventKind
    conversation_id: uuid.UUID
    message: MessageView | None = None
    user_id: uuid.UUID | None = None
    up_to: int | None = None


@dataclass(frozen=True, slots=True)
class InboxEvent:
    kind: EventKind
    entry: InboxEntry


def view_of(conversation: Conversation, message: Message) -> MessageView:
    """``read``: the message's receiver has read up to it."""
    receiver = conversation.state_of(message.receiver_id)
    return MessageView(message, receiver.last_read_seq >= message.seq)
