"""Fixtures of the search tests: isolated search databases and both index adapters.

Every adapter runs the same contract suite. Elasticsearch runs whenever
``REALIO_ELASTICSEARCH_URL`` is set; otherwise its cases skip and say why.
"""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker
from starlette.applications import Starlette

from common.auth.tokens import TokenSigner, TokenVerifier, load_or_create_private_key
from common.auth.viewer import Role
from common.config import Settings
from common.db import ReadPool, create_engine, session_factory, transaction
from common.events import EventRuntime
from subgraphs.search.app import SearchOptions, create_app, migrate
from subgraphs.search.index.port import SearchIndex
from subgraphs.search.index.postgres import PostgresSearchIndex
from subgraphs.search.reconcile import TokenProvider
from tests.integration.search import corpus
from tests.support.graphql import GraphQLClient
from tests.support.personas import persona
from tests.support.servers import serve_asgi

ADAPTERS = ["postgres", "elasticsearch"]


def isolated(settings: Settings, label: str) -> Settings:
    """Settings whose search database is this label's own (dropped with the run's others)."""
    return settings.model_copy(update={"database_prefix": f"{settings.database_prefix}{label}_"})


async def migrated_engine(settings: Settings) -> AsyncEngine:
    await migrate(settings)
    return create_engine(settings, "search")


@pytest.fixture(scope="package")
async def contract_engine(settings: Settings) -> AsyncIterator[AsyncEngine]:
    engine = await migrated_engine(isolated(settings, "contract"))
    yield engine
    await engine.dispose()


async def _build_index(adapter: str, engine: AsyncEngine, settings: Settings) -> SearchIndex:
    if adapter == "postgres":
        # As the app builds it: the shaped pages on a read pool (decision 0043).
        return PostgresSearchIndex(engine, read_pool_size=2)
    if not settings.elasticsearch_url:
        pytest.skip("Elasticsearch contract skipped: REALIO_ELASTICSEARCH_URL is not set")
    from subgraphs.search.index.elasticsearch import ElasticsearchIndex

    index = ElasticsearchIndex.from_url(
        settings.elasticsearch_url,
        index_name=f"realio-test-{uuid.uuid4().hex[:10]}",
        refresh="wait_for",
    )
    await index.create()
    return index


async def _discard(index: SearchIndex) -> None:
    """Elasticsearch: drop the index (which closes its client); Postgres: close its pool."""
    method = getattr(index, "drop", None) or getattr(index, "close", None)
    if method is not None:
        await method()


@pytest.fixture(scope="package", params=ADAPTERS)
async def contract_index(
    request: pytest.FixtureRequest, contract_engine: AsyncEngine, settings: Settings
) -> AsyncIterator[SearchIndex]:
    """An index of each adapter, loaded with the corpus once for the whole suite."""
    index = await _build_index(request.param, contract_engine, settings)
    sessions = session_factory(contract_engine)
    async with transaction(sessions) as session:
        for name in corpus.ROWS:
            await index.upsert(session, corpus.document(name, salt=request.param))
    yield index
    await _discard(index)


@pytest.fixture(scope="package")
def contract_sessions(contract_engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    return session_factory(contract_engine)


@pytest.fixture(scope="package")
async def writes_engine(settings: Settings) -> AsyncIterator[AsyncEngine]:
    engine = await migrated_engine(isolated(settings, "writes"))
    yield engine
    await engine.dispose()


@pytest.fixture(scope="package", params=ADAPTERS)
async def writable_index(
    request: pytest.FixtureRequest, writes_engine: AsyncEngine, settings: Settings
) -> AsyncIterator[SearchIndex]:
    """An index of each adapter for write tests; they query by ``ids`` to stay independent."""
    index = await _build_index(request.param, writes_engine, settings)
    yield index
    await _discard(index)


# --- the served graph: the real properties subgraph feeding the real search subgraph ---------


@dataclass
class ServedGraph:
    settings: Settings
    signer: TokenSigner
    properties: GraphQLClient
    search: GraphQLClient
    search_app: Starlette
    properties_engine: AsyncEngine
    key_file: Path  # the signing key ``signer`` holds; both subgraphs trust its tokens

    @property
    def runtime(self) -> EventRuntime:
        runtime: EventRuntime = self.search_app.state.runtime
        return runtime

    @property
    def search_engine(self) -> AsyncEngine:
        engine: AsyncEngine = self.search_app.state.engine
        return engine

    @property
    def search_read_pools(self) -> list[ReadPool]:
        """The Postgres index's read pool, where the shaped pages go (none for Elasticsearch)."""
        pool: ReadPool | None = getattr(self.search_app.state.index, "read_pool", None)
        return [] if pool is None else [pool]

    async def settle(self) -> None:
        """Wait until every property event written so far is applied by search."""
        await self.runtime.wait_until_idle(timeout=30)

    def admin_token(self) -> TokenProvider:
        async def provide() -> str:
            return persona(self.signer, Role.ADMIN).token

        return provide


@pytest.fixture(scope="package")
async def graph(
    settings: Settings, tmp_path_factory: pytest.TempPathFactory
) -> AsyncIterator[ServedGraph]:
    """properties and search served on loopback, sharing an isolated set of databases."""
    from subgraphs.properties.app import create_app as create_properties_app
    from subgraphs.properties.app import migrate as migrate_properties

    served_settings = isolated(settings, "graph")
    key_file = tmp_path_factory.mktemp("keys") / "k.pem"
    signer = TokenSigner(load_or_create_private_key(key_file), served_settings)
    verifier = TokenVerifier(served_settings, jwks=signer.jwks)
    await migrate_properties(served_settings)
    await migrate(served_settings)
    properties_app = create_properties_app(served_settings, verifier=verifier)
    async with (
        serve_asgi(properties_app) as properties_url,
        httpx.AsyncClient(timeout=30) as http,
    ):
        search_app = create_app(
            served_settings,
            SearchOptions(reconcile_interval_seconds=0, properties_url=f"{properties_url}/graphql"),
            verifier=verifier,
        )
        async with serve_asgi(search_app) as search_url:
            yield ServedGraph(
                served_settings,
                signer,
                GraphQLClient(properties_url, http),
                GraphQLClient(search_url, http),
                search_app,
                properties_app.state.engine,
                key_file,
            )
