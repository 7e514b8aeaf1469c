"""Geocoding port: an address (and postal code) → latitude/longitude.

Used when a listing is created without coordinates. Two adapters:

* ``GazetteerGeocoder`` (the default, offline): the postal code when the shipped gazetteer
  knows it, else a city named in the address (``"…, Austin, TX"``: the comma-separated parts
  are tried from the end, a state or country code among them picks between same-named cities,
  else the most populous wins). Data: ``common/geocoding_data`` (``tools/gazetteer.py``).
* ``GoogleGeocoder`` when ``REALIO_GOOGLE_MAPS_API_KEY`` is set: Google's Geocoding API
  (``GET {REALIO_GOOGLE_MAPS_GEOCODE_URL}?address=…&key=…``). When Google fails (quota, key
  refused, network) the gazetteer answers instead, and the failure is logged.

``map_url`` is the link a client shows for a listing: Google Maps directions to it.
"""

from __future__ import annotations

import csv
import logging
import unicodedata
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Protocol
from urllib.parse import urlencode

import httpx

from common.config import Settings

log = logging.getLogger("realio.geocoding")
DATA_DIR = Path(__file__).with_name("geocoding_data")


@dataclass(frozen=True)
class Location:
    latitude: float
    longitude: float
    source: str  # "postcode", "city" or "google"


class Geocoder(Protocol):
    async def locate(self, address: str, postal_code: str | None = None) -> Location | None:
        """Where ``address`` is, or None when it cannot be found."""
        ...

    async def aclose(self) -> None: ...


class GeocodingFailed(RuntimeError):
    """The geocoding provider did not answer usefully (not: the address is unknown)."""


def _key(text: str) -> str:
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return " ".join(ascii_text.lower().replace(".", " ").split())


@dataclass(frozen=True)
class _City:
    country: str
    admin1: str
    latitude: float
    longitude: float
    population: int


@cache
def _cities() -> dict[str, list[_City]]:
    found: dict[str, list[_City]] = {}
    with (DATA_DIR / "cities.csv").open(newline="") as f:
        for row in csv.DictReader(f):
            city = _City(
                row["country"],
                row["admin1"],
                float(row["latitude"]),
                float(row["longitude"]),
                int(row["population"]),
            )
            found.setdefault(_key(row["name"]), []).append(city)
    return found


@cache
def _postcodes() -> dict[str, tuple[float, float]]:
    with (DATA_DIR / "postcodes.csv").open(newline="") as f:
        return {
            row["postcode"].upper(): (float(row["latitude"]), float(row["longitude"]))
            for row in csv.DictReader(f)
        }


class GazetteerGeocoder:
    """Offline: the shipped postal codes and cities."""

    async def locate(self, address: str, postal_code: str | None = None) -> Location | None:
        if postal_code:
            point = _postcodes().get(postal_code.strip().upper())
            if point is not None:
                return Location(point[0], point[1], "postcode")
        parts = [_key(p) for p in address.split(",") if p.strip()]
        codes = {p.upper() for p in parts if len(p) in (2, 3) and p.isalpha()}
        cities = _cities()
        for part in reversed(parts):
            candidates = cities.get(part)
            if not candidates:
                continue
            preferred = [c for c in candidates if c.admin1 in codes or c.country in codes]
            best = max(preferred or candidates, key=lambda c: c.population)
            return Location(best.latitude, best.longitude, "city")
        return None

    async def aclose(self) -> None:
        return None


class GoogleGeocoder:
    """Google's Geocoding API; the gazetteer answers when Google cannot."""

    def __init__(
        self,
        api_key: str,
        url: str,
        *,
        fallback: Geocoder | None = None,
        http: httpx.AsyncClient | None = None,
    ) -> None:
        self._key = api_key
        self._url = url
        self._fallback = fallback or GazetteerGeocoder()
        self._http = http or httpx.AsyncClient(timeout=5)
        self._owns_http = http is None

    async def lookup(self, address: str, postal_code: str | None = None) -> Location | None:
        """Google's answer alone: None for ZERO_RESULTS, GeocodingFailed for any failure."""
        query = address if not postal_code else f"{address}, {postal_code}"
        try:
            response = await self._http.get(self._url, params={"address": query, "key": self._key})
            response.raise_for_status()
            body = response.json()
        except (httpx.HTTPError, ValueError) as exc:
            raise GeocodingFailed(f"Google geocoding did not answer: {exc}") from exc
        status = body.get("status")
        if status == "ZERO_RESULTS":
            return None
        if status != "OK" or not body.get("results"):
            raise GeocodingFailed(
                f"Google geocoding answered {status}: {body.get('error_message')}"
            )
        point = body["results"][0]["geometry"]["location"]
        return Location(float(point["lat"]), float(point["lng"]), "google")

    async def locate(self, address: str, postal_code: str | None = None) -> Location | None:
        try:
            return await self.lookup(address, postal_code)
        except GeocodingFailed as exc:
            log.warning("geocoding falls back to the gazetteer: %s", exc)
            return await self._fallback.locate(address, postal_code)

    async def aclose(self) -> None:
        if self._owns_http:
            await self._http.aclose()


def build_geocoder(settings: Settings) -> Geocoder:
    """Google when ``REALIO_GOOGLE_MAPS_API_KEY`` is set, else the offline gazetteer."""
    if settings.google_maps_api_key:
        return GoogleGeocoder(settings.google_maps_api_key, settings.google_maps_geocode_url)
    return GazetteerGeocoder()


def map_url(latitude: float, longitude: float) -> str:
    """A Google Maps link with directions to the point (works without an API key)."""
    query = urlencode({"api": "1", "destination": f"{latitude:.6f},{longitude:.6f}"})
    return f"https://www.google.com/maps/dir/?{query}"
