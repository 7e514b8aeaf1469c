"""GraphQL over HTTP (the graphql-over-http spec): GET and POST on ``/graphql``.

Order of checks: GraphiQL for browsers, body size, CSRF, media types, parameters, then the
shared operation pipeline. Every failure is a GraphQL error with ``extensions.code``; an
unexpected exception becomes ``INTERNAL_SERVER_ERROR`` with the request id, never a 500.
"""

from __future__ import annotations

import time
from typing import Any

from graphql import OperationType
from orjson import OPT_SORT_KEYS
from starlette.requests import Request
from starlette.responses import HTMLResponse, Response

from router import json_codec
from router.gateway import GatewayRequest, PreparedOperation
from router.server.errors import RequestError, error, internal_error, malformed
from router.server.graphiql import GRAPHIQL_HTML
from router.server.metrics import INTERNAL_ERROR, OK, REQUEST_ERROR, operation_name_of, outcome_of
from router.server.operation import (
    REQUEST_ID_HEADER,
    RouterState,
    forwarded_headers,
    prepare_operation,
    request_id_of,
)
from router.server.sse import event_stream_response
from router.server.uploads import close_uploads, multipart_params

GRAPHQL_RESPONSE = "application/graphql-response+json"
JSON = "application/json"
EVENT_STREAM = "text/event-stream"
MULTIPART = "multipart/form-data"
SIMPLE_CONTENT_TYPES = frozenset(
    {"text/plain", "application/x-www-form-urlencoded", "multipart/form-data"}
)
PREFLIGHT_HEADERS = ("x-apollo-operation-name", "apollo-require-preflight")
QUERY_PLAN_HEADER = "x-realio-query-plan"
CSRF_MESSAGE = (
    "This operation has been blocked as a potential Cross-Site Request Forgery (CSRF)."
    " Please either specify a 'content-type' header (with a mime-type that is not one of"
    " application/x-www-form-urlencoded, multipart/form-data, text/plain) or provide one of"
    " the following headers: x-apollo-operation-name, apollo-require-preflight"
)


def response_media_type(accept: str | None) -> str:
    """``application/graphql-response+json`` when the client accepts it, else JSON."""
    if not accept or GRAPHQL_RESPONSE not in accept:
        return JSON
    best, best_q = JSON, -1.0
    for item in accept.split(","):
        media, _, parameters = item.partition(";")
        media = media.strip().lower()
        if media not in (GRAPHQL_RESPONSE, JSON, "application/*", "*/*"):
            continue
        q = 1.0
        for parameter in parameters.split(";"):
            name, _, value = parameter.partition("=")
            if name.strip() == "q":
                try:
                    q = float(value)
                except ValueError:
                    q = 0.0
        chosen = GRAPHQL_RESPONSE if media in (GRAPHQL_RESPONSE, "application/*", "*/*") else JSON
        # Ties go to graphql-response+json, which the spec prefers.
        if q > best_q or (q == best_q and chosen == GRAPHQL_RESPONSE):
            best, best_q = chosen, q
    return best if best_q > 0 else JSON


def _content_type(request: Request) -> str | None:
    value = request.headers.get("content-type")
    if value is None:
        return None
    return value.partition(";")[0].strip().lower()


def _passes_csrf(request: Request, content_type: str | None) -> bool:
    # A browser can send these without a CORS preflight; anything else proves a preflight.
    if content_type is not None and content_type not in SIMPLE_CONTENT_TYPES:
        return True
    headers = request.headers
    return any(name in headers for name in PREFLIGHT_HEADERS)


async def _read_body(request: Request, limit: int) -> bytes:
    declared = request.headers.get("content-length")
    if declared is not None and declared.isdigit() and int(declared) > limit:
        raise RequestError(
            [error(f"Request body is larger than {limit} bytes.", "PAYLOAD_TOO_LARGE")],
            status=413,
            legacy_status=413,
        )
    chunks: list[bytes] = []
    size = 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            raise RequestError(
                [error(f"Request body is larger than {limit} bytes.", "PAYLOAD_TOO_LARGE")],
                status=413,
                legacy_status=413,
            )
        chunks.append(chunk)
    return b"".join(chunks)


def _json_parameter(request: Request, name: str) -> Any:
    raw = request.query_params.get(name)
    if raw is None or raw == "":
        return None
    try:
        return json_codec.loads(raw)
    except json_codec.JSONDecodeError:
        raise malformed(f"The '{name}' parameter is not valid JSON.") from None


async def _params(request: Request, state: RouterState) -> dict[str, Any]:
    if request.method == "GET":
        return {
            "query": request.query_params.get("query"),
            "operationName": request.query_params.get("operationName") or None,
            "variables": _json_parameter(request, "variables"),
            "extensions": _json_parameter(request, "extensions"),
        }
    content_type = _content_type(request)
    if content_type == MULTIPART:
        return await multipart_params(request, state.settings.max_upload_bytes)
    if content_type != JSON and not (content_type or "").endswith("+json"):
        raise malformed(
            "POST requests must have content-type application/json"
            " (or multipart/form-data for file uploads).",
            status=415,
        )
    body = await _read_body(request, state.settings.max_request_bytes)
    try:
        params = json_codec.loads(body)
    except json_codec.JSONDecodeError:
        raise malformed("The request body is not valid JSON.") from None
    if not isinstance(params, dict):
        raise malformed("The request body must be a JSON object (batching is not supported).")
    return params


