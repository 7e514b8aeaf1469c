"""Live events as JSON on the fan-out channels, and back."""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from datetime import datetime
from typing import Any

from subgraphs.messaging.records import Message, MessageView


def message_payload(view: MessageView) -> dict[str, Any]:
    m = view.message
    return {
        "id": str(m.id),
        "conversation_id": str(m.conversation_id),
        "seq": m.seq,
        "sender_id": str(m.sender_id),
        "receiver_id": str(m.receiver_id),
        "content": m.content,
        "deleted": m.deleted,
        "created_at": m.created_at.isoformat(),
        "updated_at": m.updated_at.isoformat(),
        "read": view.read,
    }


def message_of_payload(payload: Mapping[str, Any]) -> MessageView:
    message = Message(
        id=uuid.UUID(payload["id"]),
        conversation_id=uuid.UUID(payload["conversation_id"]),
        seq=int(payload["seq"]),
        sender_id=uuid.UUID(payload["sender_id"]),
        receiver_id=uuid.UUID(payload["receiver_id"]),
        content=str(payload["content"]),
        deleted=bool(payload["deleted"]),
        created_at=datetime.fromisoformat(payload["created_at"]),
        updated_at=datetime.fromisoformat(payload["updated_at"]),
    )
    return MessageView(message, read=bool(payload.get("read")))
