"""Reference data of the demo listings: cities, streets, zip codes, prices and wording."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class City:
    name: str
    state: str
    latitude: float
    longitude: float
    price_per_m2: int  # typical asking price in USD per square metre of floor area
    zip_codes: tuple[str, ...]
    streets: tuple[str, ...]


CITIES: tuple[City, ...] = (
    City(
        "Austin",
        "TX",
        30.2672,
        -97.7431,
        4300,
        (
            "78701",
            "78702",
            "78703",
            "78704",
            "78705",
            "78721",
            "78722",
            "78723",
            "78731",
            "78745",
            "78746",
            "78751",
            "78756",
            "78757",
        ),
        (
            "Congress Ave",
            "South Lamar Blvd",
            "Barton Springs Rd",
            "East 6th St",
            "Guadalupe St",
            "Cesar Chavez St",
            "Manor Rd",
            "Burnet Rd",
            "South 1st St",
            "Riverside Dr",
            "Enfield Rd",
            "Windsor Rd",
        ),
    ),
    City(
        "Denver",
        "CO",
        39.7392,
        -104.9903,
        4600,
        ("80202", "80203", "80204", "80205", "80206", "80209", "80210", "80211", "80218", "80220"),
        (
            "Colfax Ave",
            "Speer Blvd",
            "Larimer St",
            "Broadway",
            "Federal Blvd",
            "Tennyson St",
            "York St",
            "Downing St",
            "Alameda Ave",
            "Colorado Blvd",
            "17th Ave",
            "Marion St",
        ),
    ),
    City(
        "Seattle",
        "WA",
        47.6062,
        -122.3321,
        7800,
        ("98101", "98102", "98103", "98105", "98107", "98109", "98112", "98115", "98117", "98122"),
        (
            "Pike St",
            "Pine St",
            "Aurora Ave N",
            "Fremont Ave N",
            "Eastlake Ave E",
            "Queen Anne Ave N",
            "Rainier Ave S",
            "NW Market St",
            "15th Ave E",
            "Stone Way N",
            "Roosevelt Way NE",
            "California Ave SW",
        ),
    ),
    City(
        "Boston",
        "MA",
        42.3601,
        -71.0589,
        9500,
        ("02108", "02113", "02114", "02115", "02116", "02118", "02127", "02129", "02130", "02135"),
        (
            "Beacon St",
            "Commonwealth Ave",
            "Newbury St",
            "Boylston St",
            "Tremont St",
            "Hanover St",
            "Charles St",
            "Columbus Ave",
            "Dorchester Ave",
            "Centre St",
            "Marlborough St",
            "Massachusetts Ave",
        ),
    ),
    City(
        "Miami",
        "FL",
        25.7617,
        -80.1918,
        6200,
        ("33125", "33127", "33129", "33130", "33131", "33132", "33133", "33137", "33139", "33145"),
        (
            "Brickell Ave",
            "Biscayne Blvd",
            "Collins Ave",
            "Coral Way",
            "SW 8th St",
            "NE 2nd Ave",
            "Bird Rd",
            "South Bayshore Dr",
            "Flagler St",
            "Alton Rd",
            "Ocean Dr",
            "NW 7th Ave",
        ),
    ),
    City(
        "Chicago",
        "IL",
        41.8781,
        -87.6298,
        3600,
        ("60601", "60605", "60607", "60610", "60611", "60614", "60618", "60622", "60647", "60657"),
        (
            "Michigan Ave",
            "State St",
            "Halsted St",
            "Clark St",
            "Milwaukee Ave",
            "Damen Ave",
            "Armitage Ave",
            "Fullerton Ave",
            "Belmont Ave",
            "Division St",
            "Lincoln Ave",
            "Western Ave",
        ),
    ),
)


@dataclass(frozen=True, slots=True)
class TypeProfile:
    weight: int
    floor_area: tuple[int, int] | None  # square metres; None for land
    bedrooms: tuple[int, int]
    price_factor: float  # multiplies the city's price per square metre
    noun: str


TYPE_PROFILES: dict[str, TypeProfile] = {
    "house": TypeProfile(30, (110, 320), (2, 6), 1.0, "house"),
    "apartment": TypeProfile(20, (45, 140), (0, 3), 1.1, "apartment"),
    "condo": TypeProfile(18, (55, 160), (1, 3), 1.15, "condo"),
    "townhouse": TypeProfile(12, (100, 220), (2, 4), 0.95, "townhouse"),
    "multi_family": TypeProfile(6, (180, 450), (4, 10), 0.85, "multi-family building"),
    "land": TypeProfile(6, None, (0, 0), 0.0, "lot"),
    "commercial": TypeProfile(8, (150, 1200), (0, 0), 0.9, "commercial space"),
}

STATUS_WEIGHTS = {"available": 70, "pending": 10, "sold": 8, "rented": 5, "off_market": 7}

ADJECTIVES = (
    "Bright",
    "Renovated",
    "Charming",
    "Modern",
    "Spacious",
    "Cozy",
    "Classic",
    "Sunlit",
    "Updated",
    "Elegant",
    "Quiet",
    "Stylish",
)

FEATURES = {
    "home": (
        "Open kitchen with quartz counters and a gas range.",
        "Hardwood floors throughout.",
        "Walk to parks, cafes and transit.",
        "Private backyard with mature trees.",
        "Attached two-car garage.",
        "Rooftop deck with skyline views.",
        "In-unit washer and dryer.",
        "Roof and HVAC replaced in the last five years.",
        "Large windows and high ceilings.",
        "Primary suite with a walk-in closet.",
        "Energy-efficient windows and solar panels.",
        "Close to top-rated schools.",
    ),
    "land": (
        "Flat, cleared lot with utilities at the street.",
        "Zoned residential; plans for a single-family home available.",
        "Corner lot with mature oaks.",
        "Survey and soil report on file.",
    ),
    "commercial": (
        "Street-level frontage with heavy foot traffic.",
        "Zoned for mixed use.",
        "Loading dock and freight elevator.",
        "Open floor plate ready for build-out.",
        "On-site parking for clients.",
    ),
}

# Demo images written once to storage and shared by the demo listings' photos.
DEMO_IMAGES = {
    "exterior": 4,
    "interior": 3,
    "land": 2,
    "commercial": 2,
}