async def graphql_http(request: Request) -> Response:
    """The ``/graphql`` endpoint for HTTP GET and POST."""
    state: RouterState = request.app.state.router
    headers = request.headers
    accept = headers.get("accept")
    if (
        request.method == "GET"
        and accept is not None
        and "text/html" in accept
        and "query" not in request.query_params
    ):
        return HTMLResponse(GRAPHIQL_HTML)
    request_id = request_id_of(headers)
    media_type = response_media_type(accept)
    wants_events = accept is not None and EVENT_STREAM in accept
    response_headers = {REQUEST_ID_HEADER: request_id}
    started = time.perf_counter()
    observed = _Observed()
    response = await _respond(
        request, state, request_id, media_type, wants_events, response_headers, observed
    )
    metrics = state.metrics
    if metrics is not None:
        transport = "sse" if wants_events else "http"
        seconds = None if observed.kind == "subscription" else time.perf_counter() - started
        metrics.observe_request(transport, observed.name, observed.kind, observed.outcome, seconds)
    return response


async def _execute(
    state: RouterState, prepared: PreparedOperation, request: GatewayRequest, show_plan: bool
) -> tuple[dict[str, Any], bytes]:
    """The result and its JSON; identical queries in flight share both (decision 0034).

    Identical: the same document, operation name, variables and viewer (``authorization``;
    whether the query plan is shown too). Never a mutation; subscriptions do not come here.
    """
    gateway = state.gateway

    async def execute() -> tuple[dict[str, Any], bytes]:
        result = await gateway.execute(prepared, request, include_plan=show_plan)
        return result, json_codec.dumps(result)

    inflight = state.inflight
    if inflight is None or prepared.operation_type is not OperationType.QUERY:
        return await execute()
    variables = request.variables
    key = (
        request.query,
        request.operation_name,
        json_codec.dumps(variables, option=OPT_SORT_KEYS) if variables else b"",
        request.headers.get("authorization"),
        show_plan,
    )
    return await inflight.run(key, execute)


class _Observed:
    """What the metrics learn of one request while it is answered."""

    __slots__ = ("kind", "name", "outcome")

    def __init__(self) -> None:
        self.name: str | None = None
        self.kind = "unknown"
        self.outcome = REQUEST_ERROR


async def _respond(
    request: Request,
    state: RouterState,
    request_id: str,
    media_type: str,
    wants_events: bool,
    response_headers: dict[str, str],
    observed: _Observed,
) -> Response:
    headers = request.headers
    multipart = _content_type(request) == MULTIPART
    params: dict[str, Any] | None = None
    try:
        if state.settings.csrf_prevention and not _passes_csrf(request, _content_type(request)):
            raise RequestError([error(CSRF_MESSAGE, "CSRF_ERROR")], status=400, legacy_status=400)
        params = await _params(request, state)
        name = params.get("operationName")
        observed.name = name if isinstance(name, str) else None
        forwarded = forwarded_headers(request, request_id, state.addressing)
        gateway_request, prepared = await prepare_operation(state, params, forwarded)
        observed.name = gateway_request.operation_name or operation_name_of(prepared)
        observed.kind = prepared.operation_type.value
        if request.method == "GET" and prepared.operation_type is OperationType.MUTATION:
            raise RequestError(
                [error("Mutations cannot be sent with GET; use POST.", "METHOD_NOT_ALLOWED")],
                status=405,
                legacy_status=405,
                headers={"allow": "POST"},
            )
        if wants_events:
            if multipart:
                raise malformed("File uploads need a plain POST, not an event stream.")
            observed.outcome = OK
            return event_stream_response(state, prepared, gateway_request, response_headers)
        if prepared.operation_type is OperationType.SUBSCRIPTION:
            raise RequestError(
                [
                    error(
                        "Subscriptions need a WebSocket or 'Accept: text/event-stream'.",
                        "BAD_REQUEST",
                    )
                ]
            )
        show_plan = (
            state.settings.query_plan_header_enabled and headers.get(QUERY_PLAN_HEADER) == "true"
        )
        result, body = await _execute(state, prepared, gateway_request, show_plan)
        observed.outcome = outcome_of(result)
        # graphql-response+json: a response without data is a request error (spec: 4xx).
        status = 200 if media_type == JSON or "data" in result else 400
        return Response(body, status, response_headers, media_type)
    except RequestError as exc:
        observed.outcome = REQUEST_ERROR
        response_headers.update(exc.headers)
        # graphql-sse answers request errors with a 4xx JSON body, like graphql-response+json.
        strict = media_type == GRAPHQL_RESPONSE or wants_events
        status = exc.status if strict else exc.legacy_status
        if exc.data_null:
            status = 200  # a response with data (null) is not a request error
            body = json_codec.dumps({"data": None, "errors": exc.errors})
        else:
            body = json_codec.dumps({"errors": exc.errors})
        return Response(body, status, response_headers, media_type)
    except Exception as exc:
        observed.outcome = INTERNAL_ERROR
        body = json_codec.dumps({"data": None, "errors": [internal_error(request_id, exc)]})
        return Response(body, 200, response_headers, media_type)
    finally:
        if multipart and params is not None:
            close_uploads(params)
