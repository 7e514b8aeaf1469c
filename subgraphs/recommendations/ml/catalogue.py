"""The in-memory catalogue: one row per listing, columns as numpy arrays.

Everything a request needs is precomputed here, so scoring is a few matrix–vector products
and an ``argpartition`` over the rows: normalised content vectors, collaborative item
factors, popularity, and the codes the filters and the cold-start segments compare (owner,
city, type, currency, price, bedrooms, recommendable). Rows grow by doubling, so adding a
listing is amortised O(1).
"""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np

from subgraphs.recommendations.ml.data import Listing
from subgraphs.recommendations.ml.features import normalise_city
from subgraphs.recommendations.ml.neighbours import NEIGHBOURS

INITIAL_CAPACITY = 64


class Codes:
    """A growing str → int code table (owners, cities, types, currencies)."""

    def __init__(self, names: Iterable[str] = ()) -> None:
        self.names: list[str] = []
        self._codes: dict[str, int] = {}
        for name in names:
            self.code(name)

    def code(self, name: str) -> int:
        """The code of ``name``, adding it when new."""
        found = self._codes.get(name)
        if found is None:
            found = self._codes[name] = len(self.names)
            self.names.append(name)
        return found

    def get(self, name: str) -> int:
        """The code of ``name`` or -1 when unknown (matches no row)."""
        return self._codes.get(name, -1)


