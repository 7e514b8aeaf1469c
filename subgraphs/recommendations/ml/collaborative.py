"""Implicit feedback: interaction weights with time decay, TruncatedSVD item factors, fold-in.

The user × item matrix holds, per (user, listing), the sum of the kinds' weights
(``INTERACTION_WEIGHTS``), each decayed by ``0.5 ** (age / half_life)``; an unfavourite takes
back a favourite, "not interested" zeroes the cell, negative sums are clipped to zero, and the
result is damped with ``log1p`` so one user's many views do not drown a favourite.

TruncatedSVD factorises it as X ≈ U Σ Vᵀ. The item factors V are kept; a user's vector is
*folded in* at request time from their live interactions, ``u = x_u V`` (that is U Σ for a
training user), and their scores are ``V u``. So a new favourite changes the next answer with
no retrain, and a user who was not in the training data gets collaborative scores as soon
as they touch a listing that has factors.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime

import numpy as np
from scipy import sparse
from sklearn.decomposition import TruncatedSVD

from subgraphs.recommendations.ml.data import INTERACTION_WEIGHTS, Interaction

HALF_LIFE_DAYS = 60.0
FACTORS = 64


def decay(at: datetime, now: datetime, half_life_days: float = HALF_LIFE_DAYS) -> float:
    """The weight multiplier of a signal from ``at`` seen at ``now`` (1.0 for the future)."""
    age_days = max((now - at).total_seconds(), 0.0) / 86_400.0
    return float(0.5 ** (age_days / half_life_days))


def user_weights(
    interactions: Iterable[Interaction], now: datetime, rows: Mapping[str, int] | None = None
) -> dict[str, float]:
    """Net decayed preference of one user per listing id (positive entries only).

    ``rows``, when given, keeps only listings it knows.
    """
    totals: dict[str, float] = defaultdict(float)
    blocked: set[str] = set()
    for interaction in interactions:
        if rows is not None and interaction.property_id not in rows:
            continue
        if interaction.kind == "not_interested":
            blocked.add(interaction.property_id)
            continue
        weight = INTERACTION_WEIGHTS.get(interaction.kind, 0.0)
        totals[interaction.property_id] += weight * decay(interaction.at, now)
    return {pid: w for pid, w in totals.items() if w > 1e-9 and pid not in blocked}


def interaction_matrix(
    interactions: Sequence[Interaction], rows: Mapping[str, int], n_items: int, now: datetime
) -> tuple[sparse.csr_matrix, list[str]]:
    """The damped user × item matrix (users in order of first appearance) and the user ids."""
    users: dict[str, int] = {}
    user_index = np.empty(len(interactions), dtype=np.int64)
    item_index = np.empty(len(interactions), dtype=np.int64)
    weights = np.empty(len(interactions), dtype=np.float64)
    ages = np.empty(len(interactions), dtype=np.float64)
    blocked: list[tuple[int, int]] = []
    count = 0
    now_ts = now.timestamp()
    for interaction in interactions:
        item = rows.get(interaction.property_id)
        if item is None:
            continue
        user = users.setdefault(interaction.user_id, len(users))
        if interaction.kind == "not_interested":
            blocked.append((user, item))
            continue
        user_index[count] = user
        item_index[count] = item
        weights[count] = INTERACTION_WEIGHTS.get(interaction.kind, 0.0)
        ages[count] = max(now_ts - interaction.at.timestamp(), 0.0) / 86_400.0
        count += 1
    user_index, item_index = user_index[:count], item_index[:count]
    values = weights[:count] * np.power(0.5, ages[:count] / HALF_LIFE_DAYS)
    if blocked:
        keys = user_index * n_items + item_index
        blocked_keys = np.array([user * n_items + item for user, item in blocked])
        values[np.isin(keys, blocked_keys)] = 0.0
    matrix = sparse.coo_matrix(
        (values, (user_index, item_index)), shape=(len(users), n_items)
    ).tocsr()  # duplicates are summed
    matrix.sum_duplicates()
    matrix.data = np.log1p(np.clip(matrix.data, 0.0, None))
    matrix.eliminate_zeros()
    return matrix, list(users)


def item_factors(
    matrix: sparse.csr_matrix, *, seed: int = 0, factors: int | None = None
) -> np.ndarray:
    """Item factors V (n_items × k, float32) of the matrix; zero rows for unseen items."""
    n_users, n_items = matrix.shape
    # Far fewer factors than users or items: a near-full-rank SVD would reproduce each user's
    # own row and recommend nothing new.
    k = min(factors or FACTORS, n_users // 4, n_items // 4)
    if k < 1 or matrix.nnz == 0:
        return np.zeros((n_items, 1), dtype=np.float32)
    svd = TruncatedSVD(n_components=k, algorithm="randomized", n_iter=5, random_state=seed)
    svd.fit(matrix)
    return np.ascontiguousarray(svd.components_.T, dtype=np.float32)


def fold_in(weights: Mapping[int, float], factors: np.ndarray) -> np.ndarray:
    """A user's vector u = x_u V from their (damped) weights per item row."""
    if not weights:
        return np.zeros(factors.shape[1], dtype=np.float32)
    rows = np.fromiter(weights.keys(), dtype=np.int64, count=len(weights))
    damped = np.log1p(np.fromiter(weights.values(), dtype=np.float64, count=len(weights)))
    user: np.ndarray = damped.astype(np.float32) @ factors[rows]
    return user
