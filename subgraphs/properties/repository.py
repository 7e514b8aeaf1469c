"""Persistence of listings, their photos and tombstones (SQLAlchemy Core, Postgres).

Every read of a listing loads its photos in the same statement (a correlated ``json_agg``), so
loading one listing or a hundred is one round trip. Methods take the caller's session: the
service decides the transaction, which also carries the outbox event.
"""

from __future__ import annotations

import dataclasses
import functools
import uuid
from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime
from typing import Any

import orjson
from sqlalchemy import (
    JSON,
    ColumnElement,
    Integer,
    Select,
    String,
    Text,
    and_,
    any_,
    bindparam,
    case,
    cast,
    delete,
    false,
    func,
    insert,
    literal,
    or_,
    select,
    text,
    true,
    tuple_,
    union_all,
    update,
)
from sqlalchemy.dialects.postgresql import ARRAY, aggregate_order_by
from sqlalchemy.dialects.postgresql import UUID as PG_UUID
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.ext.asyncio import AsyncSession

from common.db import ReadSource
from common.driver_statement import DriverStatement
from subgraphs.properties.models import deleted_properties, properties, property_photos
from subgraphs.properties.records import (
    PROPERTY_STATUSES,
    PROPERTY_TYPES,
    Listing,
    ListingFilter,
    Page,
    Photo,
    PropertyStatus,
    ReconciliationEntry,
    Visibility,
)

_PHOTO_FIELDS = ("id", "key", "url", "content_type", "width", "height", "size_bytes", "position")

_photos_json = (
    select(
        func.coalesce(
            func.json_agg(
                aggregate_order_by(
                    func.json_build_object(
                        *(
                            part
                            for name in _PHOTO_FIELDS
                            for part in (name, property_photos.c[name])
                        ),
                        "is_cover",
                        property_photos.c.is_cover,
                    ),
                    property_photos.c.position,
                )
            ),
            text("'[]'::json"),
            type_=JSON,
        )
    )
    .where(property_photos.c.property_id == properties.c.id)
    .scalar_subquery()
)

# A listing's columns, as the properties table and ``Listing`` name them (all but photos).
LISTING_COLUMNS = tuple(f.name for f in dataclasses.fields(Listing) if f.name != "photos")


_LISTING_COLUMNS = [properties.c[name] for name in LISTING_COLUMNS]
# Photos come as the JSON's text, parsed by orjson in ``listing_of_values``: the reads are
# ``DriverStatement``s, which hand the text over as the driver reads it.
LISTING_SELECT: Select[Any] = select(*_LISTING_COLUMNS, cast(_photos_json, Text).label("photos"))


# ``get_many`` serves every ``_entities`` fetch of listings, compiled once
# (common.driver_statement); as every read of listings here.
LISTINGS_BY_IDS = DriverStatement(
    LISTING_SELECT.where(
        properties.c.id == any_(bindparam("ids", type_=ARRAY(PG_UUID(as_uuid=True))))
    )
)


def listing_of_row(row: Mapping[Any, Any]) -> Listing:
    """The listing of a row with ``LISTING_COLUMNS`` and ``photos`` (parsed JSON, or its text
    as ``LISTING_SELECT`` reads it); its photos are built when first read."""
    values = {name: row[name] for name in LISTING_COLUMNS}
    values["photos"] = row.get("photos")
    return listing_of_values(values)


def listing_of_values(values: dict[str, Any]) -> Listing:
    """The listing of ``values`` (taken over, not copied): exactly ``LISTING_COLUMNS`` as the
    database gives them, and ``photos`` as ``listing_of_row`` takes it."""
    photos = values.pop("photos") or ()
    if isinstance(photos, str):
        photos = orjson.loads(photos)
    values["type"] = PROPERTY_TYPES[values["type"]]
    values["status"] = PROPERTY_STATUSES[values["status"]]
    return Listing.of_row(values, photos)


def listings_of(names: Sequence[str], rows: Iterable[Sequence[Any]]) -> list[Listing]:
    """The listings of rows of ``LISTING_SELECT`` as ``DriverStatement.tuples`` gives them."""
    return [listing_of_values(dict(zip(names, row, strict=True))) for row in rows]


