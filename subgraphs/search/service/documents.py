"""Listing documents from what the properties subgraph publishes.

Events carry a ``property`` snapshot with the properties table's column names (snake_case,
``no_of_bed_rooms``, decimals as strings); reconciliation reads the same fields through the
graph in camelCase. Both become one ``ListingDocument`` here, the only place that knows them.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from subgraphs.search.service.query import ListingDocument


def _timestamp(value: Any) -> datetime:
    parsed = value if isinstance(value, datetime) else datetime.fromisoformat(str(value))
    return parsed if parsed.tzinfo is not None else parsed.replace(tzinfo=UTC)


def _optional_float(value: Any) -> float | None:
    return None if value is None else float(value)


def _lower_enum(value: Any) -> str:
    # The graph spells enum values in upper case (OFF_MARKET); events use the stored value.
    return str(value).lower()


def document_from_snapshot(snapshot: Mapping[str, Any]) -> ListingDocument:
    """A document from an event's ``property`` snapshot; ``KeyError``/``ValueError`` if broken."""
    owner = snapshot.get("owner_id")
    return ListingDocument(
        id=uuid.UUID(str(snapshot["id"])),
        version=int(snapshot["version"]),
        title=str(snapshot["title"]),
        description=str(snapshot.get("description") or ""),
        address=str(snapshot.get("address") or ""),
        zip_code=str(snapshot.get("zip_code") or ""),
        type=_lower_enum(snapshot["type"]),
        status=_lower_enum(snapshot["status"]),
        price=Decimal(str(snapshot["price"])),
        currency=str(snapshot.get("currency") or "USD"),
        bedrooms=int(snapshot.get("no_of_bed_rooms") or 0),
        bathrooms=int(snapshot.get("no_of_bath_rooms") or 0),
        toilets=int(snapshot.get("no_of_toilets") or 0),
        latitude=_optional_float(snapshot.get("latitude")),
        longitude=_optional_float(snapshot.get("longitude")),
        owner_id=None if owner is None else uuid.UUID(str(owner)),
        created_at=_timestamp(snapshot["created_at"]),
        updated_at=_timestamp(snapshot["updated_at"]),
    )


def snapshot_of_payload(payload: Mapping[str, Any]) -> Mapping[str, Any]:
    """The listing snapshot inside an event payload (under ``property``, or the payload itself)."""
    inner = payload.get("property")
    return inner if isinstance(inner, Mapping) else payload


def price_change(payload: Mapping[str, Any]) -> tuple[Decimal, Decimal] | None:
    """``(old, new)`` when an update event says the price changed."""
    changes = payload.get("changes")
    if not isinstance(changes, Mapping):
        return None
    price = changes.get("price")
    if not isinstance(price, Mapping) or price.get("old") is None or price.get("new") is None:
        return None
    return Decimal(str(price["old"])), Decimal(str(price["new"]))


def document_from_graph(node: Mapping[str, Any]) -> ListingDocument:
    """A document from a ``Property`` read through the graph (camelCase, enums upper case)."""
    price = node["price"]
    owner = node.get("owner") or {}
    return document_from_snapshot(
        {
            "id": node["id"],
            "version": node["version"],
            "title": node["title"],
            "description": node.get("description"),
            "address": node.get("address"),
            "zip_code": node.get("zipCode"),
            "type": node["type"],
            "status": node["status"],
            "price": price["amount"] if isinstance(price, Mapping) else price,
            "currency": price.get("currency") if isinstance(price, Mapping) else None,
            "no_of_bed_rooms": node.get("bedrooms"),
            "no_of_bath_rooms": node.get("bathrooms"),
            "no_of_toilets": node.get("toilets"),
            "latitude": node.get("latitude"),
            "longitude": node.get("longitude"),
            "owner_id": owner.get("id"),
            "created_at": node["createdAt"],
            "updated_at": node["updatedAt"],
        }
    )
