"""The real graph for end-to-end and fuzz tests: every subgraph served on loopback, their SDLs
composed into a supergraph, and the real router in front of them.

Clients talk only to the router, exactly as a frontend would. A new subgraph joins the graph by
adding one ``GraphMember`` to ``MEMBERS`` (in start order: a member sees the URLs of those
before it).
"""

from __future__ import annotations

import secrets
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import AsyncExitStack, asynccontextmanager
from dataclasses import dataclass, field

import httpx
from starlette.applications import Starlette

from common.auth.service_credentials import secret_digest
from common.config import ServiceCredential, Settings
from common.demo import DEMO_USERS
from common.sdl_export import subgraph_sdl
from router.composition import SubgraphDefinition, compose
from router.config import RouterSettings
from router.server.app import create_app as create_router_app
from subgraphs.bookings.app import BookingsOptions
from subgraphs.bookings.app import create_app as create_bookings_app
from subgraphs.bookings.app import migrate as migrate_bookings
from subgraphs.messaging.app import create_app as create_messaging_app
from subgraphs.messaging.app import migrate as migrate_messaging
from subgraphs.notifications.app import NotificationsOptions
from subgraphs.notifications.app import create_app as create_notifications_app
from subgraphs.notifications.app import migrate as migrate_notifications
from subgraphs.properties.app import create_app as create_properties_app
from subgraphs.properties.app import migrate as migrate_properties
from subgraphs.recommendations.app import RecommendationsOptions
from subgraphs.recommendations.app import create_app as create_recommendations_app
from subgraphs.recommendations.app import migrate as migrate_recommendations
from subgraphs.search.app import SearchOptions
from subgraphs.search.app import create_app as create_search_app
from subgraphs.search.app import migrate as migrate_search
from subgraphs.users.app import create_app as create_users_app
from subgraphs.users.app import migrate as migrate_users
from subgraphs.users.seed import seed as seed_users
from tests.support.graphql import GraphQLClient
from tests.support.servers import serve_asgi

# Builds a member's app from the graph's settings and the base URLs of the members before it.
AppFactory = Callable[[Settings, dict[str, str]], Starlette]


@dataclass(frozen=True)
class GraphMember:
    """One subgraph of the test graph: how to migrate it and how to build its app."""

    name: str
    migrate: Callable[[Settings], Awaitable[object]]
    create_app: AppFactory


def _search_app(settings: Settings, urls: dict[str, str]) -> Starlette:
    return create_search_app(
        settings,
        SearchOptions(reconcile_interval_seconds=0, properties_url=f"{urls['properties']}/graphql"),
    )


def _bookings_app(settings: Settings, urls: dict[str, str]) -> Starlette:
    # The schedule loop is driven by tests (services.schedule.run_due), not by a timer.
    return create_bookings_app(settings, BookingsOptions(schedule_interval_seconds=0))


def _notifications_app(settings: Settings, urls: dict[str, str]) -> Starlette:
    # The unread-message schedule is driven by tests (services.message_alerts.run_due).
    return create_notifications_app(settings, NotificationsOptions(schedule_interval_seconds=0))


def _recommendations_app(settings: Settings, urls: dict[str, str]) -> Starlette:
    # Tests train (services.training.train) and refresh (services.model.refresh) themselves.
    return create_recommendations_app(
        settings, RecommendationsOptions(refresh_interval_seconds=0, train_when_empty=False)
    )


# A service credential the graph accepts (decision 0027): it may send notifications.
SERVICE_TOKEN = "rsvc.e2e-sender.e2e-sender-secret-for-tests-only"
SERVICE_CREDENTIALS = {
    "e2e-sender": ServiceCredential(
        secret_sha256=secret_digest("e2e-sender-secret-for-tests-only"),
        scopes=["notifications:send"],
    )
}


MEMBERS: list[GraphMember] = [
    GraphMember("users", migrate_users, lambda s, _: create_users_app(s)),
    GraphMember("properties", migrate_properties, lambda s, _: create_properties_app(s)),
    GraphMember("search", migrate_search, _search_app),
    GraphMember("bookings", migrate_bookings, _bookings_app),
    GraphMember("messaging", migrate_messaging, lambda s, _: create_messaging_app(s)),
    GraphMember("notifications", migrate_notifications, _notifications_app),
    GraphMember("recommendations", migrate_recommendations, _recommendations_app),
]