# Reads whose shape repeats are built once per shape with bound parameters and compiled once
# (``DriverStatement``), then executed with the values: SQLAlchemy's per-call work (cache key,
# compiled-cache lookup, result processing) cost more CPU than the statement (decision 0042;
# pages and counts as ``DriverStatement``s: decision 0043).
GET_LISTING = DriverStatement(LISTING_SELECT.where(properties.c.id == bindparam("id")))
GET_LISTING_FOR_UPDATE = DriverStatement(GET_LISTING.statement.with_for_update(of=properties))
_NEWEST_FIRST = (properties.c.created_at.desc(), properties.c.id.desc())
_AFTER = tuple_(properties.c.created_at, properties.c.id) < tuple_(
    bindparam("after_at", type_=properties.c.created_at.type),
    bindparam("after_id", type_=properties.c.id.type),
)


def visibility_clause(visibility: Visibility) -> ColumnElement[bool]:
    """Which listings ``visibility`` lets through; an owner's id is the ``viewer_id``
    parameter (``visibility_parameters``), so the clause is one per kind of visibility."""
    if visibility.all_off_market:
        return true()
    on_market = properties.c.status != PropertyStatus.OFF_MARKET.value
    if visibility.off_market_owner is None:
        return on_market
    return or_(on_market, properties.c.owner_id == bindparam("viewer_id"))


_ANY_OWNER = uuid.UUID(int=0)


def visibility_shape(visibility: Visibility) -> Visibility:
    """``visibility`` with its owner replaced by a fixed one: the same clause, and a key
    for statements built per shape."""
    if visibility.off_market_owner is None:
        return visibility
    return Visibility(off_market_owner=_ANY_OWNER)


def visibility_parameters(visibility: Visibility) -> dict[str, Any]:
    """The parameters ``visibility_clause`` takes: the owner's id, when it names one."""
    if visibility.all_off_market or visibility.off_market_owner is None:
        return {}
    return {"viewer_id": visibility.off_market_owner}


@dataclasses.dataclass(frozen=True)
class _FilterShape:
    visibility: Visibility
    types: bool
    statuses: bool
    owner: bool
    min_price: bool
    max_price: bool


def _filter_shape(
    listing_filter: ListingFilter, visibility: Visibility
) -> tuple[_FilterShape, dict[str, Any]]:
    """The shape of a filtered read (which clauses it has) and its parameters."""
    shape = _FilterShape(
        visibility_shape(visibility),
        bool(listing_filter.types),
        bool(listing_filter.statuses),
        listing_filter.owner_id is not None,
        listing_filter.min_price is not None,
        listing_filter.max_price is not None,
    )
    parameters = visibility_parameters(visibility)
    parameters.update(
        types=[t.value for t in listing_filter.types],
        statuses=[s.value for s in listing_filter.statuses],
        owner_id=listing_filter.owner_id,
        min_price=listing_filter.min_price,
        max_price=listing_filter.max_price,
    )
    return shape, parameters


# Lists are one array parameter (``= ANY``), not one parameter per item: the statement's text
# stays the same whatever the list's length, so it is compiled once.
_STRINGS = ARRAY(String)


def _filter_clauses(shape: _FilterShape) -> list[ColumnElement[bool]]:
    clauses = [visibility_clause(shape.visibility)]
    if shape.types:
        clauses.append(properties.c.type == any_(bindparam("types", type_=_STRINGS)))
    if shape.statuses:
        clauses.append(properties.c.status == any_(bindparam("statuses", type_=_STRINGS)))
    if shape.owner:
        clauses.append(properties.c.owner_id == bindparam("owner_id"))
    if shape.min_price:
        clauses.append(properties.c.price >= bindparam("min_price"))
    if shape.max_price:
        clauses.append(properties.c.price <= bindparam("max_price"))
    return clauses


_KEY_IN_USE = DriverStatement(
    select(literal(1)).where(property_photos.c.key == bindparam("key")).limit(1)
)
_INSERT_LISTING = insert(properties).returning(*properties.c)
_TOUCH_LISTING = (
    update(properties)
    .where(properties.c.id == bindparam("listing_id"))
    .values(version=properties.c.version + 1, updated_at=func.now())
)
_UPDATE_LISTING = _TOUCH_LISTING.returning(*properties.c)


@functools.cache  # 3 visibilities × 2⁵ filters × 2: at most 192 statements
def _page_statement(shape: _FilterShape, after: bool) -> DriverStatement:
    clauses = _filter_clauses(shape)
    if after:
        clauses.append(_AFTER)
    return DriverStatement(
        LISTING_SELECT.where(and_(*clauses))
        .order_by(*_NEWEST_FIRST)
        .limit(bindparam("limit", type_=Integer))
    )


