"""Popular listings in a segment (area, price band, type): the cold-start source.

A new user has no interactions, but their searches and saved searches say where and what
they look for; the most popular listings matching the newest searches fill their feed, with
reasons like "Popular in Lekki under ₦90M". A user with interactions but no searches gets a
segment inferred from the homes they engaged with (their main city, up to the dearest of
them plus a margin). New listings (no interactions yet) get a small freshness bonus so they
are not always last.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

import numpy as np

from subgraphs.recommendations.ml.catalogue import Catalogue
from subgraphs.recommendations.ml.data import SearchSignal
from subgraphs.recommendations.ml.reasons import popular_reason

MAX_SEGMENTS = 3
FRESHNESS_BONUS = 0.3
FRESHNESS_DAYS = 30.0
INFERRED_PRICE_MARGIN = 1.25


@dataclass(frozen=True, slots=True)
class Segment:
    """Where and what: any part may be None (no constraint)."""

    city: str | None = None
    min_price: float | None = None
    max_price: float | None = None
    type: str | None = None
    currency: str | None = None

    @classmethod
    def of(cls, search: SearchSignal) -> Segment:
        return cls(search.city, search.min_price, search.max_price, search.type, search.currency)

    @property
    def unconstrained(self) -> bool:
        return not (self.city or self.min_price or self.max_price or self.type)


def segment_mask(
    catalogue: Catalogue, segment: Segment, rows: np.ndarray | None = None
) -> np.ndarray:
    """Which rows (all, or the given ones) fall in ``segment``."""

    def column(name: str) -> np.ndarray:
        values = catalogue.column(name)
        return values if rows is None else values[rows]

    mask = np.ones(len(catalogue) if rows is None else rows.shape[0], dtype=bool)
    if segment.city:
        mask &= column("city") == catalogue.city_code(segment.city)
    if segment.type:
        mask &= column("type") == catalogue.types.get(segment.type.strip().casefold())
    if segment.currency:
        mask &= column("currency") == catalogue.currencies.get(segment.currency.strip().upper())
    if segment.min_price:
        mask &= column("price") >= segment.min_price
    if segment.max_price:
        mask &= column("price") <= segment.max_price
    return mask


def popularity_scores(
    catalogue: Catalogue, now_ts: float, rows: np.ndarray | slice = slice(None)
) -> np.ndarray:
    """log1p(popularity) plus a freshness bonus decaying over FRESHNESS_DAYS (of every row, or
    of ``rows``)."""
    age_days = np.maximum(now_ts - catalogue.column("created")[rows], 0.0) / 86_400.0
    fresh = FRESHNESS_BONUS * np.exp(-age_days / FRESHNESS_DAYS)
    return np.log1p(catalogue.column("popularity")[rows].astype(np.float64)) + fresh


def reason_for(catalogue: Catalogue, segment: Segment, rows: np.ndarray) -> str:
    """The reason shown for popular picks of ``segment`` (currency from the picks if unset)."""
    currency = segment.currency
    if currency is None and rows.size:
        codes = Counter(catalogue.column("currency")[rows].tolist())
        currency = catalogue.currencies.names[codes.most_common(1)[0][0]]
    city = segment.city
    code = catalogue.city_code(city) if city else -1
    if code >= 0:
        city = catalogue.city_names[code] or city  # as listings spell it
    return popular_reason(city, segment.min_price, segment.max_price, currency, segment.type)


def viewer_segments(
    catalogue: Catalogue, searches: list[SearchSignal], anchor_rows: list[int]
) -> list[Segment]:
    """Segments of the newest searches, or one inferred from the anchors, or the whole site."""
    segments = [Segment.of(search) for search in searches[:MAX_SEGMENTS]]
    segments = [segment for segment in dict.fromkeys(segments) if not segment.unconstrained]
    if segments:
        return segments
    if anchor_rows:
        rows = np.asarray(anchor_rows)
        city = Counter(catalogue.column("city")[rows].tolist()).most_common(1)[0][0]
        top_price = float(catalogue.column("price")[rows].max()) * INFERRED_PRICE_MARGIN
        name = catalogue.city_names[city] or None
        return [Segment(city=name, max_price=_round_price(top_price))]
    return [Segment()]


def _round_price(price: float) -> float:
    """Two significant figures, so reasons read "under ₦90M" rather than "under ₦87.5M"."""
    if price <= 0:
        return price
    magnitude = 10 ** (int(np.floor(np.log10(price))) - 1)
    return float(np.ceil(price / magnitude) * magnitude)
