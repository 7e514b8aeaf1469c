"""Input rules of messaging; each failure is BAD_USER_INPUT naming the argument's field."""

from __future__ import annotations

import unicodedata
import uuid

from common.errors import BadUserInput
from common.pagination import decode_cursor, encode_cursor
from subgraphs.messaging.records import MAX_CONTENT_LENGTH


def parse_id(value: object, field: str) -> uuid.UUID:
    """A UUID from a GraphQL ID, else BAD_USER_INPUT naming ``field``."""
    try:
        return uuid.UUID(str(value))
    except ValueError as exc:
        raise BadUserInput(f"{field} is not a valid id.", field=field) from exc


def clean_content(content: str, field: str = "input.content") -> str:
    """Message text as stored: plain text, NFC, no control characters but newlines and tabs.

    Content is never interpreted as markup; clients render it as text.
    """
    text = unicodedata.normalize("NFC", content)
    text = "".join(ch for ch in text if ch in "\n\t" or unicodedata.category(ch) != "Cc").strip()
    if not text:
        raise BadUserInput("Message content must not be empty.", field=field)
    if len(text) > MAX_CONTENT_LENGTH:
        raise BadUserInput(
            f"Message content must be at most {MAX_CONTENT_LENGTH} characters.",
            field=field,
            max=MAX_CONTENT_LENGTH,
        )
    return text


def message_cursor(seq: int) -> str:
    """The opaque cursor of a message within its conversation."""
    return encode_cursor([seq])


def parse_message_cursor(cursor: str | None, field: str = "after") -> int | None:
    """The seq inside a message cursor (None when no cursor); BAD_USER_INPUT when malformed."""
    key = decode_cursor(cursor, arity=1, field=field)
    if key is None:
        return None
    if not isinstance(key[0], int) or isinstance(key[0], bool) or key[0] < 0:
        raise BadUserInput(f"{field} is not a valid cursor.", field=field)
    return int(key[0])
