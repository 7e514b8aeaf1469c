"""The content feature pipeline: a listing → one L2-normalised dense vector.

A scikit-learn ColumnTransformer over a small object table of the listings:

- numbers (log price, bedrooms, bathrooms, log floor area): median-imputed, standard-scaled;
- kind (type, currency): one-hot, unknown categories ignored;
- location: latitude/longitude median-imputed and scaled, city one-hot (the 64 most frequent
  cities, the rest in one "infrequent" column);
- text (title + description): TF-IDF, reduced to 32 latent dimensions with TruncatedSVD (LSA)
  once there are enough listings, so the vectors stay small and dense.

Each block has a weight (how much it counts in "similar"). The output is L2-normalised, so a
dot product of two vectors is their cosine similarity. New listings are transformed with the
fitted pipeline (``ContentFeatures.transform``) and need no refit.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np
from sklearn.compose import ColumnTransformer
from sklearn.decomposition import TruncatedSVD
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.impute import SimpleImputer
from sklearn.pipeline import Pipeline, make_pipeline
from sklearn.preprocessing import OneHotEncoder, StandardScaler

from subgraphs.recommendations.ml.data import Listing

# Columns of the table built by ``listing_table``.
NUMBER_COLUMNS = [0, 1, 2, 3]  # log price, bedrooms, bathrooms, log area
KIND_COLUMNS = [4, 5]  # type, currency
GEO_COLUMNS = [6, 7]  # latitude, longitude
CITY_COLUMNS = [8]
TEXT_COLUMN = 9

BLOCK_WEIGHTS = {"numbers": 1.0, "kind": 1.0, "geo": 1.0, "city": 1.5, "text": 1.2}
TEXT_DIMENSIONS = 32
MIN_LISTINGS_FOR_TEXT_SVD = 200
MAX_CITIES = 64


def normalise_city(city: str | None) -> str:
    """The city as a category key: trimmed, case-folded ('' when unknown)."""
    return (city or "").strip().casefold()


def _number(value: float | int | None, *, log: bool = False) -> float:
    if value is None:
        return math.nan
    number = float(value)
    if not math.isfinite(number) or number < 0:
        return math.nan
    return math.log1p(number) if log else number


def listing_table(listings: Sequence[Listing]) -> np.ndarray:
    """The object table the pipeline reads: one row per listing, columns as above."""
    table = np.empty((len(listings), 10), dtype=object)
    for row, listing in enumerate(listings):
        table[row, 0] = _number(listing.price, log=True)
        table[row, 1] = _number(listing.bedrooms)
        table[row, 2] = _number(listing.bathrooms)
        table[row, 3] = _number(listing.area, log=True)
        table[row, 4] = listing.type.strip().casefold()
        table[row, 5] = listing.currency.strip().upper()
        table[row, 6] = _number_or_nan(listing.latitude, -90.0, 90.0)
        table[row, 7] = _number_or_nan(listing.longitude, -180.0, 180.0)
        table[row, 8] = normalise_city(listing.city)
        # The type is part of the text so no listing has an empty document.
        table[row, 9] = f"{listing.type} {listing.text}"
    return table


def _number_or_nan(value: float | None, low: float, high: float) -> float:
    if value is None or not math.isfinite(value) or not low <= value <= high:
        return math.nan
    return float(value)


def _text_branch(n_listings: int, seed: int, *, reduce: bool) -> Pipeline:
    tfidf = TfidfVectorizer(
        sublinear_tf=True,
        stop_words="english",
        min_df=2 if n_listings >= MIN_LISTINGS_FOR_TEXT_SVD else 1,
        max_features=20_000,
        dtype=np.float32,
    )
    if not reduce:
        return make_pipeline(tfidf)
    return make_pipeline(tfidf, TruncatedSVD(n_components=TEXT_DIMENSIONS, random_state=seed))


def build_pipeline(
    n_listings: int, *, seed: int = 0, reduce_text: bool = True
) -> ColumnTransformer:
    """The unfitted ColumnTransformer (dense output; blocks weighted by BLOCK_WEIGHTS).

    The text block is reduced with TruncatedSVD when ``reduce_text`` and there are at least
    MIN_LISTINGS_FOR_TEXT_SVD listings; below that TF-IDF is small enough to keep whole.
    """
    numbers = make_pipeline(
        SimpleImputer(strategy="median", keep_empty_features=True), StandardScaler()
    )
    geo = make_pipeline(
        SimpleImputer(strategy="median", keep_empty_features=True), StandardScaler()
    )
    return ColumnTransformer(
        [
            ("numbers", numbers, NUMBER_COLUMNS),
            ("kind", OneHotEncoder(handle_unknown="ignore"), KIND_COLUMNS),
            ("geo", geo, GEO_COLUMNS),
            (
                "city",
                OneHotEncoder(handle_unknown="infrequent_if_exist", max_categories=MAX_CITIES),
                CITY_COLUMNS,
            ),
            (
                "text",
                _text_branch(
                    n_listings, seed, reduce=reduce_text and n_listings >= MIN_LISTINGS_FOR_TEXT_SVD
                ),
                TEXT_COLUMN,
            ),
        ],
        transformer_weights=BLOCK_WEIGHTS,
        sparse_threshold=0.0,
    )


def _normalise(matrix: np.ndarray) -> np.ndarray:
    dense = np.asarray(matrix, dtype=np.float32)
    norms = np.linalg.norm(dense, axis=1, keepdims=True)
    norms[norms == 0] = 1.0
    return dense / norms


class ContentFeatures:
    """The fitted pipeline: ``fit_transform`` once at training, ``transform`` for new listings."""

    def __init__(self, pipeline: ColumnTransformer) -> None:
        self.pipeline = pipeline

    @classmethod
    def fit(
        cls, listings: Sequence[Listing], *, seed: int = 0
    ) -> tuple[ContentFeatures, np.ndarray]:
        """Fit the pipeline on ``listings``; return it and their normalised vectors."""
        if not listings:
            raise ValueError("cannot fit content features on no listings")
        table = listing_table(listings)
        pipeline = build_pipeline(len(listings), seed=seed)
        try:
            vectors = pipeline.fit_transform(table)
        except ValueError:
            # A vocabulary smaller than TEXT_DIMENSIONS (very uniform texts): keep TF-IDF whole.
            pipeline = build_pipeline(len(listings), seed=seed, reduce_text=False)
            vectors = pipeline.fit_transform(table)
        return cls(pipeline), _normalise(vectors)

    @property
    def dimensions(self) -> int:
        """Length of one vector."""
        return int(
            sum(
                self.pipeline.output_indices_[name].stop - self.pipeline.output_indices_[name].start
                for name in BLOCK_WEIGHTS
            )
        )

    def transform(self, listings: Sequence[Listing]) -> np.ndarray:
        """Normalised vectors of (new or changed) listings, with the fitted pipeline."""
        if not listings:
            return np.zeros((0, self.dimensions), dtype=np.float32)
        return _normalise(self.pipeline.transform(listing_table(listings)))


def city_groups(features: ContentFeatures, vectors: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Per row: its city one-hot column (-1 for none) and the norm of the vector without the
    city block (what ``neighbours.nearest`` needs to compute exact lists within cities)."""
    block = features.pipeline.output_indices_["city"]
    city = vectors[:, block]
    groups = np.where(city.max(axis=1, initial=0.0) > 0, np.argmax(city, axis=1), -1)
    rest = np.sqrt(np.clip(1.0 - np.einsum("ij,ij->i", city, city), 0.0, None))
    return groups.astype(np.int64), rest.astype(np.float32)
