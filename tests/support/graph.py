"""The real graph for end-to-end and fuzz tests: users, properties and search served on
loopback, their SDLs composed into a supergraph, and the real router in front of them.

Clients talk only to the router, exactly as a frontend would.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass

import httpx
from starlette.applications import Starlette

from common.config import Settings
from common.demo import DEMO_USERS
from common.sdl_export import subgraph_sdl
from router.composition import SubgraphDefinition, compose
from router.config import RouterSettings
from router.server.app import create_app as create_router_app
from subgraphs.properties.app import create_app as create_properties_app
from subgraphs.properties.app import migrate as migrate_properties
from subgraphs.search.app import SearchOptions
from subgraphs.search.app import create_app as create_search_app
from subgraphs.search.app import migrate as migrate_search
from subgraphs.users.app import create_app as create_users_app
from subgraphs.users.app import migrate as migrate_users
from subgraphs.users.seed import seed as seed_users
from tests.support.graphql import GraphQLClient
from tests.support.servers import serve_asgi


@dataclass
class Graph(GraphQLClient):
    """The router's /graphql endpoint plus what tests need to wait for events."""

    search_app: Starlette
    supergraph_sdl: str

    async def login(self, email: str) -> str:
        password = next(u.password for u in DEMO_USERS if u.email == email)
        data = await self.data(
            "mutation($input: LoginInput!) { login(input: $input) { accessToken } }",
            {"input": {"email": email, "password": password}},
        )
        token: str = data["login"]["accessToken"]
        return token

    async def settle(self) -> None:
        """Wait until every property event written so far has been applied by search."""
        await self.search_app.state.runtime.wait_until_idle(timeout=30)


@asynccontextmanager
async def running_graph(settings: Settings, label: str) -> AsyncIterator[Graph]:
    """The whole graph on its own databases (``<run prefix><label>_<subgraph>``)."""
    e2e = settings.model_copy(update={"database_prefix": f"{settings.database_prefix}{label}_"})
    for migrate in (migrate_users, migrate_properties, migrate_search):
        await migrate(e2e)
    await seed_users(e2e)
    async with (
        serve_asgi(create_users_app(e2e)) as users_url,
        httpx.AsyncClient(timeout=30, trust_env=False) as http,
    ):
        e2e = e2e.model_copy(update={"jwks_url": f"{users_url}/.well-known/jwks.json"})
        async with serve_asgi(create_properties_app(e2e)) as properties_url:
            search_app = create_search_app(
                e2e,
                SearchOptions(
                    reconcile_interval_seconds=0, properties_url=f"{properties_url}/graphql"
                ),
            )
            async with serve_asgi(search_app) as search_url:
                urls = {"users": users_url, "properties": properties_url, "search": search_url}
                result = compose(
                    [
                        SubgraphDefinition(n, f"{u}/graphql", subgraph_sdl(n))
                        for n, u in urls.items()
                    ]
                )
                assert result.supergraph_sdl is not None, result.errors
                router = create_router_app(RouterSettings(), supergraph_sdl=result.supergraph_sdl)
                async with serve_asgi(router) as router_url:
                    yield Graph(router_url, http, search_app, result.supergraph_sdl)
