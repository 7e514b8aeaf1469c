"""The hybrid recommender: similar homes, recommendations for a home, and the personal feed.

Sources of candidates (decision 0028):

- **content**: cosine similarity of the content vectors (``features``) to a home, or to the
  viewer's profile (the weighted mean of the homes they engaged with);
- **collaborative**: TruncatedSVD item factors; the viewer's vector is folded in from their
  live interactions (``collaborative``), so a new favourite counts on the next request;
- **popular**: the most popular listings in the area and price band of the viewer's searches
  (``popular``), which is what a new user gets (cold start).

The feed blends the sources with weights that move from popular towards collaborative as a
viewer's history grows, re-ranks for diversity with MMR (``rerank``), or, given a ``Bandit``,
lets the bandit choose the source of each slot. Every answer is filtered: never the viewer's
own listings, never sold/rented/off-market/deleted ones, never those marked "not
interested", never the home itself, and in the feed never a home the viewer already
interacted with.

All scoring is in memory over precomputed arrays: no fitting per request.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Collection, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

import numpy as np

from subgraphs.recommendations.ml.bandit import Bandit
from subgraphs.recommendations.ml.catalogue import Catalogue
from subgraphs.recommendations.ml.collaborative import (
    FACTORS,
    fold_in,
    interaction_matrix,
    item_factors,
)
from subgraphs.recommendations.ml.data import Interaction, Listing, Scored, SearchSignal, UserState
from subgraphs.recommendations.ml.features import ContentFeatures, city_groups
from subgraphs.recommendations.ml.neighbours import NEIGHBOURS, add_rows, nearest
from subgraphs.recommendations.ml.popular import (
    Segment,
    popularity_scores,
    reason_for,
    segment_mask,
    viewer_segments,
)
from subgraphs.recommendations.ml.reasons import anchor_reason, similar_reason
from subgraphs.recommendations.ml.rerank import min_max, mmr, top_rows
from subgraphs.recommendations.ml.signals import RowFilter, ViewerSignals, resolve, row_filter

SOURCES = ("content", "collaborative", "popular")
FEED_CONTEXT_DIMENSIONS = 5
MIN_CANDIDATES = 100
REASON_ANCHORS = 10
FEED_TRADE_OFF = 0.75  # MMR λ for the feed
PROPERTY_TRADE_OFF = 0.85  # MMR λ for a home's recommendations
SIMILAR_WEIGHT = 0.6
ALSO_LIKED_WEIGHT = 0.4
SEARCH_MATCH_BONUS = 0.2
# Blend weights of the feed's sources (tuned on the simulator, decision 0028): collaborative
# grows to its full weight by COLLABORATIVE_FULL_AT anchors; popular counts less once the
# viewer has a history.
CONTENT_WEIGHT = 1.0
COLLABORATIVE_WEIGHT = 0.3
COLLABORATIVE_FULL_AT = 3.0
POPULAR_WEIGHT_WARM = 0.05
COLLABORATIVE_REASON = "Liked by people with tastes like yours"
ALSO_LIKED_REASON = "People who liked this home also liked"
# Collaborative candidates: the rows with the largest (normalised) item factor along each of
# the user's FACTOR_PROBES strongest dimensions, FACTOR_TOP per dimension and sign.
FACTOR_PROBES = 8
FACTOR_TOP = 256
# Popular candidates are read from the rows in order of popularity, this many at a time.
POPULAR_CHUNK = 4096
# Popularity's freshness bonus is recomputed at most this often (seconds).
POPULARITY_REFRESH = 600.0


@dataclass(slots=True)
class _Candidates:
    """One source: its best rows (with their scores), a scorer of any rows, and its reason
    for a row."""

    score: Callable[[np.ndarray], np.ndarray]  # score of the given rows
    rows: np.ndarray  # this source's best allowed rows, best first
    scores: np.ndarray  # their scores
    reason_of: Callable[[int], str]


def _best(
    rows: np.ndarray, scores: np.ndarray, allows: RowFilter, count: int, *, positive: bool = False
) -> tuple[np.ndarray, np.ndarray]:
    """The ``count`` best allowed ``rows`` by ``scores``, best first (ties: lower row)."""
    keep = allows(rows)
    if positive:
        keep &= scores > 0
    picked = top_rows(scores, keep, count)
    return rows[picked], scores[picked]


class Recommender:
    """A fitted model; build with ``fit`` or ``from_bytes``. See the module docstring."""

    def __init__(
        self,
        features: ContentFeatures,
        catalogue: Catalogue,
        *,
        version: str,
        trained_at: datetime,
    ) -> None:
        self.features = features
        self.catalogue = catalogue
        self.version = version
        self.trained_at = trained_at
        self._refresh_factor_norms()
        if not catalogue.has_neighbours:  # an artefact from before the lists were stored
            self._compute_neighbours()
        # (time bucket, popularity of each row, the rows first ordered by it, best first).
        self._popularity: tuple[float, np.ndarray, np.ndarray] | None = None

    # ---- training -------------------------------------------------------------------------

    @classmethod
    def fit(
        cls,
        listings: Sequence[Listing],
        interactions: Sequence[Interaction],
        searches: Sequence[SearchSignal] = (),
        *,
        now: datetime,
        seed: int = 0,
    ) -> Recommender:
        """Fit the content pipeline, the collaborative factors and popularity.

        ``now`` is the reference time of the time decay. ``searches`` are not needed at
        training time today (segments are read from the viewer's live searches) and are
        accepted so the service passes what it has. Raises ValueError with no listings.
        """
        features, vectors = ContentFeatures.fit(listings, seed=seed)
        catalogue = Catalogue(vectors.shape[1], FACTORS)
        for listing, vector in zip(listings, vectors, strict=True):
            catalogue.upsert(listing, vector)
        matrix, _users = interaction_matrix(interactions, catalogue.rows, len(catalogue), now)
        catalogue.set_factors(np.arange(len(catalogue)), item_factors(matrix, seed=seed))
        catalogue.set_popularity(np.asarray(matrix.sum(axis=0), dtype=np.float32).ravel())
        del matrix
        digest = hashlib.sha256()
        digest.update(f"{len(listings)}:{len(interactions)}:{len(searches)}:{seed}".encode())
        for listing_id in catalogue.ids[:1000]:
            digest.update(listing_id.encode())
        version = f"{now.astimezone(UTC):%Y%m%dT%H%M%SZ}-{digest.hexdigest()[:10]}"
        return cls(features, catalogue, version=version, trained_at=now)

    def _compute_neighbours(self) -> None:
        """Every row's exact nearest neighbours by content (``neighbours``)."""
        catalogue = self.catalogue
        vectors = catalogue.vectors
        groups, rest = city_groups(self.features, vectors)
        catalogue.set_neighbours(*nearest(vectors, groups, rest))

    def add_listing(self, listing: Listing) -> None:
        """Add or update a listing: content vector from the fitted pipeline, no refit.

        A new listing has no collaborative factors, so it is recommended by content (and by
        freshness among popular ones) until a retrain sees its interactions. A listing whose
        status is sold/off-market/... is kept (for "similar to") but never recommended. Its
        neighbour list is computed, and it enters the lists of the homes it is among the
        nearest of (one scan of the catalogue, off the request path).
        """
        self.add_listings([listing])

    def add_listings(self, listings: Sequence[Listing]) -> None:
        """``add_listing`` for many at once: one batched transform (after a bulk import)."""
        if not listings:
            return
        catalogue = self.catalogue
        rows = [
            catalogue.upsert(listing, vector)
            for listing, vector in zip(listings, self.features.transform(listings), strict=True)
        ]
        add_rows(
            catalogue.vectors,
            catalogue.neighbours,
            catalogue.neighbour_scores,
            np.unique(np.asarray(rows, dtype=np.int64)),
        )

    def remove_listing(self, property_id: str) -> None:
        """Never recommend ``property_id`` again (sold, off market, deleted)."""
        self.catalogue.hide(property_id)

    def __contains__(self, property_id: object) -> bool:
        return isinstance(property_id, str) and property_id in self.catalogue.rows

    def _refresh_factor_norms(self) -> None:
        factors = self.catalogue.factors
        # Cached: rows added later (add_listing) have no factors, so they count as zero.
        self._factor_norms = np.linalg.norm(factors, axis=1)
        self._has_factors = bool(np.any(self._factor_norms > 0))

        # Collaborative candidates: per factor dimension and sign, the rows with the largest
        # normalised factor there (rows added later have no factors, so are never among them).
        unit = np.divide(
            factors,
            self._factor_norms[:, None],
            out=np.zeros_like(factors),
            where=self._factor_norms[:, None] > 0,
        )
        self._factor_tops = np.stack([_column_tops(unit), _column_tops(-unit)])

    def _norms(self) -> np.ndarray:
        norms = self._factor_norms
        missing = len(self.catalogue) - norms.shape[0]
        return np.concatenate([norms, np.zeros(missing)]) if missing > 0 else norms

    def _factor_candidates(self, user: np.ndarray) -> np.ndarray:
        """Rows likely to score highest against ``user`` in factor space: the tops of its
        strongest dimensions (each row is then scored exactly)."""
        probes = np.argsort(-np.abs(user), kind="stable")[:FACTOR_PROBES]
        probes = probes[user[probes] != 0]
        signs = (user[probes] < 0).astype(np.int64)
        return _distinct(self._factor_tops[signs, probes].ravel(), len(self.catalogue))

    # ---- a home's neighbours ---------------------------------------------------------------

    def similar(self, property_id: str, k: int, *, viewer: UserState | None = None) -> list[Scored]:
        """The ``k`` homes most similar by content (nearest neighbours by cosine).

        Unknown ``property_id`` (no features yet) → ``[]``.
        """
        row = self.catalogue.rows.get(property_id)
        if row is None or k <= 0:
            return []
        rows, scores = self._similar_rows(row, k, row_filter(self.catalogue, viewer))
        return [
            Scored(self.catalogue.ids[r], float(s), self._similar_reason(r), "similar")
            for r, s in zip(rows.tolist(), scores.tolist(), strict=True)
        ]

    def _similar_rows(
        self, row: int, k: int, allows: RowFilter, *, up_to: int | None = None
    ) -> tuple[np.ndarray, np.ndarray]:
        """The ``k`` allowed rows nearest ``row`` (more, up to ``up_to``, when its list has
        them), best first, with their cosine.

        A lookup of the row's precomputed list, re-scored with the current vectors; only when
        the filters leave fewer than ``k`` of a full list is the whole catalogue scanned.
        """
        catalogue = self.catalogue
        vectors = catalogue.vectors
        listed = catalogue.neighbours[row]
        listed = listed[listed >= 0].astype(np.int64)
        if listed.size == NEIGHBOURS:
            kept = listed[allows(listed)]
            if kept.size < k:
                listed = np.arange(len(catalogue))
        listed = listed[listed != row]
        return _best(listed, vectors[listed] @ vectors[row], allows, max(k, up_to or k))

    def for_property(
        self, property_id: str, k: int, *, viewer: UserState | None = None
    ) -> list[Scored]:
        """Recommendations on a home's page: content neighbours blended with "people who
        liked this also liked" (item–item cosine of the collaborative factors), diversified.

        Unknown ``property_id`` → ``[]``.
        """
        catalogue = self.catalogue
        row = catalogue.rows.get(property_id)
        if row is None or k <= 0:
            return []
        allows = row_filter(catalogue, viewer, also=np.asarray([row]))
        pool = max(MIN_CANDIDATES, 4 * k)
        vectors = catalogue.vectors

        def content(rows: np.ndarray) -> np.ndarray:
            return vectors[rows] @ vectors[row]

        similar_rows, similar_scores = self._similar_rows(row, k, allows, up_to=pool)
        sources: dict[str, tuple[_Candidates, float]] = {
            "similar": (
                _Candidates(content, similar_rows, similar_scores, self._similar_reason),
                SIMILAR_WEIGHT,
            )
        }
        own_norm = float(self._norms()[row])
        if own_norm > 0:
            factors = catalogue.factors
            norms = self._norms()
            own = factors[row]

            def cosine(rows: np.ndarray) -> np.ndarray:
                below = norms[rows] * own_norm
                dots = factors[rows] @ own
                return np.divide(dots, below, out=np.zeros_like(dots), where=below > 0)

            candidates = self._factor_candidates(own)
            candidates = candidates[norms[candidates] > 0]
            also_rows, also_scores = _best(candidates, cosine(candidates), allows, pool)
            sources["also_liked"] = (
                _Candidates(cosine, also_rows, also_scores, lambda _row: ALSO_LIKED_REASON),
                ALSO_LIKED_WEIGHT,
            )
        return self._blend(sources, k, trade_off=PROPERTY_TRADE_OFF)

    def _similar_reason(self, row: int) -> str:
        catalogue = self.catalogue
        bedrooms = int(catalogue.column("bedrooms")[row])
        type_name = catalogue.types.names[int(catalogue.column("type")[row])]
        city = catalogue.city_names[int(catalogue.column("city")[row])] or None
        return similar_reason(bedrooms if bedrooms > 0 else None, type_name, city)

    # ---- the personal feed -----------------------------------------------------------------

    def feed(
        self,
        viewer: UserState,
        k: int,
        *,
        bandit: Bandit | None = None,
        now: datetime | None = None,
        sources: Collection[str] = SOURCES,
    ) -> list[Scored]:
        """The viewer's personal feed of ``k`` homes (see the module docstring).

        ``now`` (default: the current time) is the reference of the time decay. With a
        ``bandit`` (of ``FEED_CONTEXT_DIMENSIONS``), each slot's source is drawn by the bandit
        and ``Scored.propensity``/``context`` say how; log them with the impression.
        ``sources`` limits the candidate sources (the offline evaluation scores each alone).
        """
        if k <= 0 or len(self.catalogue) == 0:
            return []
        moment = now or datetime.now(UTC)
        signals = resolve(self.catalogue, viewer, moment)
        pool = max(MIN_CANDIDATES, 5 * k)
        searches = list(viewer.searches)
        segments = viewer_segments(self.catalogue, searches, list(signals.weights))
        candidates: dict[str, _Candidates] = {}
        weights: dict[str, float] = {}
        if signals.anchors and "content" in sources:
            candidates["content"] = self._content_candidates(signals, pool)
            weights["content"] = CONTENT_WEIGHT
        if signals.anchors and "collaborative" in sources:
            collaborative = self._collaborative_candidates(signals, pool)
            if collaborative is not None:
                candidates["collaborative"] = collaborative
                share = min(1.0, signals.anchors / COLLABORATIVE_FULL_AT)
                weights["collaborative"] = COLLABORATIVE_WEIGHT * share
        if "popular" in sources:
            candidates["popular"] = self._popular_candidates(signals, segments, pool, moment)
            weights["popular"] = POPULAR_WEIGHT_WARM if signals.anchors else 1.0
        bonus_segments = [seg for seg in segments if not seg.unconstrained] if searches else []
        if bandit is not None:
            context_base = [
                1.0,
                min(signals.anchors, 20) / 20.0,
                1.0 if searches else 0.0,
                1.0 if "collaborative" in candidates else 0.0,
            ]
            return self._bandit_slots(candidates, bandit, context_base, k)
        blend = {name: (candidates[name], weights[name]) for name in candidates}
        return self._blend(blend, k, trade_off=FEED_TRADE_OFF, bonus_segments=bonus_segments)

    def _content_candidates(self, signals: ViewerSignals, pool: int) -> _Candidates:
        vectors = self.catalogue.vectors
        anchor_rows = np.fromiter(signals.weights, dtype=np.int64)
        anchor_weights = np.log1p(np.fromiter(signals.weights.values(), dtype=np.float64))
        profile = anchor_weights.astype(np.float32) @ vectors[anchor_rows]
        profile /= max(float(np.linalg.norm(profile)), 1e-12)
        # Candidates: the anchors' nearest neighbours (what is near the profile is near some
        # of the homes it is the mean of), scored exactly against the profile.
        listed = _distinct(self.catalogue.neighbours[anchor_rows].ravel(), len(self.catalogue))

        def score(rows: np.ndarray) -> np.ndarray:
            return vectors[rows] @ profile

        # The reason names the strongest kind of the anchor a pick is most similar to.
        strongest = anchor_rows[np.argsort(-anchor_weights)[:REASON_ANCHORS]]

        def reason_of(row: int) -> str:
            nearest = int(np.argmax(vectors[strongest] @ vectors[row]))
            return anchor_reason(signals.kinds[int(strongest[nearest])])

        rows, scores = _best(listed, score(listed), signals.allows, pool)
        return _Candidates(score, rows, scores, reason_of)

    def _collaborative_candidates(self, signals: ViewerSignals, pool: int) -> _Candidates | None:
        if not self._has_factors:
            return None
        factors = self.catalogue.factors
        user = fold_in(signals.weights, factors)
        if not np.any(user):
            return None

        def score(rows: np.ndarray) -> np.ndarray:
            return factors[rows] @ user

        listed = self._factor_candidates(user)
        rows, scores = _best(listed, score(listed), signals.allows, pool, positive=True)
        if rows.size == 0:
            return None
        return _Candidates(score, rows, scores, lambda _row: COLLABORATIVE_REASON)

    def _popular_candidates(
        self, signals: ViewerSignals, segments: list[Segment], pool: int, now: datetime
    ) -> _Candidates:
        """Popularity in the viewer's segments; the whole site counts half as a fallback.

        Reads the rows in order of popularity (cached) until it has ``pool`` allowed ones in
        the segments and ``pool`` allowed ones anywhere: the best ``pool`` of the blended
        score are among those, so no request scores the whole catalogue.
        """
        catalogue = self.catalogue
        popularity, order = self._popularity_order(now.timestamp())
        # Rows added since the order was computed are few: each is a candidate.
        fresh = np.arange(order.size, len(catalogue), dtype=np.int64)
        fresh = fresh[signals.allows(fresh)]
        own = [segment for segment in segments if not segment.unconstrained]

        def segment_of(rows: np.ndarray) -> np.ndarray:
            found = np.full(rows.size, -1, dtype=np.int64)
            for index, segment in enumerate(own):
                found[(found < 0) & segment_mask(catalogue, segment, rows)] = index
            return found

        def score(rows: np.ndarray) -> np.ndarray:
            values = popularity[rows]
            return np.where(segment_of(rows) >= 0, values, 0.5 * values) if own else values

        inside: list[np.ndarray] = []
        anywhere: list[np.ndarray] = []
        found_inside = found_anywhere = 0
        for start in range(0, order.size, POPULAR_CHUNK):
            chunk = order[start : start + POPULAR_CHUNK]
            chunk = chunk[signals.allows(chunk)]
            if found_anywhere < pool:
                anywhere.append(chunk[: pool - found_anywhere])
                found_anywhere += anywhere[-1].size
            if own and found_inside < pool:
                members = chunk[segment_of(chunk) >= 0][: pool - found_inside]
                inside.append(members)
                found_inside += members.size
            if found_anywhere >= pool and (not own or found_inside >= pool):
                break
        listed = _distinct(np.concatenate([*inside, *anywhere, fresh]), len(catalogue))
        rows, scores = _best(listed, score(listed), signals.allows, pool)
        row_segments = dict(zip(rows.tolist(), segment_of(rows).tolist(), strict=True))
        reasons: dict[int, str] = {}

        def reason_of(row: int) -> str:
            index = row_segments.get(row)
            if index is None:
                index = int(segment_of(np.asarray([row]))[0])
            if index not in reasons:
                segment = own[index] if index >= 0 else Segment()
                members = np.asarray([r for r, i in row_segments.items() if i == index])
                reasons[index] = reason_for(catalogue, segment, members.astype(np.int64))
            return reasons[index]

        return _Candidates(score, rows, scores, reason_of)

    def _popularity_order(self, now_ts: float) -> tuple[np.ndarray, np.ndarray]:
        """Popularity of every row, and the rows best first, recomputed every
        POPULARITY_REFRESH seconds (the freshness bonus moves with time). Rows added since
        get their popularity appended but are not in the order (the caller adds them)."""
        catalogue = self.catalogue
        bucket = now_ts // POPULARITY_REFRESH
        cached = self._popularity
        if cached is None or cached[0] != bucket or cached[1].size > len(catalogue):
            popularity = popularity_scores(catalogue, now_ts)
            order = np.lexsort((np.arange(popularity.size), -popularity))
            cached = self._popularity = (bucket, popularity, order)
        elif cached[1].size < len(catalogue):
            added = popularity_scores(catalogue, now_ts, slice(cached[1].size, len(catalogue)))
            cached = self._popularity = (bucket, np.concatenate([cached[1], added]), cached[2])
        return cached[1], cached[2]

    # ---- blending, diversity, the bandit ---------------------------------------------------

    def _blend(
        self,
        sources: dict[str, tuple[_Candidates, float]],
        k: int,
        *,
        trade_off: float,
        bonus_segments: Sequence[Segment] = (),
    ) -> list[Scored]:
        """Blend the sources over the union of their best rows, then diversify with MMR.

        Every source scores every row of the union (not only its own best), each min-max
        scaled over the union; the blend is their weighted sum, plus SEARCH_MATCH_BONUS for rows in
        the viewer's searched segments. A pick's reason and source are those of the source
        contributing most to its score.
        """
        if not sources:
            return []
        union = np.unique(np.concatenate([c.rows for c, _ in sources.values()]))
        if union.size == 0:
            return []
        names = list(sources)
        parts = np.zeros((len(names), union.size))
        for index, name in enumerate(names):
            candidates, weight = sources[name]
            parts[index] = weight * min_max(candidates.score(union).astype(np.float64))
        totals = parts.sum(axis=0)
        if bonus_segments:
            matched = np.zeros(union.size, dtype=bool)
            for segment in bonus_segments:
                matched |= segment_mask(self.catalogue, segment, union)
            totals = totals + SEARCH_MATCH_BONUS * matched
        order = np.lexsort((union, -totals))[: max(4 * k, k + 10)]
        rows, totals, parts = union[order], totals[order], parts[:, order]
        picks = mmr(min_max(totals), self.catalogue.vectors[rows], k, trade_off=trade_off)
        results = []
        for index in picks:
            row = int(rows[index])
            name = names[int(np.argmax(parts[:, index]))]
            reason = sources[name][0].reason_of(row)
            results.append(Scored(self.catalogue.ids[row], float(totals[index]), reason, name))
        return results

    def _bandit_slots(
        self,
        candidates: dict[str, _Candidates],
        bandit: Bandit,
        context_base: list[float],
        k: int,
    ) -> list[Scored]:
        """Fill each slot from the source the bandit draws; within the source, the pick with
        the best MMR value against what is already shown."""
        vectors = self.catalogue.vectors
        scaled = {name: min_max(c.scores) for name, c in candidates.items()}
        free = {name: np.ones(c.rows.size, dtype=bool) for name, c in candidates.items()}
        own_vectors = {name: vectors[c.rows] for name, c in candidates.items()}
        # Per source and row, the largest similarity to a home already shown (MMR penalty).
        closest = {name: np.full(c.rows.size, -np.inf) for name, c in candidates.items()}
        results: list[Scored] = []
        names = list(candidates)
        contexts = [(*context_base, slot / max(k - 1, 1)) for slot in range(k)]
        drawn = bandit.draws(contexts, names) if names else None
        for slot, context in enumerate(contexts):
            available = [index for index, name in enumerate(names) if free[name].any()]
            if drawn is None or not available:
                break
            chosen, propensity = bandit.pick(drawn[slot], available)
            arm = names[chosen]
            source = candidates[arm]
            relevance = np.where(free[arm], scaled[arm], -np.inf)
            if results:
                relevance = FEED_TRADE_OFF * relevance - (1 - FEED_TRADE_OFF) * closest[arm]
            index = int(np.argmax(relevance))
            row = int(source.rows[index])
            for name, c in candidates.items():
                free[name] &= c.rows != row
                np.maximum(closest[name], own_vectors[name] @ vectors[row], out=closest[name])
            results.append(
                Scored(
                    self.catalogue.ids[row],
                    float(scaled[arm][index]),
                    source.reason_of(row),
                    arm,
                    propensity=propensity,
                    context=tuple(float(x) for x in context),
                )
            )
        return results

    @staticmethod
    def new_bandit(seed: int = 0) -> Bandit:
        """A fresh bandit for ``feed`` (context of FEED_CONTEXT_DIMENSIONS)."""
        return Bandit(FEED_CONTEXT_DIMENSIONS, seed=seed)

    # ---- the artefact ----------------------------------------------------------------------

    def to_bytes(self, *, key: bytes) -> bytes:
        """The model as a signed artefact (see ``artefact``); ``key``: the HMAC key."""
        from subgraphs.recommendations.ml.artefact import dump

        return dump(self, key=key)

    @classmethod
    def from_bytes(cls, data: bytes, *, key: bytes) -> Recommender:
        """Load an artefact written by ``to_bytes`` with the same key; raises ArtefactError
        (before unpickling anything) when the signature does not match."""
        from subgraphs.recommendations.ml.artefact import load

        return load(data, key=key)


def _column_tops(values: np.ndarray) -> np.ndarray:
    """Per column, the rows of its FACTOR_TOP largest positive values (-1 pads): (cols, top)."""
    rows, columns = values.shape
    tops = np.full((columns, FACTOR_TOP), -1, dtype=np.int64)
    count = min(FACTOR_TOP, rows)
    if count == 0:
        return tops
    for column in range(columns):
        picked = top_rows(values[:, column], values[:, column] > 0, count)
        tops[column, : picked.size] = picked
    return tops


def _distinct(rows: np.ndarray, size: int) -> np.ndarray:
    """The distinct non-negative ``rows`` (< ``size``), ascending: a mask of the catalogue's
    rows, cheaper than sorting thousands of candidates (``np.unique``)."""
    rows = rows[rows >= 0]
    seen = np.zeros(size, dtype=bool)
    seen[rows] = True
    return np.flatnonzero(seen)