@functools.cache
def _count_statement(shape: _FilterShape) -> DriverStatement:
    return DriverStatement(
        select(func.count()).select_from(properties).where(and_(*_filter_clauses(shape)))
    )


class PropertyRepository:
    """Listings, their photos and tombstones (favourites: repository_favorites)."""

    # --- reads -------------------------------------------------------------------------------

    async def get(
        self, session: ReadSource, property_id: uuid.UUID, *, for_update: bool = False
    ) -> Listing | None:
        # FOR UPDATE serialises concurrent writers of one listing; the version check then holds.
        statement = GET_LISTING_FOR_UPDATE if for_update else GET_LISTING
        names, rows = await statement.tuples(session, id=property_id)
        return listings_of(names, rows)[0] if rows else None

    async def get_many(
        self, session: ReadSource, property_ids: Sequence[uuid.UUID]
    ) -> dict[uuid.UUID, Listing]:
        """Listings by id in one statement; unknown ids are simply absent."""
        if not property_ids:
            return {}
        names, rows = await LISTINGS_BY_IDS.tuples(session, ids=list(set(property_ids)))
        return {listing.id: listing for listing in listings_of(names, rows)}

    async def page(
        self,
        session: ReadSource,
        listing_filter: ListingFilter,
        visibility: Visibility,
        *,
        first: int,
        after: tuple[datetime, uuid.UUID] | None,
    ) -> Page[Listing]:
        """Newest first, keyset-paged on (created_at, id)."""
        shape, parameters = _filter_shape(listing_filter, visibility)
        parameters["limit"] = first + 1
        if after is not None:
            parameters.update(after_at=after[0], after_id=after[1])
        names, rows = await _page_statement(shape, after is not None).tuples(session, **parameters)
        items = listings_of(names, rows[:first])
        return Page(items, has_next_page=len(rows) > first, has_previous_page=after is not None)

    async def count(
        self, session: ReadSource, listing_filter: ListingFilter, visibility: Visibility
    ) -> int:
        shape, parameters = _filter_shape(listing_filter, visibility)
        _, rows = await _count_statement(shape).tuples(session, **parameters)
        return int(rows[0][0])

    # --- listing writes ----------------------------------------------------------------------

    async def insert(self, session: AsyncSession, values: Mapping[str, Any]) -> Listing:
        row = (await session.execute(_INSERT_LISTING, dict(values))).mappings().one()
        return listing_of_row(row)

    async def bulk_insert(
        self, session: AsyncSession, rows: Sequence[Mapping[str, Any]], photos: Sequence[Any]
    ) -> None:
        """Seed rows in two executemany statements; existing ids are left untouched."""
        if rows:
            await session.execute(
                pg_insert(properties).on_conflict_do_nothing(index_elements=["id"]),
                [dict(r) for r in rows],
            )
        if photos:
            await session.execute(
                pg_insert(property_photos).on_conflict_do_nothing(index_elements=["id"]),
                [dict(p) for p in photos],
            )

    async def update(
        self,
        session: AsyncSession,
        current: Listing,
        changes: Mapping[str, Any],
    ) -> Listing:
        """Apply ``changes`` (column → value), bump the version and ``updated_at``."""
        # The changed columns are parameters: SQLAlchemy sets the columns the parameters name.
        parameters = {**changes, "listing_id": current.id}
        row = (await session.execute(_UPDATE_LISTING, parameters)).mappings().one()
        return listing_of_row({**row, "photos": [p.snapshot() for p in current.photos]})

    async def touch(self, session: AsyncSession, property_id: uuid.UUID) -> None:
        """A change to the listing's photos is a change to the listing: bump its version."""
        await session.execute(_TOUCH_LISTING, {"listing_id": property_id})

    async def delete(self, session: AsyncSession, listing: Listing) -> int:
        """Delete the listing and leave a tombstone; returns the tombstone's version."""
        version = listing.version + 1
        await session.execute(delete(properties).where(properties.c.id == listing.id))
        await session.execute(
            pg_insert(deleted_properties)
            .values(id=listing.id, owner_id=listing.owner_id, version=version)
            .on_conflict_do_update(
                index_elements=["id"], set_={"version": version, "deleted_at": func.now()}
            )
        )
        return version

    # --- photos ------------------------------------------------------------------------------

    async def add_photo(
        self, session: AsyncSession, property_id: uuid.UUID, values: Mapping[str, Any]
    ) -> None:
        """Append a photo; the first photo of a listing becomes its cover."""
        existing = (
            await session.execute(
                select(func.count(), func.coalesce(func.max(property_photos.c.position), -1)).where(
                    property_photos.c.property_id == property_id
                )
            )
        ).one()
        await session.execute(
            insert(property_photos).values(
                **values,
                property_id=property_id,
                position=int(existing[1]) + 1,
                is_cover=int(existing[0]) == 0,
            )
        )

    async def delete_photo(
        self, session: AsyncSession, property_id: uuid.UUID, photo: Photo
    ) -> None:
        """Remove a photo, close the gap in positions, and keep a cover when photos remain."""
        await session.execute(delete(property_photos).where(property_photos.c.id == photo.id))
        await session.execute(
            update(property_photos)
            .where(
                property_photos.c.property_id == property_id,
                property_photos.c.position > photo.position,
            )
            .values(position=property_photos.c.position - 1)
        )
        if photo.is_cover:
            first = (
                select(property_photos.c.id)
                .where(property_photos.c.property_id == property_id)
                .order_by(property_photos.c.position)
                .limit(1)
                .scalar_subquery()
            )
            await session.execute(
                update(property_photos).where(property_photos.c.id == first).values(is_cover=True)
            )

    async def reorder_photos(
        self, session: AsyncSession, property_id: uuid.UUID, ordered_ids: Sequence[uuid.UUID]
    ) -> None:
        positions = {photo_id: index for index, photo_id in enumerate(ordered_ids)}
        await session.execute(
            update(property_photos)
            .where(
                property_photos.c.property_id == property_id,
                property_photos.c.id.in_(list(positions)),
            )
            .values(position=case(positions, value=property_photos.c.id))
        )

    async def set_cover(
        self, session: AsyncSession, property_id: uuid.UUID, photo_id: uuid.UUID
    ) -> None:
        # Two statements: the partial unique index is checked row by row, so clearing the old
        # cover and setting the new one in one UPDATE could collide midway.
        await session.execute(
            update(property_photos)
            .where(property_photos.c.property_id == property_id, property_photos.c.is_cover)
            .values(is_cover=False)
        )
        await session.execute(
            update(property_photos).where(property_photos.c.id == photo_id).values(is_cover=True)
        )

    async def key_in_use(self, session: ReadSource, key: str) -> bool:
        _, rows = await _KEY_IN_USE.tuples(session, key=key)
        return bool(rows)

    # --- reconciliation ----------------------------------------------------------------------

    async def reconciliation_page(
        self,
        session: AsyncSession,
        *,
        first: int,
        after: uuid.UUID | None,
        updated_since: datetime | None,
    ) -> Page[ReconciliationEntry]:
        """Live listings and tombstones together, ordered by id."""
        live = select(
            properties.c.id,
            properties.c.version,
            properties.c.updated_at.label("updated_at"),
            false().label("deleted"),
        )
        dead = select(
            deleted_properties.c.id,
            deleted_properties.c.version,
            deleted_properties.c.deleted_at.label("updated_at"),
            true().label("deleted"),
        )
        if after is not None:
            live = live.where(properties.c.id > after)
            dead = dead.where(deleted_properties.c.id > after)
        if updated_since is not None:
            live = live.where(properties.c.updated_at >= updated_since)
            dead = dead.where(deleted_properties.c.deleted_at >= updated_since)
        combined = union_all(live, dead).subquery()
        statement = select(combined).order_by(combined.c.id).limit(first + 1)
        rows = (await session.execute(statement)).mappings().all()
        entries = [
            ReconciliationEntry(
                id=r["id"], version=r["version"], updated_at=r["updated_at"], deleted=r["deleted"]
            )
            for r in rows[:first]
        ]
        return Page(entries, has_next_page=len(rows) > first, has_previous_page=after is not None)

    async def count_reconciliation(self, session: AsyncSession) -> int:
        """Listings plus tombstones: how many entries a full reconciliation reads."""
        live = select(func.count()).select_from(properties).scalar_subquery()
        dead = select(func.count()).select_from(deleted_properties).scalar_subquery()
        return int((await session.execute(select(live + dead))).scalar_one())
