"""Reconciliation repairs what events missed, reading the real properties subgraph over HTTP.

Full runs read every listing; incremental ones only what properties changed since the last
successful run started, minus a margin (decision 0005). Every test's search database is its own
and no event reaches it, so only reconciliation fills it.
"""

from __future__ import annotations

import asyncio
import os
import sys
import uuid
from collections.abc import AsyncIterator
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

import httpx
import pytest
from sqlalchemy import event, func, select, update
from sqlalchemy.ext.asyncio import AsyncEngine

from common.auth.viewer import Role
from common.config import REPO_ROOT
from common.db import session_factory, transaction
from subgraphs.properties.models import properties
from subgraphs.search.index.postgres import PostgresSearchIndex
from subgraphs.search.models import listings, reconciliations
from subgraphs.search.reconcile import (
    SAFETY_MARGIN,
    GraphListingSource,
    Reconciler,
    ReconciliationError,
    RunKind,
)
from subgraphs.search.service.indexing import IndexingService
from tests.integration.search import corpus
from tests.integration.search.conftest import ServedGraph, isolated, migrated_engine
from tests.integration.search.graph import CREATE_PROPERTY, DELETE_PROPERTY, UPDATE_PROPERTY
from tests.support.listings import listing_input
from tests.support.personas import persona


@pytest.fixture
def deaf_prefix(graph: ServedGraph) -> str:
    """The database prefix of this test's own search database."""
    return isolated(graph.settings, f"deaf{uuid.uuid4().hex[:6]}").database_prefix


@pytest.fixture
async def deaf_engine(graph: ServedGraph, deaf_prefix: str) -> AsyncIterator[AsyncEngine]:
    """A search database no event reaches: only reconciliation can fill it."""
    settings = graph.settings.model_copy(update={"database_prefix": deaf_prefix})
    engine = await migrated_engine(settings)
    yield engine
    await engine.dispose()


def _reconciler(
    graph: ServedGraph,
    engine: AsyncEngine,
    http: httpx.AsyncClient,
    *,
    margin: timedelta = SAFETY_MARGIN,
    full_interval: timedelta | None = timedelta(hours=24),
) -> Reconciler:
    source = GraphListingSource(http, graph.properties.url, graph.admin_token(), page_size=7)
    return Reconciler(
        session_factory(engine),
        IndexingService(PostgresSearchIndex(engine)),
        source,
        margin=margin,
        full_interval=full_interval,
    )


async def _runs(engine: AsyncEngine) -> list[dict[str, Any]]:
    """Every recorded run, oldest first."""
    async with engine.connect() as conn:
        rows = await conn.execute(select(reconciliations).order_by(reconciliations.c.id))
        return [dict(row) for row in rows.mappings()]


async def _create(graph: ServedGraph, token: str, price: str) -> str:
    created = await graph.properties.data(
        CREATE_PROPERTY, {"input": listing_input(price=price)}, token=token
    )
    listing: str = created["createProperty"]["id"]
    return listing


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

        again = await reconciler.run_once(force_full=True)
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


