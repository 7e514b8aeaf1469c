"""The events the messaging subgraph publishes on ``realio.messages`` (key: conversation id).

Payloads (snake_case, JSON):

- ``conversation.started``: ``{"conversation_id", "participant_ids", "property_id"}``
- ``message.sent``: ``{"message_id", "conversation_id", "sender_id", "receiver_id",
  "property_id"}`` (for notifications; the content stays in messaging)
- ``conversation.read``: ``{"conversation_id", "user_id", "up_to"}`` (``up_to``: the seq of the
  last message the user has read)
"""

from __future__ import annotations

from typing import Any

from common.events import Event, new_event
from subgraphs.messaging.records import Conversation, Message

PRODUCER = "messaging"
AGGREGATE_TYPE = "messages"

CONVERSATION_STARTED = "conversation.started"
MESSAGE_SENT = "message.sent"
CONVERSATION_READ = "conversation.read"


def _event(type_: str, conversation: Conversation, payload: dict[str, Any]) -> Event:
    return new_event(
        type_, conversation.id, payload, producer=PRODUCER, aggregate_type=AGGREGATE_TYPE
    )


def _id(value: object | None) -> str | None:
    return None if value is None else str(value)


def conversation_started(conversation: Conversation) -> Event:
    return _event(
        CONVERSATION_STARTED,
        conversation,
        {
            "conversation_id": str(conversation.id),
            "participant_ids": [str(p) for p in conversation.participant_ids],
            "property_id": _id(conversation.property_id),
        },
    )


def message_sent(conversation: Conversation, message: Message) -> Event:
    return _event(
        MESSAGE_SENT,
        conversation,
        {
            "message_id": str(message.id),
            "conversation_id": str(conversation.id),
            "sender_id": str(message.sender_id),
            "receiver_id": str(message.receiver_id),
            "property_id": _id(conversation.property_id),
        },
    )


def conversation_read(conversation: Conversation, user_id: object, up_to: int) -> Event:
    return _event(
        CONVERSATION_READ,
        conversation,
        {"conversation_id": str(conversation.id), "user_id": str(user_id), "up_to": up_to},
    )
