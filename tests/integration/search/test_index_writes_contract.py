"""The write half of the index contract: versions, tombstones and what an upsert reports."""

from __future__ import annotations

import uuid
from decimal import Decimal
from typing import Any

from sqlalchemy.ext.asyncio import AsyncEngine

from common.db import session_factory, transaction
from subgraphs.search.index.port import SearchIndex
from subgraphs.search.service.query import (
    ListingDocument,
    SearchFilter,
    SearchQuery,
    UpsertOutcome,
)
from tests.integration.search import corpus


async def _upsert(index: SearchIndex, engine: AsyncEngine, doc: ListingDocument) -> UpsertOutcome:
    async with transaction(session_factory(engine)) as session:
        return await index.upsert(session, doc)


async def _delete(
    index: SearchIndex, engine: AsyncEngine, listing_id: uuid.UUID, version: int
) -> bool:
    async with transaction(session_factory(engine)) as session:
        return await index.delete(session, listing_id, version)


async def _found(index: SearchIndex, listing_id: uuid.UUID, **filter_fields: Any) -> bool:
    query = SearchQuery(filter=SearchFilter(**filter_fields), ids=(listing_id,))
    return len((await index.search(query)).hits) == 1


async def test_upsert_reports_creation_and_previous_price(
    writable_index: SearchIndex, writes_engine: AsyncEngine
) -> None:
    salt = uuid.uuid4().hex
    first = corpus.document("L1", salt=salt, version=1)
    created = await _upsert(writable_index, writes_engine, first)
    assert (created.applied, created.created) == (True, True)
    cheaper = corpus.document("L1", salt=salt, version=2, price=Decimal("399000"))
    updated = await _upsert(writable_index, writes_engine, cheaper)
    assert (updated.applied, updated.created, updated.previous_price) == (
        True,
        False,
        Decimal("450000"),
    )
    assert await _found(writable_index, first.id, price_max=Decimal("400000"))


async def test_a_stale_version_is_ignored(
    writable_index: SearchIndex, writes_engine: AsyncEngine
) -> None:
    salt = uuid.uuid4().hex
    await _upsert(writable_index, writes_engine, corpus.document("L2", salt=salt, version=3))
    stale = corpus.document("L2", salt=salt, version=2, title="Old title nobody wants")
    outcome = await _upsert(writable_index, writes_engine, stale)
    assert not outcome.applied
    listing = corpus.listing_id("L2", salt)
    assert await _found(writable_index, listing, text="modern")
    assert not await _found(writable_index, listing, text="nobody")
    # Replaying the same version is a no-op too (at-least-once delivery).
    assert not (
        await _upsert(writable_index, writes_engine, corpus.document("L2", salt=salt, version=3))
    ).applied


async def test_new_words_and_status_are_what_a_ranked_search_sees(
    writable_index: SearchIndex, writes_engine: AsyncEngine
) -> None:
    # Text alone (with a status at most) ranks from the Postgres index's narrow document
    # table, which a trigger keeps equal to the listing rows: edits must reach it too.
    salt = uuid.uuid4().hex
    listing = corpus.listing_id("L2", salt)
    await _upsert(writable_index, writes_engine, corpus.document("L2", salt=salt, version=1))
    assert await _found(writable_index, listing, text="modern")
    edited = corpus.document("L2", salt=salt, version=2, title="Quaint xylophone barn")
    assert (await _upsert(writable_index, writes_engine, edited)).applied
    assert await _found(writable_index, listing, text="xylophone")
    assert not await _found(writable_index, listing, text="modern")
    sold = corpus.document("L2", salt=salt, version=3, title="Quaint xylophone barn", status="sold")
    assert (await _upsert(writable_index, writes_engine, sold)).applied
    assert await _found(writable_index, listing, text="xylophone", statuses=("sold",))
    assert not await _found(writable_index, listing, text="xylophone", statuses=("available",))
    assert await _delete(writable_index, writes_engine, listing, 4)
    assert not await _found(writable_index, listing, text="xylophone")


async def test_a_deleted_listing_never_comes_back(
    writable_index: SearchIndex, writes_engine: AsyncEngine
) -> None:
    salt = uuid.uuid4().hex
    listing = corpus.listing_id("L3", salt)
    await _upsert(writable_index, writes_engine, corpus.document("L3", salt=salt, version=1))
    assert await _delete(writable_index, writes_engine, listing, 3)
    assert not await _found(writable_index, listing)
    # The update that was in flight when it was deleted arrives late, with a newer version
    # than anything indexed so far: still gone.
    late = corpus.document("L3", salt=salt, version=2)
    assert not (await _upsert(writable_index, writes_engine, late)).applied
    assert not (
        await _upsert(writable_index, writes_engine, corpus.document("L3", salt=salt, version=9))
    ).applied
    assert not await _found(writable_index, listing)
    assert not await _delete(writable_index, writes_engine, listing, 3)


async def test_a_delete_before_the_create_leaves_a_tombstone(
    writable_index: SearchIndex, writes_engine: AsyncEngine
) -> None:
    salt = uuid.uuid4().hex
    listing = corpus.listing_id("L4", salt)
    assert not await _delete(writable_index, writes_engine, listing, 2)
    outcome = await _upsert(writable_index, writes_engine, corpus.document("L4", salt=salt))
    assert not outcome.applied
    assert not await _found(writable_index, listing)


async def test_indexed_versions_list_live_and_deleted_listings(
    writable_index: SearchIndex, writes_engine: AsyncEngine
) -> None:
    salt = uuid.uuid4().hex
    live = corpus.document("L5", salt=salt, version=4)
    await _upsert(writable_index, writes_engine, live)
    dead = corpus.listing_id("L6", salt)
    await _upsert(writable_index, writes_engine, corpus.document("L6", salt=salt, version=1))
    await _delete(writable_index, writes_engine, dead, 2)
    versions = await writable_index.indexed_versions()
    assert (versions[live.id].version, versions[live.id].deleted) == (4, False)
    assert versions[dead].deleted
