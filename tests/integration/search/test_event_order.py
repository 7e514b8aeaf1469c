"""Bursts arrive in per-listing order; replayed stale events never undo a deletion."""

from __future__ import annotations

import uuid
from collections import defaultdict
from collections.abc import AsyncIterator
from dataclasses import replace
from decimal import Decimal

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession

from common.auth.viewer import Role
from common.events import ConsumerSpec, Event, EventRuntime
from subgraphs.search.consumers import PROPERTIES_TOPIC, PropertyEventHandlers
from subgraphs.search.index.postgres import PostgresSearchIndex
from subgraphs.search.models import listings, tombstones
from subgraphs.search.service.indexing import IndexingService
from tests.integration.search import producer
from tests.integration.search.conftest import ServedGraph, isolated, migrated_engine
from tests.integration.search.graph import (
    CREATE_PROPERTY,
    DELETE_PROPERTY,
    SEARCH,
    UPDATE_PROPERTY,
    unique_word,
)
from tests.support.listings import listing_input
from tests.support.personas import persona

LISTINGS = 10
CHANGES_PER_LISTING = 100


@pytest.fixture
async def burst_engine(graph: ServedGraph) -> AsyncIterator[AsyncEngine]:
    engine = await migrated_engine(isolated(graph.settings, f"burst{uuid.uuid4().hex[:6]}"))
    yield engine
    await engine.dispose()


async def test_a_burst_of_1000_changes_arrives_in_per_listing_order(
    graph: ServedGraph, burst_engine: AsyncEngine
) -> None:
    # A search indexer of its own (own database), reading the real properties log, whose
    # handlers are the real ones wrapped to note the order they are applied in.
    handlers = PropertyEventHandlers(IndexingService(PostgresSearchIndex(burst_engine)))
    applied: dict[str, list[int]] = defaultdict(list)

    async def noting(session: AsyncSession, event: Event) -> None:
        await handlers.on_upserted(session, event)
        applied[event.aggregate_id].append(int(event.payload["version"]))

    spec = ConsumerSpec(
        group="search-order-probe",
        topics=[PROPERTIES_TOPIC],
        handlers={"property.created": noting, "property.updated": noting},
    )
    # The graph's settings locate the properties log; the engine is this test's own database.
    runtime = EventRuntime(graph.settings, subgraph="search", engine=burst_engine)
    ids = [uuid.uuid4() for _ in range(LISTINGS)]
    current = {i: producer.listing(i) for i in ids}
    await producer.publish(graph.properties_engine, [producer.created(r) for r in current.values()])
    # Interleave listings: change n of every listing, then change n+1, in batches of 100.
    pending: list[Event] = []
    for n in range(CHANGES_PER_LISTING - 1):
        for listing_id in ids:
            before = current[listing_id]
            after = replace(before, version=before.version + 1, title=f"Burst listing step {n}")
            after = replace(after, price=Decimal(300000 - n))
            current[listing_id] = after
            pending.append(producer.updated(before, after))
            if len(pending) == 100:
                await producer.publish(graph.properties_engine, pending)
                pending = []
    await producer.publish(graph.properties_engine, pending)
    try:
        await runtime.start_consumer(spec)
        await runtime.wait_until_idle(timeout=60)
    finally:
        await runtime.stop()
    for listing_id in ids:
        assert applied[str(listing_id)] == list(range(1, CHANGES_PER_LISTING + 1))
    async with burst_engine.connect() as conn:
        rows = (
            await conn.execute(
                select(listings.c.id, listings.c.version, listings.c.price).where(
                    listings.c.id.in_(ids)
                )
            )
        ).all()
    assert {row.id: (row.version, row.price) for row in rows} == {
        listing_id: (CHANGES_PER_LISTING, Decimal(300000 - (CHANGES_PER_LISTING - 2)))
        for listing_id in ids
    }


async def test_a_stale_update_replayed_after_a_delete_never_resurrects(
    graph: ServedGraph,
) -> None:
    word = unique_word()
    seller = persona(graph.signer, Role.SELLER)
    created = await graph.properties.data(
        CREATE_PROPERTY, {"input": listing_input(title=f"{word} studio")}, token=seller.token
    )
    listing_id = created["createProperty"]["id"]
    await graph.properties.data(
        UPDATE_PROPERTY, {"id": listing_id, "input": {"price": "199000.00"}}, token=seller.token
    )
    await graph.properties.data(DELETE_PROPERTY, {"id": listing_id}, token=seller.token)
    await graph.settle()
    # The version-2 update delivered again after the deletion (a replayed dead letter, a
    # second relay): a fresh event id, so only the tombstone can stop it.
    stale = producer.listing(uuid.UUID(listing_id), version=2, title=f"{word} studio")
    await producer.publish(
        graph.properties_engine, [producer.updated(replace(stale, version=1), stale)]
    )
    await graph.settle()
    data = await graph.search.data(SEARCH, {"filter": {"text": word}})
    assert data["search"]["edges"] == []
    async with graph.search_engine.connect() as conn:
        tombstone = await conn.scalar(
            select(tombstones.c.version).where(tombstones.c.id == uuid.UUID(listing_id))
        )
    assert tombstone == 3
