"""Beanie documents of the MongoDB chat store (the same fields as the Postgres tables)."""

from __future__ import annotations

import uuid
from datetime import datetime

from beanie import Document
from pydantic import BaseModel, Field
from pymongo import ASCENDING, DESCENDING, IndexModel


class ParticipantDoc(BaseModel):
    user_id: uuid.UUID
    last_read_seq: int = 0
    cleared_seq: int = 0


class ConversationDoc(Document):
    id: uuid.UUID = Field(default_factory=uuid.uuid4)  # type: ignore[assignment]
    sender_id: uuid.UUID
    receiver_id: uuid.UUID
    user_low: uuid.UUID
    user_high: uuid.UUID
    property_id: uuid.UUID | None = None
    # property_id as text, "" when none: one conversation per pair and listing (unique index).
    property_key: str
    participant_ids: list[uuid.UUID]
    participants: list[ParticipantDoc]
    last_seq: int = 0
    last_message_id: uuid.UUID | None = None
    last_message_at: datetime
    created_at: datetime
    updated_at: datetime

    class Settings:
        name = "conversations"
        indexes = [
            IndexModel(
                [("user_low", ASCENDING), ("user_high", ASCENDING), ("property_key", ASCENDING)],
                unique=True,
            ),
            IndexModel(
                [
                    ("participant_ids", ASCENDING),
                    ("last_message_at", DESCENDING),
                    ("_id", DESCENDING),
                ]
            ),
            IndexModel([("property_id", ASCENDING)]),
        ]


class MessageDoc(Document):
    id: uuid.UUID  # type: ignore[assignment]
    conversation_id: uuid.UUID
    seq: int
    sender_id: uuid.UUID
    receiver_id: uuid.UUID
    content: str
    deleted: bool = False
    created_at: datetime
    updated_at: datetime

    class Settings:
        name = "messages"
        indexes = [
            IndexModel([("conversation_id", ASCENDING), ("seq", DESCENDING)], unique=True),
        ]


class BlockDoc(Document):
    id: str  # type: ignore[assignment]  # "<blocker>:<blocked>"
    blocker_id: uuid.UUID
    blocked_id: uuid.UUID
    created_at: datetime

    class Settings:
        name = "blocks"


class IdempotencyDoc(Document):
    id: str  # type: ignore[assignment]  # "<user>:<operation>:<key>"
    fingerprint: str
    result_id: str = ""
    created_at: datetime

    class Settings:
        name = "idempotency_keys"


DOCUMENTS: list[type[Document]] = [ConversationDoc, MessageDoc, BlockDoc, IdempotencyDoc]
