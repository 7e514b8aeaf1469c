"""``DomainErrorExtension``: the Strawberry extension that maps every error of a result.

Apart from ``common.errors`` so that raising domain errors (the router does too) does not
import Strawberry.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from graphql import GraphQLError
from strawberry.extensions import SchemaExtension

from common.errors import to_graphql_error
from common.input_errors import cap_echo, to_bad_user_input


class DomainErrorExtension(SchemaExtension):
    """Rewrites every error of a result: input values GraphQL refused become BAD_USER_INPUT
    naming the field, domain errors get their code, anything else is masked."""

    def _map(self, errors: list[GraphQLError]) -> list[GraphQLError]:
        document = self.execution_context.graphql_document
        mapped = [to_graphql_error(to_bad_user_input(e, document)) for e in errors]
        for error in mapped:
            # Whatever produced it, a message repeats only a bounded part of the client's input.
            error.message = cap_echo(error.message)
        return mapped

    def on_operation(self) -> Iterator[None]:
        yield
        result = self.execution_context.result
        if result is not None and result.errors:
            result.errors = self._map(result.errors)

    def on_stream_result(self, result: Any) -> Iterator[None]:
        # Results streamed over WebSocket (subscriptions, and queries sent as ``subscribe``)
        # are sent before ``on_operation`` resumes, so they are mapped here, as each is sent.
        errors = getattr(result, "errors", None)
        if errors:
            result.errors = self._map(errors)
        yield
