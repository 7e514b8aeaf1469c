"""The time zone of a listing, derived from its coordinates (decision 0011).

Listings carry no time zone, so bookings' projection derives one from the latitude and
longitude in the property events, with timezonefinder's offline boundary data. A listing
without usable coordinates gets ``REALIO_BOOKINGS_DEFAULT_TIME_ZONE``; an owner may always
set the zone explicitly in the viewing settings.
"""

from __future__ import annotations

import math
from typing import Any

from timezonefinder import TimezoneFinder


class TimeZoneResolver:
    """Coordinates → IANA time zone name; built once per process (it loads its data)."""

    def __init__(self, default: str) -> None:
        self.default = default
        self._finder = TimezoneFinder()

    def of_coordinates(self, latitude: Any, longitude: Any) -> str:
        try:
            lat, lng = float(latitude), float(longitude)
        except (TypeError, ValueError):
            return self.default
        if not (math.isfinite(lat) and math.isfinite(lng)):
            return self.default
        if not (-90 <= lat <= 90 and -180 <= lng <= 180):
            return self.default
        found = self._finder.timezone_at(lat=lat, lng=lng)
        return found or self.default
