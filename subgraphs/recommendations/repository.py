"""Persistence of the recommendations subgraph (SQLAlchemy Core, Postgres, parameterised).

Functions take the caller's session: the service decides the transaction (a consumer's
handler runs in the transaction that also records the event as processed).
"""

from __future__ import annotations

import functools
import uuid
from collections.abc import AsyncIterator, Mapping, Sequence
from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import and_, bindparam, func, insert, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.ext.asyncio import AsyncSession

from subgraphs.recommendations.ml import Interaction, Listing, SearchSignal
from subgraphs.recommendations.models import (
    impressions,
    interactions,
    listings,
    model_versions,
    saved_searches,
)
from subgraphs.recommendations.records import ModelVersion

# How much of a viewer's history a request reads (newest first): enough for the profile and
# the filters, bounded so one heavy user cannot slow their own feed down.
RECENT_INTERACTIONS = 300
RECENT_SEARCHES = 3
# A listing change committed out of order (a lower ``change`` after a higher one was read) is
# still seen: instances also re-read this many changes before the newest they applied,
# skipping versions they have (by the ``change`` index, never a scan of the table).
RECHECK_CHANGES = 200


def listing_of(row: Mapping[Any, Any]) -> Listing:
    """The model's record of one projection row."""
    return Listing(
        id=str(row["id"]),
        owner_id=str(row["owner_id"]),
        type=row["type"],
        price=float(row["price"]),
        currency=row["currency"],
        bedrooms=row["bedrooms"],
        bathrooms=row["bathrooms"],
        area=row["area"],
        city=row["city"],
        latitude=row["latitude"],
        longitude=row["longitude"],
        text=row["text"],
        status="deleted" if row["deleted"] else row["status"],
        created_at=row["created_at"],
    )


# ---- the listings projection ----------------------------------------------------------------


async def upsert_listing(session: AsyncSession, values: dict[str, Any]) -> bool:
    """Insert or update a listing unless a newer version is already applied; True if applied."""
    statement = pg_insert(listings).values(**values)
    changed: dict[str, Any] = {name: statement.excluded[name] for name in values if name != "id"}
    changed["change"] = func.nextval("listing_changes")
    changed["changed_at"] = func.now()
    upsert = statement.on_conflict_do_update(
        index_elements=[listings.c.id],
        set_=changed,
        where=and_(listings.c.version < statement.excluded.version, ~listings.c.deleted),
    ).returning(listings.c.id)
    return (await session.execute(upsert)).first() is not None


async def upsert_listings(session: AsyncSession, rows: Sequence[dict[str, Any]]) -> None:
    """``upsert_listing`` of each row in order, in one round of statements: of several rows of one
    listing only the first with its highest version can apply (each later one is not newer
    than what precedes it), so only that one is written."""
    newest: dict[Any, dict[str, Any]] = {}
    for values in rows:
        held = newest.get(values["id"])
        if held is None or values["version"] > held["version"]:
            newest[values["id"]] = values
    if not newest:
        return
    # The rows as parameters of one statement (executemany), not a multi-row VALUES: that
    # one has no cache key, so SQLAlchemy compiled it again for every run of events.
    first = next(iter(newest.values()))
    await session.execute(_upsert_statement(tuple(first)), list(newest.values()))


@functools.cache  # one per set of columns (the projection always writes the same one)
def _upsert_statement(names: tuple[str, ...]) -> Any:
    """The upsert of rows of ``names``, built once: building it anew for every run of events
    (``excluded``'s columns included) and computing its cache key showed up in profiles of
    the projection under load."""
    statement = pg_insert(listings)
    changed: dict[str, Any] = {name: statement.excluded[name] for name in names if name != "id"}
    changed["change"] = func.nextval("listing_changes")
    changed["changed_at"] = func.now()
    return statement.on_conflict_do_update(
        index_elements=[listings.c.id],
        set_=changed,
        where=and_(listings.c.version < statement.excluded.version, ~listings.c.deleted),
    )


async def delete_listing(
    session: AsyncSession, property_id: uuid.UUID, owner_id: uuid.UUID, version: int
) -> None:
    """Tombstone a listing (kept so a late, older event cannot bring it back)."""
    statement = pg_insert(listings).values(
        id=property_id,
        owner_id=owner_id,
        type="",
        price=Decimal(0),
        currency="USD",
        status="deleted",
        deleted=True,
        version=version,
        created_at=func.now(),
    )
    statement = statement.on_conflict_do_update(
        index_elements=[listings.c.id],
        set_={
            "deleted": True,
            "version": statement.excluded.version,
            "change": func.nextval("listing_changes"),
            "changed_at": func.now(),
        },
        where=listings.c.version < statement.excluded.version,
    )
    await session.execute(statement)


