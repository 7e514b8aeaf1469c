"""Each listing's nearest neighbours by content, computed once at training (decision 0036).

"Similar homes" is then a lookup of a precomputed list plus the viewer's filters, and the
feed's content candidates are the union of its anchors' lists, instead of a scan of the whole
catalogue per request.

**Exact, not approximate.** Computing all pairs at 100,000 listings is 10¹⁰ dot products, so
the pairs are computed within *groups*: listings whose city one-hot column is the same (the
city block of the content vector, ``ContentFeatures.city_slice``). For a listing ``x`` and a
listing ``y`` of another group the city columns do not overlap, so
``x·y ≤ ‖x_rest‖ · ‖y_rest‖`` (the norms of the vectors without their city block). When the
k-th best score of ``x`` inside its group is at least ``‖x_rest‖ · max ‖y_rest‖`` no listing
outside can enter its list, and the list is exact; the few listings for which that does not
hold are scanned against the whole catalogue. A catalogue of one group is scanned whole.

**Kept fresh without a retrain.** ``add_rows`` (a new or changed listing) scores the new rows
against every row in one matrix product: their own lists are exact, and each existing row
whose k-th best is beaten by a new row takes it in. A row whose vector changed may linger in
others' lists with its old score; lookups re-score candidates with the current vectors, so
that only costs it a place it would have lost.
"""

from __future__ import annotations

import numpy as np

NEIGHBOURS = 64  # per listing; ≥ the largest `first` (50) plus room for filtered ones
BLOCK_FLOATS = 1 << 22  # scores held at once (16 MiB of float32, 32 MiB of their ranks)


def _top(scores: np.ndarray, count: int) -> tuple[np.ndarray, np.ndarray]:
    """Column indices and values of the ``count`` best per row, best first."""
    width = scores.shape[1]
    if count >= width:
        index = np.argsort(-scores, axis=1, kind="stable")
    else:
        part = np.argpartition(scores, width - count, axis=1)[:, width - count :]
        order = np.argsort(-np.take_along_axis(scores, part, axis=1), axis=1, kind="stable")
        index = np.take_along_axis(part, order, axis=1)
    return index[:, :count], np.take_along_axis(scores, index[:, :count], axis=1)


def nearest(
    vectors: np.ndarray, groups: np.ndarray, rest_norms: np.ndarray, k: int = NEIGHBOURS
) -> tuple[np.ndarray, np.ndarray]:
    """Exact top-``k`` neighbours (self excluded) of every row of L2-normalised ``vectors``:
    (rows int32 n×k, scores float32 n×k), padded with -1 / -inf when n - 1 < k.

    ``groups``: a row's city column (-1 for none); ``rest_norms``: the norm of each vector
    without its city block (see the module docstring).
    """
    n = vectors.shape[0]
    rows_out = np.full((n, k), -1, dtype=np.int32)
    scores_out = np.full((n, k), -np.inf, dtype=np.float32)
    count = min(k, n - 1)
    if count <= 0:
        return rows_out, scores_out
    outside = float(rest_norms.max()) if n else 0.0
    unresolved: list[np.ndarray] = []
    for group in np.unique(groups):
        members = np.flatnonzero(groups == group)
        whole = members.size == n
        if members.size - 1 < count and not whole:
            unresolved.append(members)
            continue
        block = max(1, min(members.size, BLOCK_FLOATS // members.size))
        for start in range(0, members.size, block):
            rows = members[start : start + block]
            scores = vectors[rows] @ vectors[members].T
            scores[np.arange(rows.size), np.arange(start, start + rows.size)] = -np.inf
            index, values = _top(scores, count)
            exact = (
                np.ones(rows.size, dtype=bool)
                if whole
                else values[:, -1] >= rest_norms[rows] * outside
            )
            rows_out[rows[exact], :count] = members[index[exact]]
            scores_out[rows[exact], :count] = values[exact]
            if not exact.all():
                unresolved.append(rows[~exact])
    if unresolved:
        rest = np.concatenate(unresolved)
        block = max(1, min(rest.size, BLOCK_FLOATS // n))
        for start in range(0, rest.size, block):
            rows = rest[start : start + block]
            scores = vectors[rows] @ vectors.T
            scores[np.arange(rows.size), rows] = -np.inf
            index, values = _top(scores, count)
            rows_out[rows, :count] = index
            scores_out[rows, :count] = values
    return rows_out, scores_out


def add_rows(
    vectors: np.ndarray, neighbours: np.ndarray, scores: np.ndarray, new: np.ndarray
) -> None:
    """Update the lists in place for rows ``new`` (added or changed; ``vectors`` holds their
    current vectors and every list has a row for them)."""
    n, k = neighbours.shape
    if new.size == 0 or n <= 1:
        return
    count = min(k, n - 1)
    block = max(1, min(new.size, BLOCK_FLOATS // n))
    for start in range(0, new.size, block):
        rows = new[start : start + block]
        similarity = vectors[rows] @ vectors.T  # (b, n)
        similarity[np.arange(rows.size), rows] = -np.inf
        index, values = _top(similarity, count)
        neighbours[rows] = -1
        scores[rows] = -np.inf
        neighbours[rows, :count] = index
        scores[rows, :count] = values
        # Each existing row takes in the new rows that beat its worst neighbour.
        worst = scores[:, -1]
        fresh = np.asarray(rows)
        for column, row in enumerate(rows.tolist()):
            takers = np.flatnonzero(similarity[column] > worst)
            takers = takers[~np.isin(takers, fresh)]
            if takers.size:
                _insert_many(neighbours, scores, takers, row, similarity[column, takers])


def _insert_many(
    neighbours: np.ndarray, scores: np.ndarray, takers: np.ndarray, row: int, score: np.ndarray
) -> None:
    """Put ``row`` into the lists of ``takers`` (each beaten by it), best first: its old entry
    is replaced, else the worst. One array operation per new row instead of a Python loop over
    every list it enters (a run of similar new homes enters thousands)."""
    lists, values = neighbours[takers], scores[takers]
    k = lists.shape[1]
    keep = lists != row
    keep[keep.all(axis=1), -1] = False  # not there yet: the worst entry makes room
    kept_rows = lists[keep].reshape(takers.size, k - 1)
    kept_scores = values[keep].reshape(takers.size, k - 1)
    score = score.astype(scores.dtype)
    # Lists are best first: the new entry goes after every kept one scoring at least as much.
    at = (kept_scores >= score[:, None]).sum(axis=1)[:, None]
    slot = np.arange(k)[None, :]
    source = np.clip(np.where(slot < at, slot, slot - 1), 0, max(k - 2, 0))
    neighbours[takers] = np.where(slot == at, row, np.take_along_axis(kept_rows, source, axis=1))
    scores[takers] = np.where(
        slot == at, score[:, None], np.take_along_axis(kept_scores, source, axis=1)
    )
