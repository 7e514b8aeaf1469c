"""Top-k selection over masked scores, and maximal marginal relevance (MMR) re-ranking."""

from __future__ import annotations

import numpy as np


def top_rows(scores: np.ndarray, allowed: np.ndarray, count: int) -> np.ndarray:
    """Rows of the ``count`` highest ``scores`` among ``allowed`` rows, best first.

    ``argpartition`` keeps this O(n) over the catalogue; only the ``count`` winners are sorted.
    """
    candidates = np.flatnonzero(allowed)
    if count <= 0 or candidates.size == 0:
        return np.zeros(0, dtype=np.int64)
    values = scores[candidates]
    if candidates.size > count:
        keep = np.argpartition(-values, count - 1)[:count]
        candidates, values = candidates[keep], values[keep]
    order = np.lexsort((candidates, -values))  # ties: lower row first, so results are stable
    return candidates[order]


def mmr(
    relevance: np.ndarray, vectors: np.ndarray, count: int, *, trade_off: float = 0.75
) -> list[int]:
    """Indices (into ``relevance``) of ``count`` items picked by maximal marginal relevance.

    Each step takes the item maximising ``λ·relevance − (1−λ)·max cosine to those already
    picked`` (``vectors`` are L2-normalised rows), so near-duplicates of a pick slide down.
    ``trade_off`` λ = 1 is the plain relevance order.
    """
    n = relevance.shape[0]
    count = min(count, n)
    if count <= 0:
        return []
    similarity = vectors @ vectors.T
    chosen: list[int] = []
    closest = np.full(n, -np.inf, dtype=np.float64)  # max similarity to the chosen so far
    available = np.ones(n, dtype=bool)
    for _ in range(count):
        penalty = np.where(np.isfinite(closest), closest, 0.0)
        value = trade_off * relevance - (1.0 - trade_off) * penalty
        value[~available] = -np.inf
        pick = int(np.argmax(value))
        chosen.append(pick)
        available[pick] = False
        closest = np.maximum(closest, similarity[pick])
    return chosen


def min_max(values: np.ndarray) -> np.ndarray:
    """``values`` scaled to [0, 1] (all ones when they are all equal)."""
    if values.size == 0:
        return values.astype(np.float64)
    low, high = float(values.min()), float(values.max())
    if high - low < 1e-12:
        return np.ones_like(values, dtype=np.float64)
    return (values.astype(np.float64) - low) / (high - low)
