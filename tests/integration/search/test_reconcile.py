"""Reconciliation repairs what events missed, reading the real properties subgraph over HTTP."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from decimal import Decimal

import httpx
import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncEngine

from common.auth.viewer import Role
from common.db import session_factory, transaction
from subgraphs.search.index.postgres import PostgresSearchIndex
from subgraphs.search.models import listings, reconciliations
from subgraphs.search.reconcile import GraphListingSource, Reconciler, ReconciliationError
from subgraphs.search.service.indexing import IndexingService
from tests.integration.search import corpus
from tests.integration.search.conftest import ServedGraph, isolated, migrated_engine
from tests.integration.search.graph import CREATE_PROPERTY, DELETE_PROPERTY, UPDATE_PROPERTY
from tests.support.listings import listing_input
from tests.support.personas import persona


@pytest.fixture
async def deaf_engine(graph: ServedGraph) -> AsyncIterator[AsyncEngine]:
    """A search database no event reaches: only reconciliation can fill it."""
    engine = await migrated_engine(isolated(graph.settings, f"deaf{uuid.uuid4().hex[:6]}"))
    yield engine
    await engine.dispose()


def _reconciler(graph: ServedGraph, engine: AsyncEngine, http: httpx.AsyncClient) -> Reconciler:
    source = GraphListingSource(http, graph.properties.url, graph.admin_token(), page_size=7)
    return Reconciler(session_factory(engine), IndexingService(PostgresSearchIndex(engine)), source)


async def _indexed_price(engine: AsyncEngine, listing_id: str) -> Decimal | None:
    async with engine.connect() as conn:
        price: Decimal | None = await conn.scalar(
            select(listings.c.price).where(listings.c.id == uuid.UUID(listing_id))
        )
    return price


async def test_reconciliation_repairs_missed_creates_updates_and_deletes(
    graph: ServedGraph, deaf_engine: AsyncEngine
) -> None:
    seller = persona(graph.signer, Role.SELLER)
    async with httpx.AsyncClient(timeout=30) as http:
        reconciler = _reconciler(graph, deaf_engine, http)
        # Something indexed that properties has never heard of (a restored backup, say).
        stranger = corpus.document("L1", salt=uuid.uuid4().hex)
        async with transaction(session_factory(deaf_engine)) as session:
            await reconciler.indexing.index.upsert(session, stranger)

        created = await graph.properties.data(
            CREATE_PROPERTY, {"input": listing_input(price="410000.00")}, token=seller.token
        )
        listing = created["createProperty"]["id"]
        report = await reconciler.run_once()
        assert listing in report.repaired_ids
        assert str(stranger.id) in report.removed_ids
        assert await _indexed_price(deaf_engine, listing) == Decimal("410000.00")

        again = await reconciler.run_once()
        assert (again.repaired, again.removed) == (0, 0)
        assert again.scanned >= report.scanned

        await graph.properties.data(
            UPDATE_PROPERTY, {"id": listing, "input": {"price": "399000.00"}}, token=seller.token
        )
        assert listing in (await reconciler.run_once()).repaired_ids
        assert await _indexed_price(deaf_engine, listing) == Decimal("399000.00")

        await graph.properties.data(DELETE_PROPERTY, {"id": listing}, token=seller.token)
        assert listing in (await reconciler.run_once()).removed_ids
        assert await _indexed_price(deaf_engine, listing) is None

    async with deaf_engine.connect() as conn:
        runs = await conn.scalar(select(reconciliations.c.id).order_by(reconciliations.c.id.desc()))
    assert runs == 4


async def test_reconciliation_without_admin_rights_fails_loudly(
    graph: ServedGraph, deaf_engine: AsyncEngine
) -> None:
    async def buyer_token() -> str:
        return persona(graph.signer, Role.BUYER).token

    async with httpx.AsyncClient(timeout=30) as http:
        source = GraphListingSource(http, graph.properties.url, buyer_token)
        reconciler = Reconciler(
            session_factory(deaf_engine),
            IndexingService(PostgresSearchIndex(deaf_engine)),
            source,
        )
        with pytest.raises(ReconciliationError, match="FORBIDDEN"):
            await reconciler.run_once()
