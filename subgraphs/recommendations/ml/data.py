"""The plain records the models learn from and answer with (the seam with the service).

Everything here is a frozen dataclass with string ids, so the service can build them from its
projection tables and events without the models knowing about SQL, Strawberry or storage.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime

# Interaction kinds the models know. The service rejects any other kind with BAD_USER_INPUT.
INTERACTION_KINDS: frozenset[str] = frozenset(
    {"view", "click", "favorite", "unfavorite", "booking", "message", "not_interested"}
)

# Implicit-feedback weight of each kind: how strongly it says "I like this home". An
# unfavourite takes back a favourite; "not interested" removes the home from the user's row
# and from every answer to that user (see decision 0028).
INTERACTION_WEIGHTS: dict[str, float] = {
    "view": 1.0,
    "click": 2.0,
    "favorite": 5.0,
    "unfavorite": -5.0,
    "message": 6.0,
    "booking": 8.0,
    "not_interested": 0.0,
}

POSITIVE_KINDS: frozenset[str] = frozenset(k for k, w in INTERACTION_WEIGHTS.items() if w > 0)

# Statuses that are never recommended (compared case-insensitively). "pending" (under offer)
# and "available" stay recommendable.
HIDDEN_STATUSES: frozenset[str] = frozenset(
    {"sold", "rented", "off_market", "deleted", "removed", "withdrawn", "expired"}
)


@dataclass(frozen=True, slots=True)
class Listing:
    """One listing as the recommendations projection holds it."""

    id: str
    owner_id: str
    type: str  # house, apartment, ... as properties has them (case-insensitive)
    price: float
    currency: str  # ISO 4217
    bedrooms: int | None
    bathrooms: int | None
    area: float | None  # floor area, square metres
    city: str | None  # the city or neighbourhood shown in reasons ("Lekki")
    latitude: float | None
    longitude: float | None
    text: str  # title + description
    status: str  # available / pending / sold / rented / off_market ...
    created_at: datetime

    @property
    def recommendable(self) -> bool:
        """False for sold, rented, off-market or deleted listings."""
        return self.status.lower() not in HIDDEN_STATUSES


@dataclass(frozen=True, slots=True)
class Interaction:
    """One thing a user did with a listing (private to that user)."""

    user_id: str
    property_id: str
    kind: str  # one of INTERACTION_KINDS
    at: datetime


@dataclass(frozen=True, slots=True)
class SearchSignal:
    """Where and what a user looks for, from a saved search or a search they ran."""

    user_id: str
    city: str | None
    min_price: float | None
    max_price: float | None
    type: str | None
    at: datetime
    currency: str | None = None  # of min/max price; None: the currency of matching listings


@dataclass(frozen=True, slots=True)
class Scored:
    """One recommended listing with its score and the reason shown to the user.

    ``source`` is the candidate source that put it there (content, collaborative, popular,
    similar, also_liked). ``propensity`` is the probability with which the feed's policy chose
    that source for this slot (1.0 without a bandit), and ``context`` the bandit's context
    vector for the slot: log both with the impression, and pass them back to
    ``Bandit.update`` when a reward (click, favourite, booking) arrives.
    """

    property_id: str
    score: float
    reason: str
    source: str
    propensity: float = 1.0
    context: tuple[float, ...] = ()


@dataclass(frozen=True, slots=True)
class UserState:
    """The viewer's live signals, read by the service per request (no retrain needed)."""

    user_id: str
    interactions: Sequence[Interaction] = ()  # recent, newest first
    searches: Sequence[SearchSignal] = ()  # newest first
    own_listing_ids: frozenset[str] = field(default_factory=frozenset)
    not_interested: frozenset[str] = field(default_factory=frozenset)

    def excluded_ids(self) -> set[str]:
        """Ids never shown to this viewer: own listings and those marked not interested."""
        hidden = set(self.own_listing_ids) | set(self.not_interested)
        hidden.update(i.property_id for i in self.interactions if i.kind == "not_interested")
        return hidden
