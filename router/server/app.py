"""Composition root of the router process: settings in, Starlette app out."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator
from typing import Any

from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.middleware.cors import CORSMiddleware
from starlette.requests import Request
from starlette.routing import Route, WebSocketRoute, websocket_session
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from common.auth.token_end import EndSubscriptionsWithToken
from common.auth.tokens import TokenVerifier
from router import json_codec
from router.apq import create_store
from router.config import RouterSettings
from router.execution.http1 import Http1Client
from router.execution.inflight import InflightGroup
from router.forwarding import ClientAddressing
from router.gateway import Gateway
from router.limits import OperationLimits
from router.server.auth import build_verifier, connection_token
from router.server.errors import internal_error
from router.server.files import serve_file
from router.server.graphiql import graphiql_asset_routes
from router.server.health import health, ready
from router.server.http import PREFLIGHT_HEADERS, QUERY_PLAN_HEADER, graphql_http
from router.server.links import serve_link
from router.server.metrics import RouterMetrics, metrics_endpoint
from router.server.operation import REQUEST_ID_HEADER, ConnectHook, RouterState, request_id_of
from router.server.websocket import graphql_websocket
from router.transport.websocket import WebSocketSubscriptionTransport


class InternalErrorMiddleware:
    """Last line of defence: an exception escaping a handler becomes a GraphQL error, not a 500."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = False

        async def tracking_send(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        try:
            await self.app(scope, receive, tracking_send)
        except Exception as exc:
            if started:
                raise  # too late to answer differently; the server drops the connection
            headers = {k.decode().lower(): v.decode() for k, v in scope.get("headers", [])}
            request_id = request_id_of(headers)
            body = json_codec.dumps({"data": None, "errors": [internal_error(request_id, exc)]})
            await send(
                {
                    "type": "http.response.start",
                    "status": 200,
                    "headers": [
                        (b"content-type", b"application/json"),
                        (b"content-length", str(len(body)).encode()),
                        (REQUEST_ID_HEADER.encode(), request_id.encode()),
                    ],
                }
            )
            await send({"type": "http.response.body", "body": body})


class RouterApp(Starlette):
    """Starlette with a direct path to ``/graphql`` over HTTP, the one hot endpoint.

    Starlette's stack (server-error and exception middleware, routing, the request/response
    adapter) wraps every request and every ``send`` in several coroutine layers; on a cached
    single-subgraph query that is a measurable share of the router's own CPU. GET and POST on
    ``/graphql`` go straight to the handler, still behind :class:`InternalErrorMiddleware`,
    which is the only layer that changes what such a request can answer. Everything else
    (other paths and methods, WebSockets, lifespan) and every request when CORS is on takes
    the full stack.
    """

    graphql_fast_path: bool = False

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._graphql_app = InternalErrorMiddleware(_graphql_endpoint)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if (
            self.graphql_fast_path
            and scope["type"] == "http"
            and scope["path"] == "/graphql"
            and scope["method"] in ("GET", "POST")
            and not scope.get("root_path")
        ):
            scope["app"] = self
            await self._graphql_app(scope, receive, send)
            return
        await super().__call__(scope, receive, send)


async def _graphql_endpoint(scope: Scope, receive: Receive, send: Send) -> None:
    response = await graphql_http(Request(scope, receive, send))
    await response(scope, receive, send)


def build_http_client(settings: RouterSettings) -> Http1Client:
    """The pooled keep-alive client the gateway uses for every subgraph fetch.

    Call it inside the running event loop (the app's lifespan does).
    """
    return Http1Client(max_connections=settings.subgraph_max_connections)


def create_app(
    settings: RouterSettings,
    *,
    gateway: Gateway | None = None,
    supergraph_sdl: str | None = None,
    on_connect: ConnectHook | None = None,
    token_verifier: TokenVerifier | None = None,
) -> RouterApp:
    """The router's ASGI app for ``settings``.

    The gateway is built from ``supergraph_sdl`` (or the file ``settings.supergraph``) unless
    one is given; the app closes what it built when it shuts down. WebSocket tokens are
    verified by ``token_verifier``, or one built from ``settings.jwks_url``.
    """
    owned: list[Any] = []
    built_gateway = gateway is None
    if gateway is None:
        sdl = supergraph_sdl if supergraph_sdl is not None else settings.supergraph.read_text()
        gateway = Gateway(
            sdl,
            subgraph_urls=settings.subgraph_urls or None,
            subgraph_timeout=settings.subgraph_timeout,
            per_subgraph_timeouts=settings.subgraph_timeouts or None,
            subscription_transport=WebSocketSubscriptionTransport(),
            plan_cache_size=settings.plan_cache_size,
            override_labels=settings.override_labels,
            share_subgraph_fetches=settings.deduplicate_subgraph_fetches,
        )
        owned.append(gateway)
    apq = None
    if settings.apq_enabled:
        apq = create_store(
            settings.apq_cache_size,
            settings.redis_url,
            settings.redis_key_prefix,
            max_query_bytes=settings.apq_max_query_bytes,
            ttl_seconds=settings.apq_ttl_seconds,
        )
        owned.append(apq)
    state = RouterState(
        settings=settings,
        gateway=gateway,
        limits=OperationLimits(settings.limits, gateway.api_schema, settings.plan_cache_size),
        apq=apq,
        on_connect=on_connect,
        verifier=token_verifier or build_verifier(settings),
        metrics=RouterMetrics(gateway, max_operations=settings.metrics_max_operations),
        addressing=ClientAddressing.from_settings(
            settings.trusted_proxies, settings.forwarding_secret
        ),
        inflight=InflightGroup() if settings.deduplicate_inflight_requests else None,
    )

    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        # HTTP clients belong to the loop they are created in: open them here, not above.
        app.state.probe_client = None  # opened by the first /ready (health.ready)
        http_client = None
        if built_gateway:
            http_client = build_http_client(settings)
            state.gateway.use_http_client(http_client)
        if state.verifier is not None:
            await state.verifier.start()  # follows the revocation feed (decision 0017)
        try:
            yield
        finally:
            if state.verifier is not None:
                await state.verifier.stop()
            for resource in reversed(owned):
                await resource.aclose()
            if http_client is not None:
                await http_client.aclose()
            if app.state.probe_client is not None:
                await app.state.probe_client.close()

    middleware = [Middleware(InternalErrorMiddleware)]
    cors = bool(settings.cors_origins or settings.cors_origin_regex)
    if cors:
        middleware.append(
            Middleware(
                CORSMiddleware,
                allow_origins=settings.cors_origins,
                allow_origin_regex=settings.cors_origin_regex,
                allow_methods=["GET", "POST", "OPTIONS"],
                allow_headers=[
                    "content-type",
                    "authorization",
                    "traceparent",
                    "tracestate",
                    REQUEST_ID_HEADER,
                    QUERY_PLAN_HEADER,
                    *PREFLIGHT_HEADERS,
                ],
                expose_headers=[REQUEST_ID_HEADER],
                allow_credentials=True,
            )
        )
    app = RouterApp(
        routes=[
            Route("/graphql", graphql_http, methods=["GET", "POST"]),
            WebSocketRoute(
                "/graphql",
                # Open operations end (UNAUTHENTICATED, then 4403) when the token does (0030).
                EndSubscriptionsWithToken(
                    websocket_session(graphql_websocket),
                    lambda _: state.verifier,
                    connection_token,
                ),
            ),
            Route("/health", health, methods=["GET"]),
            Route("/ready", ready, methods=["GET"]),
            Route("/metrics", metrics_endpoint, methods=["GET"]),
            Route("/files/{subgraph}/{key:path}", serve_file, methods=["GET"]),
            Route("/links/{subgraph}/{path:path}", serve_link, methods=["GET", "POST"]),
            *graphiql_asset_routes(),
        ],
        middleware=middleware,
        lifespan=lifespan,
    )
    app.state.router = state
    # CORS answers preflights and decorates responses: with it on, keep the full stack.
    app.graphql_fast_path = not cors
    return app
