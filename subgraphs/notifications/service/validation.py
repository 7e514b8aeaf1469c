"""Argument checks of notifications: each failure is BAD_USER_INPUT naming its field."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from common.errors import BadUserInput
from common.pagination import decode_cursor

MAX_TITLE = 200
MAX_BODY = 2000


def parse_id(value: object, field: str) -> uuid.UUID:
    try:
        return uuid.UUID(str(value))
    except ValueError:
        raise BadUserInput(f"{field} is not a valid ID.", field=field) from None


def parse_cursor(cursor: str | None, field: str = "after") -> tuple[datetime, uuid.UUID] | None:
    key: list[Any] | None = decode_cursor(cursor, arity=2, field=field)
    if key is None:
        return None
    try:
        return datetime.fromisoformat(str(key[0])), uuid.UUID(str(key[1]))
    except ValueError:
        raise BadUserInput(f"{field} is not a valid cursor.", field=field) from None


def check_text(value: str, field: str, limit: int) -> str:
    text = value.strip()
    if not text:
        raise BadUserInput(f"{field} must not be empty.", field=field)
    if len(text) > limit:
        raise BadUserInput(f"{field} must be at most {limit} characters.", field=field, max=limit)
    return text
