"""Geocoding: the offline gazetteer, and Google's Geocoding API (a local server speaking it)
with the gazetteer answering when Google cannot."""

from __future__ import annotations

from typing import Any

import pytest
from starlette.responses import JSONResponse, Response

from common.config import Settings
from common.geocoding import (
    GazetteerGeocoder,
    GeocodingFailed,
    GoogleGeocoder,
    build_geocoder,
    map_url,
)
from tests.ops.receivers import Received, recording_server

AUSTIN = (30.2672, -97.7431)


async def test_a_known_postcode_is_located_at_its_place() -> None:
    found = await GazetteerGeocoder().locate("1503 Barton Hills Dr", "78704")
    assert found is not None and found.source == "postcode"
    assert (round(found.latitude, 2), round(found.longitude, 2)) == (30.27, -97.74)


async def test_a_city_named_in_the_address_is_located_and_the_state_picks_between_namesakes() -> (
    None
):
    texas = await GazetteerGeocoder().locate("12 Main St, Austin, TX", "00000")
    minnesota = await GazetteerGeocoder().locate("12 Main St, Austin, MN")
    assert texas is not None and texas.source == "city"
    assert abs(texas.latitude - AUSTIN[0]) < 0.2 and abs(texas.longitude - AUSTIN[1]) < 0.2
    assert minnesota is not None and 43 < minnesota.latitude < 44.5  # Austin, Minnesota
    paris = await GazetteerGeocoder().locate("8 Rue de Rivoli, Paris")
    assert paris is not None and abs(paris.latitude - 48.85) < 0.1


async def test_an_address_naming_no_known_place_is_not_located() -> None:
    assert await GazetteerGeocoder().locate("42 Nowhere Lane, Qqqxville") is None


def test_the_google_adapter_is_chosen_by_the_api_key() -> None:
    assert isinstance(build_geocoder(Settings(google_maps_api_key=None)), GazetteerGeocoder)
    assert isinstance(build_geocoder(Settings(google_maps_api_key="k")), GoogleGeocoder)


def google_answer(status: str, results: list[dict[str, Any]] | None = None) -> Any:
    def respond(request: Received) -> Response:
        return JSONResponse({"status": status, "results": results or []})

    return respond


async def test_google_is_asked_with_the_address_and_key_and_its_location_is_used() -> None:
    result = {"geometry": {"location": {"lat": 40.7128, "lng": -74.006}}}
    async with recording_server(google_answer("OK", [result])) as (url, google):
        geocoder = GoogleGeocoder("test-key", f"{url}/maps/api/geocode/json")
        found = await geocoder.locate("350 5th Ave, New York, NY", "10118")
        await geocoder.aclose()
    assert found is not None and (found.latitude, found.longitude, found.source) == (
        40.7128,
        -74.006,
        "google",
    )
    [asked] = google.requests
    assert asked.path == "/maps/api/geocode/json"
    assert asked.query == {"address": "350 5th Ave, New York, NY, 10118", "key": "test-key"}


async def test_google_finding_nothing_means_not_located() -> None:
    async with recording_server(google_answer("ZERO_RESULTS")) as (url, _):
        geocoder = GoogleGeocoder("k", f"{url}/geocode/json")
        assert await geocoder.locate("12 Main St, Austin, TX") is None
        await geocoder.aclose()


async def test_when_google_refuses_the_gazetteer_answers() -> None:
    async with recording_server(google_answer("REQUEST_DENIED")) as (url, google):
        geocoder = GoogleGeocoder("bad-key", f"{url}/geocode/json")
        with pytest.raises(GeocodingFailed, match="REQUEST_DENIED"):
            await geocoder.lookup("12 Main St, Austin, TX")
        found = await geocoder.locate("12 Main St, Austin, TX")
        await geocoder.aclose()
    assert found is not None and found.source == "city"
    assert len(google.requests) == 2


def test_the_map_url_gives_directions_to_the_point() -> None:
    assert map_url(30.2569, -97.7791) == (
        "https://www.google.com/maps/dir/?api=1&destination=30.256900%2C-97.779100"
    )