class Catalogue:
    """Listings as rows; see the module docstring."""

    COLUMNS: dict[str, type[np.generic]] = {
        "owner": np.int32,
        "city": np.int32,
        "type": np.int32,
        "currency": np.int32,
        "price": np.float64,
        "bedrooms": np.int16,
        "active": np.bool_,
        "popularity": np.float32,
        "created": np.float64,
    }

    def __init__(self, dimensions: int, factor_dimensions: int) -> None:
        self.ids: list[str] = []
        self.rows: dict[str, int] = {}
        self.owners = Codes()
        self.cities = Codes()  # normalised city keys
        self.city_names: list[str] = []  # display name of each city code
        self.types = Codes()
        self.currencies = Codes()
        self._vectors = np.zeros((INITIAL_CAPACITY, dimensions), dtype=np.float32)
        self._factors = np.zeros((INITIAL_CAPACITY, factor_dimensions), dtype=np.float32)
        self._columns: dict[str, np.ndarray] = {
            name: np.zeros(INITIAL_CAPACITY, dtype=dtype) for name, dtype in self.COLUMNS.items()
        }
        # Each row's nearest neighbours by content, best first (``neighbours``); -1 / -inf pad.
        self._neighbours = np.full((INITIAL_CAPACITY, NEIGHBOURS), -1, dtype=np.int32)
        self._neighbour_scores = np.full((INITIAL_CAPACITY, NEIGHBOURS), -np.inf, np.float32)
        self.has_neighbours = False  # False until computed (fit) or restored (artefact)

    def __len__(self) -> int:
        return len(self.ids)

    # Views of the filled rows (no copies).
    @property
    def vectors(self) -> np.ndarray:
        return self._vectors[: len(self.ids)]

    @property
    def factors(self) -> np.ndarray:
        return self._factors[: len(self.ids)]

    @property
    def neighbours(self) -> np.ndarray:
        return self._neighbours[: len(self.ids)]

    @property
    def neighbour_scores(self) -> np.ndarray:
        return self._neighbour_scores[: len(self.ids)]

    def set_neighbours(self, rows: np.ndarray, scores: np.ndarray) -> None:
        """The neighbour lists of every filled row (``neighbours.nearest``)."""
        self._neighbours[: len(self.ids)] = rows
        self._neighbour_scores[: len(self.ids)] = scores
        self.has_neighbours = True

    def column(self, name: str) -> np.ndarray:
        """The filled part of one metadata column."""
        return self._columns[name][: len(self.ids)]

    def _reserve(self, rows: int) -> None:
        capacity = self._vectors.shape[0]
        if rows <= capacity:
            return
        while capacity < rows:
            capacity *= 2
        self._vectors = _resized(self._vectors, capacity)
        self._factors = _resized(self._factors, capacity)
        self._columns = {name: _resized(array, capacity) for name, array in self._columns.items()}
        self._neighbours = _resized(self._neighbours, capacity, fill=-1)
        self._neighbour_scores = _resized(self._neighbour_scores, capacity, fill=-np.inf)

    def city_code(self, city: str | None) -> int:
        """The code of a city (as shown or typed), -1 when no listing is there."""
        return self.cities.get(normalise_city(city))

    def upsert(self, listing: Listing, vector: np.ndarray) -> int:
        """Insert or replace ``listing`` with its content vector; keep factors and popularity."""
        row = self.rows.get(listing.id)
        if row is None:
            row = len(self.ids)
            self._reserve(row + 1)
            self.ids.append(listing.id)
            self.rows[listing.id] = row
            self._factors[row] = 0.0
            self._columns["popularity"][row] = 0.0
            self._neighbours[row] = -1
            self._neighbour_scores[row] = -np.inf
        self._vectors[row] = vector
        city_key = normalise_city(listing.city)
        city = self.cities.code(city_key)
        if city == len(self.city_names):
            self.city_names.append((listing.city or "").strip())
        values = self._columns
        values["owner"][row] = self.owners.code(listing.owner_id)
        values["city"][row] = city
        values["type"][row] = self.types.code(listing.type.strip().casefold())
        values["currency"][row] = self.currencies.code(listing.currency.strip().upper())
        values["price"][row] = float(listing.price)
        values["bedrooms"][row] = -1 if listing.bedrooms is None else listing.bedrooms
        values["active"][row] = listing.recommendable
        values["created"][row] = listing.created_at.timestamp()
        return row

    def hide(self, property_id: str) -> None:
        """Never recommend ``property_id`` again (it stays usable as an anchor)."""
        row = self.rows.get(property_id)
        if row is not None:
            self._columns["active"][row] = False

    def set_factors(self, rows: np.ndarray, factors: np.ndarray) -> None:
        """Collaborative item factors of the given rows (the others stay zero)."""
        if factors.shape[1] != self._factors.shape[1]:
            self._factors = np.zeros((self._factors.shape[0], factors.shape[1]), np.float32)
        self._factors[rows] = factors

    def set_popularity(self, popularity: np.ndarray) -> None:
        """Decayed interaction weight of each filled row."""
        self._columns["popularity"][: len(self.ids)] = popularity

    # Serialisation helpers (the artefact stores these arrays and code tables).
    def arrays(self) -> dict[str, np.ndarray]:
        """The filled arrays by name."""
        arrays = {name: self.column(name) for name in self.COLUMNS}
        arrays["vectors"] = self.vectors
        arrays["factors"] = self.factors
        if self.has_neighbours:
            arrays["neighbours"] = self.neighbours
            arrays["neighbour_scores"] = self.neighbour_scores
        return arrays

    def tables(self) -> dict[str, list[str]]:
        """The ids and code tables."""
        return {
            "ids": self.ids,
            "owners": self.owners.names,
            "cities": self.cities.names,
            "city_names": self.city_names,
            "types": self.types.names,
            "currencies": self.currencies.names,
        }

    @classmethod
    def restore(cls, arrays: dict[str, np.ndarray], tables: dict[str, list[str]]) -> Catalogue:
        """The inverse of ``arrays``/``tables``."""
        vectors, factors = arrays["vectors"], arrays["factors"]
        catalogue = cls(vectors.shape[1], factors.shape[1])
        count = len(tables["ids"])
        if vectors.shape[0] != count or factors.shape[0] != count:
            raise ValueError("artefact arrays do not match its ids")
        catalogue._reserve(max(count, 1))
        catalogue.ids = list(tables["ids"])
        catalogue.rows = {pid: row for row, pid in enumerate(catalogue.ids)}
        catalogue.owners = Codes(tables["owners"])
        catalogue.cities = Codes(tables["cities"])
        catalogue.city_names = list(tables["city_names"])
        catalogue.types = Codes(tables["types"])
        catalogue.currencies = Codes(tables["currencies"])
        catalogue._vectors[:count] = vectors
        catalogue._factors[:count] = factors
        for name, dtype in cls.COLUMNS.items():
            column: np.ndarray = np.asarray(arrays[name], dtype=dtype)
            if column.shape != (count,):
                raise ValueError(f"artefact column {name} does not match its ids")
            catalogue._columns[name][:count] = column
        if "neighbours" in arrays and "neighbour_scores" in arrays:
            neighbours = np.asarray(arrays["neighbours"], dtype=np.int32)
            scores = np.asarray(arrays["neighbour_scores"], dtype=np.float32)
            if neighbours.shape != (count, NEIGHBOURS) or scores.shape != neighbours.shape:
                raise ValueError("artefact neighbour lists do not match its ids")
            if count and (neighbours.max() >= count or neighbours.min() < -1):
                raise ValueError("artefact neighbour lists name rows it does not have")
            catalogue.set_neighbours(neighbours, scores)
        return catalogue


def _resized(array: np.ndarray, capacity: int, fill: float = 0) -> np.ndarray:
    grown = np.full((capacity, *array.shape[1:]), fill, dtype=array.dtype)
    grown[: array.shape[0]] = array
    return grown
