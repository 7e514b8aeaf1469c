"""From a transport's request parameters to a prepared operation, the same for HTTP, SSE and WS.

The steps run in order of cost: parameter shapes, persisted-query lookup, limits (tokens before
parsing), then ``Gateway.prepare`` (parse, validate, plan; cached by the gateway). A persisted
query sent with its text is registered last, once all of those have accepted it.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Protocol

from starlette.requests import HTTPConnection

from common.auth.tokens import TokenVerifier
from router.apq import PersistedQueryError, PersistedQueryStore, persisted_query_hash
from router.config import RouterSettings
from router.execution.inflight import InflightGroup
from router.forwarding import (
    FORWARDED_FOR_HEADER,
    REQUEST_ID_HEADER,
    ClientAddressing,
    subgraph_headers,
)
from router.gateway import Gateway, GatewayRequest, GatewayRequestError, PreparedOperation
from router.limits import OperationLimits
from router.server.errors import RequestError, error, malformed
from router.server.metrics import RouterMetrics

__all__ = ["REQUEST_ID_HEADER", "RouterState", "forwarded_headers", "prepare_operation"]


class ConnectHook(Protocol):
    """Decides whether a WebSocket ``connection_init`` payload is accepted (4403 when not)."""

    async def __call__(self, payload: Mapping[str, Any] | None) -> bool: ...


@dataclass
class RouterState:
    """What every request handler needs; built once by :func:`router.server.app.create_app`."""

    settings: RouterSettings
    gateway: Gateway
    limits: OperationLimits
    apq: PersistedQueryStore | None
    on_connect: ConnectHook | None = None
    metrics: RouterMetrics | None = None
    # Verifies WebSocket tokens (router.server.auth); None passes them on unchecked.
    verifier: TokenVerifier | None = None
    addressing: ClientAddressing = ClientAddressing()
    # Identical queries in flight share one execution and its encoded answer (decision 0034).
    inflight: InflightGroup[tuple[dict[str, Any], bytes]] | None = None


def request_id_of(headers: Mapping[str, str]) -> str:
    """The client's ``x-request-id``, or a new one."""
    given = headers.get(REQUEST_ID_HEADER)
    if given and len(given) <= 200:
        return given
    return uuid.uuid4().hex


def forwarded_headers(
    connection: HTTPConnection, request_id: str, addressing: ClientAddressing
) -> dict[str, str]:
    """The headers passed on to subgraphs for a client's HTTP request or WebSocket."""
    return subgraph_headers(
        connection.headers,
        request_id=request_id,
        peer=connection.client.host if connection.client else None,
        forwarded_for_chain=connection.headers.getlist(FORWARDED_FOR_HEADER),
        addressing=addressing,
    )


async def prepare_operation(
    state: RouterState,
    params: Mapping[str, Any],
    headers: Mapping[str, str],
    connection_params: Mapping[str, Any] | None = None,
) -> tuple[GatewayRequest, PreparedOperation]:
    """Check ``params`` (``query``, ``variables``, ``operationName``, ``extensions``) and plan.

    Raises :class:`RequestError` for anything refused before execution.
    """
    query = params.get("query")
    variables = params.get("variables")
    operation_name = params.get("operationName")
    extensions = params.get("extensions")
    if query is not None and not isinstance(query, str):
        raise malformed("The 'query' parameter must be a string.")
    if variables is not None and not isinstance(variables, Mapping):
        raise malformed("The 'variables' parameter must be an object.")
    if operation_name is not None and not isinstance(operation_name, str):
        raise malformed("The 'operationName' parameter must be a string.")
    if extensions is not None and not isinstance(extensions, Mapping):
        raise malformed("The 'extensions' parameter must be an object.")

    to_register: str | None = None  # the hash to register the query under once prepared
    if state.apq is not None:
        try:
            sha256_hash = persisted_query_hash(extensions)
            if sha256_hash is not None and query is None:
                query = await state.apq.lookup(sha256_hash)
            elif sha256_hash is not None and query is not None:
                state.apq.check(sha256_hash, query)
                to_register = sha256_hash
        except PersistedQueryError as exc:
            # Apollo clients read this error from a 200 response and retry with the query.
            raise RequestError([exc.error], status=200) from None
    if not query:
        raise RequestError([error("The 'query' parameter is required.", "BAD_REQUEST")])

    limit_error = state.limits.check(query, operation_name, variables)
    if limit_error is not None:
        raise RequestError([limit_error])

    request = GatewayRequest(
        query=query,
        variables=variables,
        operation_name=operation_name,
        headers=headers,
        connection_params=connection_params,
    )
    try:
        prepared = state.gateway.prepare(request)
    except GatewayRequestError as exc:
        raise RequestError(exc.errors, data_null=exc.data_null) from None
    if to_register is not None and state.apq is not None:
        await state.apq.register(to_register, query)
    return request, prepared
