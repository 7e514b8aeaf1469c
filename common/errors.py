"""Domain errors raised by services, and their mapping to GraphQL errors in one place.

Services raise ``DomainError`` subclasses; ``DomainErrorExtension`` (in
``common.error_extension``, apart so that importing these errors does not import Strawberry:
the router raises them too and starts faster without it) turns each into a GraphQL
error carrying ``extensions.code`` and masks everything else as ``INTERNAL_SERVER_ERROR`` with
the request id, so no stack trace or internal message ever reaches a client.
"""

from __future__ import annotations

import logging
from typing import Any

from graphql import GraphQLError

from common.logging import current_request_id

log = logging.getLogger("realio.errors")


class DomainError(Exception):
    """An expected failure with a stable code that clients can act on."""

    code = "INTERNAL_SERVER_ERROR"

    def __init__(self, message: str, **extensions: Any) -> None:
        super().__init__(message)
        self.message = message
        self.extensions = extensions

    def as_extensions(self) -> dict[str, Any]:
        return {"code": self.code, **self.extensions}


class BadUserInput(DomainError):
    """Input that fails validation; ``field`` names the offending argument or input field."""

    code = "BAD_USER_INPUT"

    def __init__(self, message: str, *, field: str, **extensions: Any) -> None:
        super().__init__(message, field=field, **extensions)
        self.field = field


class Unauthenticated(DomainError):
    code = "UNAUTHENTICATED"


class Forbidden(DomainError):
    code = "FORBIDDEN"


class NotFound(DomainError):
    code = "NOT_FOUND"


class Conflict(DomainError):
    code = "CONFLICT"


class RateLimited(DomainError):
    code = "RATE_LIMITED"

    def __init__(self, message: str, *, retry_after: int) -> None:
        super().__init__(message, retryAfter=retry_after)
        self.retry_after = retry_after


def _log_expected(code: str, error: GraphQLError, extensions: dict[str, Any]) -> None:
    """One line, no traceback: the client's input or rights caused it, not our code."""
    level = logging.WARNING if code == "RATE_LIMITED" else logging.INFO
    log.log(
        level,
        "request refused",
        extra={
            "error_code": code,
            "reason": extensions.get("reason"),
            "field": extensions.get("field"),
            "path": error.path,
        },
    )


def to_graphql_error(error: GraphQLError) -> GraphQLError:
    """Map one execution error: domain errors keep their message and code, others are masked.

    Expected failures are logged at INFO (RATE_LIMITED at WARNING) without a traceback;
    unexpected ones at ERROR with theirs.
    """
    original = error.original_error
    if isinstance(original, DomainError):
        _log_expected(original.code, error, original.extensions)
        return GraphQLError(
            original.message,
            nodes=error.nodes,
            source=error.source,
            positions=error.positions,
            path=error.path,
            extensions=original.as_extensions(),
        )
    if original is None:
        # Parse and validation errors come from graphql-core itself and are safe to show.
        if error.extensions and "code" in error.extensions:
            _log_expected(str(error.extensions["code"]), error, error.extensions)
            return error
        _log_expected("GRAPHQL_VALIDATION_FAILED", error, {})
        return GraphQLError(
            error.message,
            nodes=error.nodes,
            source=error.source,
            positions=error.positions,
            path=error.path,
            extensions={**(error.extensions or {}), "code": "GRAPHQL_VALIDATION_FAILED"},
        )
    request_id = current_request_id()
    log.error(
        "unexpected error",
        exc_info=(type(original), original, original.__traceback__),
        extra={"path": error.path},
    )
    return GraphQLError(
        f"Internal server error (request id {request_id}).",
        nodes=error.nodes,
        source=error.source,
        positions=error.positions,
        path=error.path,
        extensions={"code": "INTERNAL_SERVER_ERROR", "requestId": request_id},
    )