async def known_listing(session: AsyncSession, property_id: uuid.UUID) -> bool:
    """Whether the projection has the listing (and it is not deleted)."""
    found = await session.execute(
        select(listings.c.id).where(listings.c.id == property_id, ~listings.c.deleted)
    )
    return found.first() is not None


async def changed_since(session: AsyncSession, change: int) -> list[tuple[int, int, Listing]]:
    """(change, version, listing) of every row changed after ``change``, and of the
    RECHECK_CHANGES before it."""
    rows = await session.execute(
        select(listings)
        .where(listings.c.change > change - RECHECK_CHANGES)
        .order_by(listings.c.change)
    )
    return [(row["change"], row["version"], listing_of(row)) for row in rows.mappings()]


async def all_listings(session: AsyncSession) -> tuple[list[Listing], int]:
    """Every listing (deleted ones as status "deleted") and the newest ``change`` among them."""
    rows = (await session.execute(select(listings).order_by(listings.c.change))).mappings().all()
    newest = max((row["change"] for row in rows), default=0)
    return [listing_of(row) for row in rows], newest


# ---- interactions and searches --------------------------------------------------------------


async def add_interaction(
    session: AsyncSession,
    *,
    user_id: uuid.UUID,
    property_id: uuid.UUID,
    kind: str,
    origin: str,
    at: datetime,
    event_id: uuid.UUID | None = None,
) -> bool:
    """Record one interaction; an event's is recorded once (False when already there)."""
    statement = (
        pg_insert(interactions)
        .values(
            user_id=user_id,
            property_id=property_id,
            kind=kind,
            origin=origin,
            at=at,
            event_id=event_id,
        )
        .on_conflict_do_nothing(index_elements=[interactions.c.event_id])
        .returning(interactions.c.id)
    )
    return (await session.execute(statement)).first() is not None


# Built once: the per-request reads are the hot path, and building a statement (and its cache
# key) costs more than running it.
RECENT_INTERACTIONS_OF = (
    select(interactions.c.property_id, interactions.c.kind, interactions.c.at)
    .where(interactions.c.user_id == bindparam("user_id"))
    .order_by(interactions.c.at.desc(), interactions.c.id.desc())
    .limit(RECENT_INTERACTIONS)
)
RECENT_SEARCHES_OF = (
    select(saved_searches)
    .where(saved_searches.c.user_id == bindparam("user_id"), ~saved_searches.c.deleted)
    .order_by(saved_searches.c.at.desc())
    .limit(RECENT_SEARCHES)
)


async def recent_interactions(session: AsyncSession, user_id: uuid.UUID) -> list[Interaction]:
    rows = await session.execute(RECENT_INTERACTIONS_OF, {"user_id": user_id})
    user = str(user_id)
    return [Interaction(user, str(pid), kind, at) for pid, kind, at in rows]


async def recent_interactions_of_many(
    session: AsyncSession, user_ids: Sequence[uuid.UUID]
) -> dict[uuid.UUID, list[Interaction]]:
    """``recent_interactions`` of several viewers in one statement."""
    if len(user_ids) == 1:
        return {user_ids[0]: await recent_interactions(session, user_ids[0])}
    ranked = (
        select(
            interactions.c.user_id,
            interactions.c.property_id,
            interactions.c.kind,
            interactions.c.at,
            func.row_number()
            .over(
                partition_by=interactions.c.user_id,
                order_by=(interactions.c.at.desc(), interactions.c.id.desc()),
            )
            .label("rank"),
        )
        .where(interactions.c.user_id.in_(list(user_ids)))
        .subquery()
    )
    rows = await session.execute(
        select(ranked.c.user_id, ranked.c.property_id, ranked.c.kind, ranked.c.at)
        .where(ranked.c.rank <= RECENT_INTERACTIONS)
        .order_by(ranked.c.user_id, ranked.c.at.desc())
    )
    found: dict[uuid.UUID, list[Interaction]] = {user_id: [] for user_id in user_ids}
    for user_id, pid, kind, at in rows:
        found[user_id].append(Interaction(str(user_id), str(pid), kind, at))
    return found


