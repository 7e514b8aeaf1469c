"""Structured JSON logs on stdout that carry the current request id.

Every line a process writes to stdout is one JSON object, uvicorn's own lines included:
:func:`configure_logging` routes uvicorn's loggers through the same handler, whichever way
uvicorn was started (``uvicorn.run``, or the ``uvicorn`` command with ``--factory``, which
builds the app, and so configures logging, before uvicorn logs anything).
"""

from __future__ import annotations

import json
import logging
import sys
import uuid
from contextvars import ContextVar
from datetime import UTC, datetime

_request_id: ContextVar[str | None] = ContextVar("realio_request_id", default=None)

# uvicorn adds ``color_message`` (the message with terminal colours) to its records.
_STANDARD_ATTRS = set(vars(logging.makeLogRecord({}))) | {"message", "asctime", "color_message"}
UVICORN_LOGGERS = ("uvicorn", "uvicorn.error", "uvicorn.access", "uvicorn.asgi")
# Strawberry logs every GraphQL error at ERROR with its traceback; common.errors logs them
# instead, at INFO for expected failures and at ERROR only for unexpected ones.
_SILENCED = ("strawberry.execution",)


def current_request_id() -> str:
    """The id of the request being served, or a fresh one outside any request."""
    value = _request_id.get()
    if value is None:
        value = uuid.uuid4().hex
        _request_id.set(value)
    return value


def set_request_id(value: str | None) -> str:
    """Bind a request id (the caller's ``x-request-id`` when given) to the current context."""
    request_id = value if value and len(value) <= 128 else uuid.uuid4().hex
    _request_id.set(request_id)
    return request_id


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, object] = {
            "ts": datetime.fromtimestamp(record.created, UTC).isoformat(),
            "level": record.levelname,
            "logger": record.name,
            "msg": record.getMessage(),
        }
        request_id = _request_id.get()
        if request_id:
            entry["request_id"] = request_id
        for key, value in vars(record).items():
            if key not in _STANDARD_ATTRS and not key.startswith("_"):
                entry[key] = value
        if record.exc_info:
            entry["exc"] = self.formatException(record.exc_info)
        return json.dumps(entry, default=str)


def configure_logging(level: str = "INFO", json_output: bool = True) -> None:
    """Install one stdout handler on the root logger and route uvicorn's loggers to it.

    Idempotent. Pass ``log_config=None`` to ``uvicorn.run`` afterwards, so uvicorn keeps it.
    """
    root = logging.getLogger()
    root.setLevel(level.upper())
    for handler in list(root.handlers):
        if getattr(handler, "_realio", False):
            root.removeHandler(handler)
    for name in UVICORN_LOGGERS:
        uvicorn_logger = logging.getLogger(name)
        uvicorn_logger.handlers.clear()
        uvicorn_logger.propagate = True
    for name in _SILENCED:
        logging.getLogger(name).setLevel(logging.CRITICAL)
    handler = logging.StreamHandler(sys.stdout)
    handler._realio = True  # type: ignore[attr-defined]
    handler.setFormatter(
        JsonFormatter() if json_output else logging.Formatter("%(levelname)s %(name)s %(message)s")
    )
    root.addHandler(handler)