@dataclass
class Graph(GraphQLClient):
    """The router's /graphql endpoint plus what tests need to wait for events."""

    supergraph_sdl: str
    apps: dict[str, Starlette] = field(default_factory=dict)
    subgraph_urls: dict[str, str] = field(default_factory=dict)
    servers: dict[str, AsyncExitStack] = field(default_factory=dict)

    async def stop_subgraph(self, name: str) -> None:
        """Stop one subgraph's server (its port then refuses connections), for failure tests."""
        await self.servers.pop(name).aclose()

    @property
    def search_app(self) -> Starlette:
        return self.apps["search"]

    async def login(self, email: str) -> str:
        password = next(u.password for u in DEMO_USERS if u.email == email)
        data = await self.data(
            "mutation($input: LoginInput!) { login(input: $input) { accessToken } }",
            {"input": {"email": email, "password": password}},
        )
        token: str = data["login"]["accessToken"]
        return token

    async def settle(self) -> None:
        """Wait until every event written so far has been applied by every consumer."""
        for app in self.apps.values():
            runtime = getattr(app.state, "runtime", None)
            if runtime is not None and hasattr(runtime, "wait_until_idle"):
                await runtime.wait_until_idle(timeout=30)


@asynccontextmanager
async def running_graph(
    settings: Settings, label: str, router_settings: RouterSettings | None = None
) -> AsyncIterator[Graph]:
    """The whole graph on its own databases (``<run prefix><label>_<subgraph>``).

    The router and the subgraphs share a forwarding secret, as deployed (decision 0012).
    """
    router_settings = router_settings or RouterSettings()
    secret = router_settings.forwarding_secret or secrets.token_hex(16)
    router_settings = router_settings.model_copy(update={"forwarding_secret": secret})
    e2e = settings.model_copy(
        update={
            "database_prefix": f"{settings.database_prefix}{label}_",
            # Redis state (rate limits, caches) of its own too, as processes.py gives
            # processes: a graph is not limited by what earlier tests did from 127.0.0.1.
            "redis_key_prefix": f"{settings.redis_key_prefix}{label}:",
            "forwarding_secret": secret,
            "service_credentials": {**settings.service_credentials, **SERVICE_CREDENTIALS},
        }
    )
    for member in MEMBERS:
        await member.migrate(e2e)
    await seed_users(e2e)
    async with AsyncExitStack() as stack:
        http = await stack.enter_async_context(httpx.AsyncClient(timeout=30, trust_env=False))
        urls: dict[str, str] = {}
        apps: dict[str, Starlette] = {}
        servers: dict[str, AsyncExitStack] = {}
        for member in MEMBERS:
            app = member.create_app(e2e, dict(urls))
            server = servers[member.name] = await stack.enter_async_context(AsyncExitStack())
            urls[member.name] = await server.enter_async_context(serve_asgi(app))
            apps[member.name] = app
            if member.name == "users":
                users_url = urls["users"]
                e2e = e2e.model_copy(
                    update={
                        "jwks_url": f"{users_url}/.well-known/jwks.json",
                        "revocations_url": f"{users_url}/auth/revocations",
                    }
                )
        result = compose(
            [SubgraphDefinition(n, f"{u}/graphql", subgraph_sdl(n)) for n, u in urls.items()]
        )
        assert result.supergraph_sdl is not None, result.errors
        chosen = router_settings
        if "jwks_url" not in chosen.model_fields_set:  # the router trusts this graph's users
            chosen = chosen.model_copy(
                update={"jwks_url": e2e.jwks_url, "revocations_url": e2e.revocations_url}
            )
        router = create_router_app(chosen, supergraph_sdl=result.supergraph_sdl)
        router_url = await stack.enter_async_context(serve_asgi(router))
        graph = Graph(router_url, http, result.supergraph_sdl, apps, urls, servers)
        # The seed's events (users' user.registered, …) are applied before the first test:
        # messaging, for one, knows the demo users only from them.
        await graph.settle()
        yield graph