async def test_listings_indexed_after_the_run_started_are_not_written_again(
    graph: ServedGraph, deaf_engine: AsyncEngine
) -> None:
    """The run's snapshot of the index is re-read for each page's candidates: a listing the
    consumer indexed meanwhile is left alone (no locked transaction that changes nothing)."""
    seller = persona(graph.signer, Role.SELLER)
    listing = await _create(graph, seller.token, "420000.00")
    async with httpx.AsyncClient(timeout=30) as http:
        reconciler = _reconciler(graph, deaf_engine, http)
        source = reconciler.source

        class CaughtUpMeanwhile:
            """Pages as properties answers them, each indexed first (the consumer's work)."""

            async def pages(self, updated_since: datetime | None = None) -> AsyncIterator[Any]:
                async for page in source.pages(updated_since):
                    for remote in page:
                        async with transaction(session_factory(deaf_engine)) as session:
                            if remote.deleted:
                                await reconciler.indexing.remove_listing(
                                    session, remote.id, remote.version
                                )
                            elif remote.document is not None:
                                await reconciler.indexing.index_listing(session, remote.document)
                    locks.clear()
                    yield page

        reconciler.source = CaughtUpMeanwhile()
        locks: list[str] = []

        def record(_conn: Any, _cursor: Any, statement: str, *_: Any) -> None:
            if "pg_advisory_xact_lock" in statement:
                locks.append(statement)

        event.listen(deaf_engine.sync_engine, "before_cursor_execute", record)
        try:
            report = await reconciler.run_once()
        finally:
            event.remove(deaf_engine.sync_engine, "before_cursor_execute", record)
    assert report.scanned >= 1 and report.repaired == 0
    assert locks == []
    assert await _indexed_price(deaf_engine, listing) == Decimal("420000.00")


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
    [failed] = await _runs(deaf_engine)
    assert (failed["kind"], failed["outcome"], failed["scanned"]) == ("full", "failed", 0)
    assert "FORBIDDEN" in failed["details"]["error"]


async def test_an_incremental_run_reads_only_what_changed_and_repairs_it(
    graph: ServedGraph, deaf_engine: AsyncEngine
) -> None:
    seller = persona(graph.signer, Role.SELLER)
    async with httpx.AsyncClient(timeout=30) as http:
        # No margin: the run reads exactly what changed since the full run started (the margin
        # would add whatever other tests changed in the shared properties database just before).
        reconciler = _reconciler(graph, deaf_engine, http, margin=timedelta(0))
        ids = [await _create(graph, seller.token, f"{300000 + n}.00") for n in range(10)]
        full = await reconciler.run_once()
        assert full.kind is RunKind.FULL and set(ids) <= set(full.repaired_ids)
        assert full.scanned > 10 and full.pages > 1  # pages of seven: every listing, read

        updated, deleted = ids[3], ids[6]
        await graph.properties.data(
            UPDATE_PROPERTY, {"id": updated, "input": {"price": "1.00"}}, token=seller.token
        )
        await graph.properties.data(DELETE_PROPERTY, {"id": deleted}, token=seller.token)
        incremental = await reconciler.run_once()

    assert incremental.kind is RunKind.INCREMENTAL
    assert (incremental.scanned, incremental.pages) == (2, 1)  # the update and the deletion
    assert (incremental.repaired_ids, incremental.removed_ids) == ([updated], [deleted])
    assert await _indexed_price(deaf_engine, updated) == Decimal("1.00")
    assert await _indexed_price(deaf_engine, deleted) is None
    first, second = await _runs(deaf_engine)
    assert (first["kind"], first["outcome"], first["updated_since"]) == ("full", "succeeded", None)
    assert first["scanned"] == full.scanned and first["pages"] == full.pages
    assert (second["kind"], second["outcome"]) == ("incremental", "succeeded")
    assert (second["scanned"], second["pages"], second["repaired"], second["removed"]) == (
        2,
        1,
        1,
        1,
    )
    assert second["updated_since"] == first["started_at"]


