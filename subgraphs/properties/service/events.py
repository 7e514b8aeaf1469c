"""The events the properties subgraph publishes on ``realio.properties`` (key: listing id).

Payloads (snake_case, JSON):

- ``property.created``: ``{"version", "property": <snapshot>}``
- ``property.updated``: ``{"version", "property": <snapshot>, "changes": {field: {"old", "new"}}}``;
  ``changes`` names every column that changed (``price``, ``status``, …; ``photos`` when the
  photos changed, with the old and new photo lists).
- ``property.deleted``: ``{"version", "id", "owner_id"}``
- ``property.favorited`` / ``property.unfavorited``: ``{"property_id", "user_id", "at"}``
  (``version`` is the listing's version at that time).

``<snapshot>`` is ``Listing.snapshot()``: every column plus ``photos``. ``version`` grows by one
with every change of a listing, so a consumer keeps, per listing, the highest version it has
applied and drops anything older (a deletion's version is one above the last update's).
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Mapping
from datetime import datetime
from typing import Any

from common.events import Event, new_event
from subgraphs.properties.records import Listing

PRODUCER = "properties"
AGGREGATE_TYPE = "properties"

CREATED = "property.created"
UPDATED = "property.updated"
DELETED = "property.deleted"
FAVORITED = "property.favorited"
UNFAVORITED = "property.unfavorited"


def _event(type_: str, aggregate_id: uuid.UUID, payload: Mapping[str, Any]) -> Event:
    return new_event(type_, aggregate_id, payload, producer=PRODUCER, aggregate_type=AGGREGATE_TYPE)


def created(listing: Listing) -> Event:
    return _event(CREATED, listing.id, {"version": listing.version, "property": listing.snapshot()})


def updated(listing: Listing, changes: Mapping[str, Mapping[str, Any]]) -> Event:
    payload = {"version": listing.version, "property": listing.snapshot(), "changes": changes}
    return _event(UPDATED, listing.id, payload)


def deleted(listing: Listing, version: int) -> Event:
    payload = {"version": version, "id": str(listing.id), "owner_id": str(listing.owner_id)}
    return _event(DELETED, listing.id, payload)


def favorited(listing: Listing, user_id: uuid.UUID, at: datetime, *, added: bool) -> Event:
    payload = {
        "version": listing.version,
        "property_id": str(listing.id),
        "user_id": str(user_id),
        "at": at.isoformat(),
    }
    return _event(FAVORITED if added else UNFAVORITED, listing.id, payload)


def field_changes(before: Listing, after: Listing, fields: Iterable[str]) -> dict[str, Any]:
    """``{field: {"old", "new"}}`` for each of ``fields`` whose value actually changed."""
    changes: dict[str, Any] = {}
    for name in fields:
        old, new = before.value_of(name), after.value_of(name)
        if old != new:
            changes[name] = {"old": old, "new": new}
    return changes
