"""GraphQL errors the server itself produces, and their JSON form."""

from __future__ import annotations

import logging
from collections.abc import Iterable, Mapping
from typing import Any

from graphql import GraphQLError
from graphql.error import GraphQLSyntaxError

from common.input_errors import cap_echo

logger = logging.getLogger("router.server")


class RequestError(Exception):
    """A request refused before execution: a GraphQL request error plus its HTTP status.

    ``status`` is used with ``application/graphql-response+json``; ``legacy_status`` with
    ``application/json``, where the GraphQL-over-HTTP spec asks for 200 on any well-formed
    request (malformed requests, CSRF, size and method errors keep their 4xx status).
    """

    def __init__(
        self,
        errors: Iterable[GraphQLError | Mapping[str, Any]],
        status: int = 400,
        legacy_status: int = 200,
        headers: Mapping[str, str] | None = None,
        data_null: bool = False,
    ) -> None:
        self.errors = [format_error(e) for e in errors]
        self.data_null = data_null  # answered as ``{"data": null, "errors": ...}`` (200)
        super().__init__(self.errors[0]["message"] if self.errors else "request error")
        self.status = status
        self.legacy_status = legacy_status
        self.headers = dict(headers or {})


def error(message: str, code: str, **extensions: Any) -> dict[str, Any]:
    """One GraphQL error in its JSON form, with ``extensions.code``."""
    return {"message": message, "extensions": {"code": code, **extensions}}


def malformed(message: str, status: int = 400, **headers: str) -> RequestError:
    """A request that is not a GraphQL-over-HTTP request at all: 4xx whatever is accepted."""
    return RequestError(
        [error(message, "BAD_REQUEST")], status=status, legacy_status=status, headers=headers
    )


def format_error(value: GraphQLError | Mapping[str, Any]) -> dict[str, Any]:
    """The JSON form of ``value``; errors from graphql-core get a code when they lack one.

    The message repeats only a bounded part of the client's input (``cap_echo``).
    """
    if not isinstance(value, GraphQLError):
        formatted = dict(value)
        if isinstance(formatted.get("message"), str):
            formatted["message"] = cap_echo(formatted["message"])
        return formatted
    formatted = dict(value.formatted)
    formatted["message"] = cap_echo(value.message)
    extensions = dict(formatted.get("extensions") or {})
    if "code" not in extensions:
        if isinstance(value, GraphQLSyntaxError):
            extensions["code"] = "GRAPHQL_PARSE_FAILED"
        else:
            extensions["code"] = "GRAPHQL_VALIDATION_FAILED"
    formatted["extensions"] = extensions
    return formatted


def internal_error(request_id: str, exc: BaseException) -> dict[str, Any]:
    """The masked error for an unexpected exception; the details go to the log only."""
    logger.error("request %s failed", request_id, exc_info=exc)
    return error(
        f"Internal server error (request id {request_id})",
        "INTERNAL_SERVER_ERROR",
        requestId=request_id,
    )
