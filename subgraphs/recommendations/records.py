"""Plain records the recommendations service hands to the schema (no Strawberry, no SQL)."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum


class InteractionKind(StrEnum):
    """What a viewer can tell the graph directly (``recordInteraction``).

    Favourites, saved searches, bookings and conversations arrive as events from the subgraphs
    that own them.
    """

    VIEW = "view"
    CLICK = "click"
    NOT_INTERESTED = "not_interested"


@dataclass(frozen=True, slots=True)
class Recommendation:
    """One recommended listing: a Property reference with its score and reason."""

    property_id: uuid.UUID
    score: float
    reason: str
    source: str


@dataclass(frozen=True, slots=True)
class RecordedInteraction:
    property_id: uuid.UUID
    kind: InteractionKind
    at: datetime


@dataclass(frozen=True, slots=True)
class ModelVersion:
    """One trained artefact as ``model_versions`` records it."""

    version: str
    storage_key: str
    trained_at: datetime
    listings: int
    interactions: int
    seconds: float
    listing_change: int = 0