async def every_interaction(
    session: AsyncSession, batch: int = 50_000
) -> AsyncIterator[Interaction]:
    """Every interaction, oldest first, streamed in batches (training).

    Read a batch at a time (one switch per batch, not per row), and each user's and
    listing's id string is made once and shared by all their interactions: at a million
    interactions that is seconds and a few hundred MiB of training saved.
    """
    result = await session.stream(
        select(
            interactions.c.user_id,
            interactions.c.property_id,
            interactions.c.kind,
            interactions.c.at,
        )
        .order_by(interactions.c.id)
        .execution_options(yield_per=batch)
    )
    names: dict[uuid.UUID, str] = {}
    kinds: dict[str, str] = {}
    async for partition in result.partitions(batch):
        for user_id, pid, kind, at in partition:
            user = names.get(user_id)
            if user is None:
                user = names[user_id] = str(user_id)
            listing = names.get(pid)
            if listing is None:
                listing = names[pid] = str(pid)
            yield Interaction(user, listing, kinds.setdefault(kind, kind), at)


async def upsert_saved_search(session: AsyncSession, values: dict[str, Any]) -> None:
    statement = pg_insert(saved_searches).values(**values)
    statement = statement.on_conflict_do_update(
        index_elements=[saved_searches.c.id],
        set_={name: statement.excluded[name] for name in values if name != "id"},
    )
    await session.execute(statement)


async def delete_saved_search(session: AsyncSession, saved_search_id: uuid.UUID) -> None:
    await session.execute(
        update(saved_searches).where(saved_searches.c.id == saved_search_id).values(deleted=True)
    )


async def recent_searches(session: AsyncSession, user_id: uuid.UUID) -> list[SearchSignal]:
    rows = await session.execute(RECENT_SEARCHES_OF, {"user_id": user_id})
    return [
        SearchSignal(
            user_id=str(user_id),
            city=row["city"],
            min_price=None if row["min_price"] is None else float(row["min_price"]),
            max_price=None if row["max_price"] is None else float(row["max_price"]),
            type=row["type"],
            at=row["at"],
        )
        for row in rows.mappings()
    ]


# ---- model versions -------------------------------------------------------------------------


def _version_of(row: Mapping[Any, Any]) -> ModelVersion:
    return ModelVersion(
        version=row["version"],
        storage_key=row["storage_key"],
        trained_at=row["trained_at"],
        listings=row["listings"],
        interactions=row["interactions"],
        seconds=row["seconds"],
        listing_change=row["listing_change"],
    )


async def add_model_version(
    session: AsyncSession, version: ModelVersion, bandit: dict[str, Any] | None
) -> None:
    await session.execute(
        insert(model_versions).values(
            version=version.version,
            storage_key=version.storage_key,
            trained_at=version.trained_at,
            listings=version.listings,
            interactions=version.interactions,
            seconds=version.seconds,
            listing_change=version.listing_change,
            bandit=bandit,
        )
    )


async def latest_model_version(
    session: AsyncSession,
) -> tuple[ModelVersion, dict[str, Any] | None] | None:
    row = (
        (
            await session.execute(
                select(model_versions).order_by(model_versions.c.id.desc()).limit(1)
            )
        )
        .mappings()
        .first()
    )
    return None if row is None else (_version_of(row), row["bandit"])


# ---- impressions and rewards ----------------------------------------------------------------


async def add_impressions(session: AsyncSession, rows: Sequence[dict[str, Any]]) -> None:
    if rows:
        await session.execute(insert(impressions), list(rows))


async def reward_impression(
    session: AsyncSession,
    user_id: uuid.UUID,
    property_id: uuid.UUID,
    reward: float,
    at: datetime,
    since: datetime,
) -> tuple[str, list[float]] | None:
    """Give the newest unrewarded impression of this home to this user since ``since`` the
    ``reward``; returns its (source, context) for the bandit, or None when there was none."""
    newest = (
        select(impressions.c.id)
        .where(
            impressions.c.user_id == user_id,
            impressions.c.property_id == property_id,
            impressions.c.shown_at >= since,
            impressions.c.reward.is_(None),
        )
        .order_by(impressions.c.shown_at.desc())
        .limit(1)
        .with_for_update(skip_locked=True)
        .scalar_subquery()
    )
    row = (
        await session.execute(
            update(impressions)
            .where(impressions.c.id == newest)
            .values(reward=reward, rewarded_at=at)
            .returning(impressions.c.source, impressions.c.context)
        )
    ).first()
    return None if row is None else (row[0], [float(x) for x in row[1]])


async def impression_log(session: AsyncSession, limit: int) -> list[tuple[str, list[float], float]]:
    """The newest ``limit`` impressions as (source, context, reward; 0 when none came)."""
    rows = await session.execute(
        select(impressions.c.source, impressions.c.context, impressions.c.reward)
        .order_by(impressions.c.id.desc())
        .limit(limit)
    )
    return [
        (source, [float(x) for x in context], reward or 0.0) for source, context, reward in rows
    ]
