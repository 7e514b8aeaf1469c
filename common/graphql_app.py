"""The subgraph application factory: Starlette + Strawberry Federation v2.

Every subgraph serves POST/GET ``/graphql``, WebSocket ``/graphql`` (graphql-transport-ws),
``/health``, ``/ready`` (its database answers), ``/metrics`` (Prometheus text format) and
GraphiQL at GET ``/graphql`` with its assets under ``/graphiql/`` (common.graphiql).
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from contextlib import AbstractAsyncContextManager, AsyncExitStack, asynccontextmanager
from dataclasses import dataclass, field
from typing import Any

import orjson
import strawberry
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, PlainTextResponse, Response
from starlette.routing import BaseRoute, Route, WebSocketRoute
from starlette.types import ASGIApp, Receive, Scope, Send
from starlette.websockets import WebSocket
from strawberry.asgi import GraphQL
from strawberry.exceptions import ConnectionRejectionError
from strawberry.http import GraphQLHTTPResponse
from strawberry.types.unset import UnsetType

from common.auth.token_end import EndSubscriptionsWithToken
from common.auth.tokens import TokenVerifier, bearer_token
from common.auth.viewer import ANONYMOUS
from common.config import Settings
from common.context import RequestContext
from common.document_cache import DocumentCache
from common.error_extension import DomainErrorExtension
from common.errors import Unauthenticated
from common.fast_fields import resolve_basic_fields_directly
from common.gc_policy import tune_gc
from common.graphiql import graphiql_asset_routes, graphiql_html
from common.idempotency import KeyPruning
from common.input_guard import InputGuard
from common.logging import configure_logging, current_request_id, set_request_id
from common.metrics import GraphQLMetrics
from common.network import DEFAULT_TRUSTED_PROXIES, parse_networks
from common.sentry import init_sentry
from common.shape_guard import OperationShapeGuard

ReadinessCheck = Callable[[], Awaitable[bool]]


@dataclass
class SubgraphApp:
    """What a subgraph's composition root hands to ``create_subgraph_app``."""

    name: str
    schema: strawberry.federation.Schema
    services: Any
    verifier: TokenVerifier
    readiness_checks: dict[str, ReadinessCheck] = field(default_factory=dict)
    # Reported by /ready but not failing it: what the subgraph degrades without (Redis).
    degradable_checks: dict[str, ReadinessCheck] = field(default_factory=dict)
    lifespan: Callable[[], AbstractAsyncContextManager[None]] | None = None
    extra_routes: Sequence[BaseRoute] = ()
    metrics: GraphQLMetrics | None = None
    # When given, the process's logging is configured from it (JSON lines by default).
    settings: Settings | None = None
    # Forgets expired idempotency keys (``IdempotencyKeys.pruner``); run on a schedule.
    idempotency_prune: Callable[[], Awaitable[int]] | None = None


def schema_extensions(metrics: GraphQLMetrics) -> list[Any]:
    """Extensions every subgraph schema carries.

    Hooks unwind innermost first: errors get their codes (and unexpected ones are masked),
    then metrics (outermost) count the final codes. ``InputGuard`` refuses argument values no
    store can take (NUL bytes, huge decimals, over-long lists) as BAD_USER_INPUT before any
    resolver sees them. ``OperationShapeGuard`` refuses fragment blow-ups before validation
    would expand them. ``DocumentCache`` (before the shape guard, so a document it knows to be
    valid skips both) parses and validates each distinct query text once per schema.
    """
    return [
        metrics.extension(),
        DomainErrorExtension,
        InputGuard,
        DocumentCache().extension(),
        OperationShapeGuard,
    ]


def encode_response(data: object) -> bytes:
    """A GraphQL response as JSON: orjson, or the standard library for what orjson refuses
    (lone surrogates in a string echoed from input, integers beyond 64 bits)."""
    try:
        return orjson.dumps(data)
    except (orjson.JSONEncodeError, TypeError):
        return json.dumps(data, separators=(",", ":")).encode()