async def test_the_margin_catches_a_change_committed_after_the_run_that_should_have_read_it(
    graph: ServedGraph, deaf_engine: AsyncEngine
) -> None:
    """A change is stamped with the start of its transaction: one that began before a run
    started but committed after that run read properties is older than the run, yet unseen."""
    seller = persona(graph.signer, Role.SELLER)
    async with httpx.AsyncClient(timeout=30) as http:
        unguarded = _reconciler(graph, deaf_engine, http, margin=timedelta(0))
        # An hour rather than the default two minutes: far longer than this test can take, so
        # the outcome cannot depend on how fast the machine is.
        guarded = _reconciler(graph, deaf_engine, http, margin=timedelta(hours=1))
        listing = await _create(graph, seller.token, "250000.00")
        async with graph.properties_engine.connect() as conn, conn.begin():
            began: datetime = (await conn.execute(select(func.now()))).scalar_one()
            full = await unguarded.run_once()  # starts after the transaction began
            await conn.execute(
                update(properties)
                .where(properties.c.id == uuid.UUID(listing))
                .values(price=Decimal("240000.00"), version=properties.c.version + 1)
                .values(updated_at=func.now())
            )
        # Committed now, stamped ``began``: before the full run's start.
        assert listing in full.repaired_ids
        missed = await unguarded.run_once()
        assert missed.kind is RunKind.INCREMENTAL and listing not in missed.repaired_ids
        assert await _indexed_price(deaf_engine, listing) == Decimal("250000.00")

        caught = await guarded.run_once()
    assert caught.kind is RunKind.INCREMENTAL and listing in caught.repaired_ids
    assert await _indexed_price(deaf_engine, listing) == Decimal("240000.00")
    runs = await _runs(deaf_engine)
    assert runs[0]["started_at"] > began
    assert caught.updated_since == runs[1]["started_at"] - timedelta(hours=1)
    assert runs[2]["updated_since"] == caught.updated_since


async def test_only_a_full_run_removes_a_listing_properties_no_longer_knows(
    graph: ServedGraph, deaf_engine: AsyncEngine
) -> None:
    async with httpx.AsyncClient(timeout=30) as http:
        reconciler = _reconciler(graph, deaf_engine, http)
        assert (await reconciler.run_once()).kind is RunKind.FULL  # nothing succeeded yet
        stranger = corpus.document("L2", salt=uuid.uuid4().hex)
        async with transaction(session_factory(deaf_engine)) as session:
            await reconciler.indexing.index.upsert(session, stranger)

        incremental = await reconciler.run_once()
        assert incremental.kind is RunKind.INCREMENTAL
        assert str(stranger.id) not in incremental.removed_ids
        assert await _indexed_price(deaf_engine, str(stranger.id)) is not None

        # A full run is due once the latest successful one is ``full_interval`` old.
        due = _reconciler(graph, deaf_engine, http, full_interval=timedelta(0))
        full = await due.run_once()
    assert full.kind is RunKind.FULL and str(stranger.id) in full.removed_ids
    assert await _indexed_price(deaf_engine, str(stranger.id)) is None
    assert [run["kind"] for run in await _runs(deaf_engine)] == ["full", "incremental", "full"]


async def _reconcile_from_shell(graph: ServedGraph, prefix: str, *args: str) -> str:
    """``python -m subgraphs.search.reconcile`` as an operator runs it, against this test's
    search database, the served properties subgraph and the key both subgraphs trust."""
    env = {
        **os.environ,
        "REALIO_DATABASE_PREFIX": prefix,
        "REALIO_PROPERTIES_URL": graph.properties.url,
        "REALIO_JWT_PRIVATE_KEY_FILE": str(graph.key_file),
    }
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "subgraphs.search.reconcile",
        *args,
        cwd=REPO_ROOT,
        env=env,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    out, err = await process.communicate()
    assert process.returncode == 0, err.decode()
    return out.decode()


async def test_the_shell_command_runs_incrementally_after_a_success_and_fully_when_asked(
    graph: ServedGraph, deaf_engine: AsyncEngine, deaf_prefix: str
) -> None:
    first = await _reconcile_from_shell(graph, deaf_prefix)
    assert first.startswith("full reconciliation:")
    assert (await _reconcile_from_shell(graph, deaf_prefix)).startswith("incremental")
    assert (await _reconcile_from_shell(graph, deaf_prefix, "--full")).startswith("full")
    runs = await _runs(deaf_engine)
    assert [(run["kind"], run["outcome"]) for run in runs] == [
        ("full", "succeeded"),
        ("incremental", "succeeded"),
        ("full", "succeeded"),
    ]
