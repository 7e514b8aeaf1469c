"""What one viewer's live state says, resolved against the catalogue for one request."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import numpy as np

from subgraphs.recommendations.ml.catalogue import Catalogue
from subgraphs.recommendations.ml.collaborative import user_weights
from subgraphs.recommendations.ml.data import INTERACTION_WEIGHTS, UserState

MAX_ANCHORS = 100


class RowFilter:
    """Which of some rows may be shown to a viewer: recommendable, not their own, not blocked
    (not interested, given ids, and in the feed already seen). Checks only the rows asked
    about, so a request never builds a mask of the whole catalogue."""

    __slots__ = ("_active", "_blocked", "_owner", "_owners")

    def __init__(self, catalogue: Catalogue, owner: int, blocked: np.ndarray) -> None:
        self._active = catalogue.column("active")
        self._owners = catalogue.column("owner")
        self._owner = owner
        self._blocked: np.ndarray | None = None
        if blocked.size:
            self._blocked = np.zeros(len(catalogue), dtype=bool)
            self._blocked[blocked] = True

    def __call__(self, rows: np.ndarray) -> np.ndarray:
        allowed: np.ndarray = self._active[rows]
        if self._owner >= 0:
            allowed &= self._owners[rows] != self._owner
        if self._blocked is not None:
            allowed &= ~self._blocked[rows]
        return allowed


def row_filter(
    catalogue: Catalogue, viewer: UserState | None, also: np.ndarray | None = None
) -> RowFilter:
    """The filter of ``allowed_rows`` for ``viewer``, also blocking the rows ``also``."""
    owner = -1 if viewer is None else catalogue.owners.get(viewer.user_id)
    blocked: list[int] = []
    if viewer is not None:
        rows = catalogue.rows
        blocked = [rows[pid] for pid in viewer.excluded_ids() if pid in rows]
    found = np.asarray(blocked, dtype=np.int64)
    if also is not None and also.size:
        found = np.concatenate([found, also.astype(np.int64)])
    return RowFilter(catalogue, owner, np.unique(found))


@dataclass(slots=True)
class ViewerSignals:
    """The viewer's positive weights per row, the kind behind each, and the allowed rows."""

    weights: dict[int, float]  # row → net decayed weight (> 0), strongest MAX_ANCHORS
    kinds: dict[int, str]  # row → the strongest standing kind (for reasons)
    seen: np.ndarray  # rows the viewer has interacted with in any way
    allows: RowFilter  # which rows are recommendable to this viewer at all

    @property
    def anchors(self) -> int:
        return len(self.weights)


def allowed_rows(catalogue: Catalogue, viewer: UserState | None) -> np.ndarray:
    """Recommendable rows minus the viewer's own listings and those marked not interested."""
    allowed = catalogue.column("active").copy()
    if viewer is None:
        return allowed
    owner = catalogue.owners.get(viewer.user_id)
    if owner >= 0:
        allowed &= catalogue.column("owner") != owner
    for property_id in viewer.excluded_ids():
        row = catalogue.rows.get(property_id)
        if row is not None:
            allowed[row] = False
    return allowed


def standing_kinds(viewer: UserState) -> dict[str, str]:
    """Per listing, the strongest kind that still stands (a later unfavourite undoes a save)."""
    kinds: dict[str, str] = {}
    favourite_decided: set[str] = set()
    for interaction in viewer.interactions:  # newest first
        pid, kind = interaction.property_id, interaction.kind
        if kind in ("favorite", "unfavorite"):
            if pid in favourite_decided:
                continue
            favourite_decided.add(pid)
            if kind == "unfavorite":
                continue
        if INTERACTION_WEIGHTS.get(kind, 0.0) <= 0:
            continue
        current = kinds.get(pid)
        if current is None or INTERACTION_WEIGHTS[kind] > INTERACTION_WEIGHTS[current]:
            kinds[pid] = kind
    return kinds


def resolve(catalogue: Catalogue, viewer: UserState, now: datetime) -> ViewerSignals:
    """Resolve ``viewer`` against the catalogue (interactions with unknown ids are ignored)."""
    by_id = user_weights(viewer.interactions, now, catalogue.rows)
    strongest = sorted(by_id.items(), key=lambda item: -item[1])[:MAX_ANCHORS]
    kinds_by_id = standing_kinds(viewer)
    weights = {catalogue.rows[pid]: weight for pid, weight in strongest}
    kinds = {catalogue.rows[pid]: kinds_by_id.get(pid, "view") for pid, _ in strongest}
    rows = catalogue.rows
    seen_rows = {rows[i.property_id] for i in viewer.interactions if i.property_id in rows}
    seen = np.fromiter(seen_rows, dtype=np.int64, count=len(seen_rows))
    allows = row_filter(catalogue, viewer, also=seen)
    return ViewerSignals(weights=weights, kinds=kinds, seen=seen, allows=allows)