class SubgraphGraphQL(GraphQL[RequestContext[Any], None]):
    def __init__(self, config: SubgraphApp) -> None:
        super().__init__(config.schema, graphql_ide="graphiql", multipart_uploads_enabled=True)
        self.config = config
        self.trusted_proxies = parse_networks(
            config.settings.trusted_proxies if config.settings else DEFAULT_TRUSTED_PROXIES
        )
        self.forwarding_secret = config.settings.forwarding_secret if config.settings else None

    async def get_context(
        self, request: Request | WebSocket, response: Response | WebSocket
    ) -> RequestContext[Any]:
        context = RequestContext(
            self.config.services,
            request,
            response,
            request_id=current_request_id(),
            trusted_proxies=self.trusted_proxies,
            forwarding_secret=self.forwarding_secret,
        )
        token = bearer_token(request.headers.get("authorization"))
        if token is not None:
            try:
                context.set_viewer(await self.config.verifier.verify(token))
            except Unauthenticated as error:
                context.set_viewer(ANONYMOUS, error)
        return context

    def decode_json(self, data: str | bytes) -> object:
        # orjson reads a 50-entity request several times faster than the standard library.
        # What orjson refuses (lone surrogates, NaN, integers beyond 64 bits, bad JSON) is
        # read by the standard library as before, so the client gets the same answer.
        try:
            return orjson.loads(data)
        except orjson.JSONDecodeError:
            return json.loads(data)

    def create_response(
        self,
        response_data: GraphQLHTTPResponse | list[GraphQLHTTPResponse],
        sub_response: Response,
    ) -> Response:
        # Strawberry's own, with orjson: the standard library's encoder cost more CPU than
        # running a 50-entity fetch's resolvers (decision 0037).
        response = Response(
            encode_response(response_data), status_code=200, media_type="application/json"
        )
        response.headers.raw.extend(sub_response.headers.raw)
        if sub_response.background:
            response.background = sub_response.background
        if sub_response.status_code:
            response.status_code = sub_response.status_code
        return response

    async def render_graphql_ide(self, request: Request) -> Response:
        # Strawberry's page loads GraphiQL from a CDN; ours is served by this process.
        return HTMLResponse(graphiql_html(f"Realio {self.config.name} GraphiQL"))

    async def on_ws_connect(
        self, context: RequestContext[Any]
    ) -> UnsetType | dict[str, object] | None:
        params = context.connection_params or {}
        raw = params.get("Authorization") or params.get("authorization")
        if raw is None and params.get("token"):
            raw = f"Bearer {params['token']}"
        token = bearer_token(str(raw)) if raw else None
        if token is not None:
            try:
                context.set_viewer(await self.config.verifier.verify(token))
            except Unauthenticated as error:
                raise ConnectionRejectionError({"code": "UNAUTHENTICATED"}) from error
        return await super().on_ws_connect(context)


class RequestIdMiddleware:
    """Binds ``x-request-id`` (or a new id) to the request's context and echoes it back."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] not in ("http", "websocket"):
            await self.app(scope, receive, send)
            return
        incoming = None
        for name, value in scope.get("headers", ()):
            if name == b"x-request-id":
                incoming = value.decode("latin-1")
                break
        request_id = set_request_id(incoming).encode()

        async def send_with_id(message: Any) -> None:
            if message["type"] == "http.response.start":
                message.setdefault("headers", []).append((b"x-request-id", request_id))
            await send(message)

        await self.app(scope, receive, send_with_id)


def create_subgraph_app(config: SubgraphApp) -> Starlette:
    """The ASGI application of one subgraph."""
    if config.settings is not None:
        configure_logging(config.settings.log_level, config.settings.log_json)
        init_sentry(config.settings, config.name)
    resolve_basic_fields_directly(config.schema)
    graphql_app = SubgraphGraphQL(config)
    metrics = config.metrics

    async def health(_: Request) -> Response:
        return JSONResponse({"status": "ok", "subgraph": config.name})

    async def ready(_: Request) -> Response:
        results = {name: await check() for name, check in config.readiness_checks.items()}
        status = 200 if all(results.values()) else 503
        optional = {name: await check() for name, check in config.degradable_checks.items()}
        body: dict[str, Any] = {"ready": status == 200, "checks": {**results, **optional}}
        degraded = [name for name, ok in optional.items() if not ok]
        if degraded:
            body["degraded"] = degraded
        return JSONResponse(body, status_code=status)

    async def metrics_endpoint(_: Request) -> Response:
        body = generate_latest(metrics.registry) if metrics else b""
        return PlainTextResponse(body, media_type=CONTENT_TYPE_LATEST)

    settings = config.settings or Settings()
    pruning = None
    if config.idempotency_prune is not None:
        interval = settings.idempotency_prune_interval_seconds
        pruning = KeyPruning(config.idempotency_prune, interval)

    @asynccontextmanager
    async def lifespan(_: Starlette) -> AsyncIterator[None]:
        async with AsyncExitStack() as stack:
            if config.lifespan is not None:
                await stack.enter_async_context(config.lifespan())
            # The verifier follows the revocation feed while the app serves (decision 0017).
            await config.verifier.start()
            stack.push_async_callback(config.verifier.stop)
            if pruning is not None:
                await pruning.start()
                stack.push_async_callback(pruning.stop)
            if settings.gc_tuning:
                # Startup's objects out of the collector's way, fewer collections (0040).
                tune_gc()
            yield

    routes: list[BaseRoute] = [
        Route("/graphql", graphql_app, methods=["GET", "POST"]),
        # Open subscriptions end (UNAUTHENTICATED, then 4403) when the token does (0030).
        WebSocketRoute(
            "/graphql", EndSubscriptionsWithToken(graphql_app, lambda _: config.verifier)
        ),
        Route("/health", health),
        Route("/ready", ready),
        Route("/metrics", metrics_endpoint),
        *graphiql_asset_routes(),
        *config.extra_routes,
    ]
    app = Starlette(routes=routes, lifespan=lifespan)
    app.add_middleware(RequestIdMiddleware)
    app.state.idempotency_pruning = pruning
    return app
