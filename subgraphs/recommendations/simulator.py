"""A seeded simulator of home seekers with hidden preferences (the demo data and the test bed).

Why: offline evaluation needs interaction logs where the right answer is known. Here every
user has a hidden taste, drawn from an *archetype* listing (a home they would love):

- **area**: the archetype's city (and, for 30% of users, a second area they also consider);
- **price band**: around the archetype's price (log-normal spread), steeply worse above it;
- **type**: the archetype's type; **bedrooms**: the archetype's count.

The utility of a listing for a user is

    u = 2.0·[primary area] + 1.0·[second area] + 1.2·[preferred type]
        − 1.5·|log(price / target price)| − 0.4·|bedrooms − target bedrooms|
        + quality (a hidden per-listing appeal, N(0, 0.4)) + noise (N(0, 0.5))

Users come back for sessions at random times over ``days`` days. In a session they are shown
``EXPOSURES`` listings that exist at that time: 60% from their primary area (as a search would
show), 40% from anywhere. Each shown listing is viewed with probability σ(u − 1.5); a viewed
one is then clicked with σ(u − 2), saved (favourite) with σ(u − 2.8), asked about (message)
with σ(u − 3.4) and booked with σ(u − 3.8); a shown listing with u < −1 is marked "not
interested" with probability 0.05. 70% of users keep a saved search (their area, up to 1.3×
their target price, their type half of the time), made at their first session.

Everything is drawn from one ``numpy.random.Generator`` seeded by ``seed``: the same arguments
give the same world. ``simulate`` builds listings too (Lagos and Abuja neighbourhoods, prices
in NGN); ``simulate_log`` runs users over listings you already have (the demo seed's).
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import numpy as np

from subgraphs.recommendations.ml.data import Interaction, Listing, SearchSignal

EXPOSURES = 12
AREA_SHARE = 0.6
SAVED_SEARCH_SHARE = 0.7
DEFAULT_NOW = datetime(2026, 12, 1, tzinfo=UTC)

# name: (latitude, longitude, price of a 3-bedroom home in NGN, how many listings it gets)
AREAS: dict[str, tuple[float, float, float, float]] = {
    "Lekki": (6.4474, 3.4723, 90e6, 5.0),
    "Ikoyi": (6.4541, 3.4347, 250e6, 2.5),
    "Victoria Island": (6.4281, 3.4219, 200e6, 2.0),
    "Ajah": (6.4698, 3.5852, 45e6, 3.0),
    "Yaba": (6.5095, 3.3711, 40e6, 2.0),
    "Surulere": (6.4969, 3.3548, 35e6, 2.0),
    "Ikeja": (6.6018, 3.3515, 55e6, 3.0),
    "Maitama": (9.0833, 7.4833, 220e6, 1.5),
    "Wuse": (9.0765, 7.4893, 120e6, 1.5),
    "Gwarinpa": (9.1099, 7.4083, 60e6, 2.0),
}
TYPES = {"apartment": 0.4, "house": 0.25, "townhouse": 0.15, "condo": 0.1, "multi_family": 0.1}
TYPE_PRICE = {"apartment": 0.8, "house": 1.3, "townhouse": 1.0, "condo": 0.9, "multi_family": 1.6}
FEATURES_BY_TIER = (
    "prepaid meter borehole tiled floors spacious parking gated estate".split(),
    "fitted kitchen balcony ensuite wardrobes parking security estate".split(),
    "swimming pool smart home cinema serviced lift generator ocean view".split(),
)
KINDS_FUNNEL = (("click", 2.0), ("favorite", 2.8), ("message", 3.4), ("booking", 3.8))


@dataclass(frozen=True, slots=True)
class Preference:
    """One user's hidden taste (what the evaluation knows and the models must discover)."""

    user_id: str
    area: str
    second_area: str | None
    target_price: float
    type: str
    bedrooms: int


@dataclass(frozen=True, slots=True)
class SimulatedLog:
    """A time-ordered interaction log, the users' saved searches and their hidden tastes."""

    interactions: list[Interaction]
    searches: list[SearchSignal]
    preferences: list[Preference]


@dataclass(frozen=True, slots=True)
class World:
    """Listings plus a simulated log over them."""

    listings: list[Listing]
    interactions: list[Interaction]
    searches: list[SearchSignal]
    preferences: list[Preference]


def _uuid(rng: np.random.Generator) -> str:
    return str(uuid.UUID(bytes=rng.bytes(16), version=4))


def simulate_listings(
    count: int, *, seed: int = 0, now: datetime = DEFAULT_NOW, days: int = 180
) -> list[Listing]:
    """``count`` listings over AREAS: prices by area, type and bedrooms; text by price tier;
    8% sold or off market; created uniformly over the ``days`` before ``now`` (a fifth of
    them before the window, so there is stock from the start)."""
    rng = np.random.default_rng(seed)
    names = list(AREAS)
    area_weights = np.array([AREAS[n][3] for n in names])
    areas = rng.choice(len(names), size=count, p=area_weights / area_weights.sum())
    type_names = list(TYPES)
    type_weights = np.array(list(TYPES.values()))
    types = rng.choice(len(type_names), size=count, p=type_weights / type_weights.sum())
    bedrooms = np.clip(rng.poisson(2.2, size=count) + 1, 1, 7)
    owners = [_uuid(rng) for _ in range(max(1, count // 20))]
    owner_of = rng.integers(0, len(owners), size=count)
    appeal = rng.lognormal(0.0, 0.25, size=count)
    ages = np.where(
        rng.random(count) < 0.2, days + rng.random(count) * 60, rng.random(count) * days
    )
    status = rng.choice(
        ["available", "pending", "sold", "off_market"], size=count, p=[0.86, 0.06, 0.05, 0.03]
    )
    jitter = rng.normal(0.0, 0.01, size=(count, 2))
    listings = []
    for i in range(count):
        name = names[int(areas[i])]
        lat, lon, base, _ = AREAS[name]
        type_name = type_names[int(types[i])]
        beds = int(bedrooms[i])
        price = base * TYPE_PRICE[type_name] * (0.45 + 0.18 * beds) * float(appeal[i])
        tier = 0 if base < 50e6 else (1 if base < 150e6 else 2)
        words = rng.choice(FEATURES_BY_TIER[tier], size=3, replace=False)
        title = f"{beds}-bedroom {type_name.replace('_', ' ')} in {name}"
        listings.append(
            Listing(
                id=_uuid(rng),
                owner_id=owners[int(owner_of[i])],
                type=type_name,
                price=round(price, -4),
                currency="NGN",
                bedrooms=beds,
                bathrooms=max(1, beds - int(rng.integers(0, 2))),
                area=round(float(35 + 28 * beds * rng.lognormal(0, 0.15)), 1),
                city=name,
                latitude=lat + float(jitter[i, 0]),
                longitude=lon + float(jitter[i, 1]),
                text=f"{title}. {' '.join(words)}.",
                status=str(status[i]),
                created_at=now - timedelta(days=float(ages[i])),
            )
        )
    return listings


def _sigmoid(x: np.ndarray) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-x))


def simulate_log(
    listings: Sequence[Listing],
    user_ids: Sequence[str],
    *,
    seed: int = 0,
    now: datetime = DEFAULT_NOW,
    days: int = 180,
    sessions: float = 8.0,
) -> SimulatedLog:
    """Users (``user_ids``) with hidden tastes drawn from ``listings`` act over the ``days``
    before ``now``; ``sessions``: mean sessions per user (about 3 interactions each)."""
    rng = np.random.default_rng(seed + 7919)
    n = len(listings)
    if n == 0 or not user_ids:
        return SimulatedLog([], [], [])
    city_names = sorted({x.city or "" for x in listings})
    city_code = {name: code for code, name in enumerate(city_names)}
    type_names = sorted({x.type for x in listings})
    type_code = {name: code for code, name in enumerate(type_names)}
    city = np.array([city_code[x.city or ""] for x in listings])
    kind = np.array([type_code[x.type] for x in listings])
    price = np.array([max(x.price, 1.0) for x in listings])
    beds = np.array([x.bedrooms or 0 for x in listings])
    created = np.array([x.created_at.timestamp() for x in listings])
    quality = rng.normal(0.0, 0.4, size=n)
    order = np.argsort(created, kind="stable")  # listings by creation time
    created_sorted = created[order]
    by_city = [order[city[order] == c] for c in range(len(city_names))]
    by_city_created = [created[rows] for rows in by_city]
    recommendable = np.array([x.recommendable for x in listings])
    start, end = now.timestamp() - days * 86_400.0, now.timestamp()

    interactions: list[Interaction] = []
    searches: list[SearchSignal] = []
    preferences: list[Preference] = []
    archetypes = rng.choice(
        np.flatnonzero(recommendable) if recommendable.any() else n, size=len(user_ids)
    )
    for user_id, archetype in zip(user_ids, archetypes.tolist(), strict=True):
        area = int(city[archetype])
        second = int(rng.integers(len(city_names))) if rng.random() < 0.3 else -1
        second = -1 if second == area else second
        target = float(price[archetype] * rng.lognormal(0.0, 0.15))
        liked_type = int(kind[archetype])
        liked_beds = int(beds[archetype])
        preferences.append(
            Preference(
                user_id,
                city_names[area],
                city_names[second] if second >= 0 else None,
                target,
                type_names[liked_type],
                liked_beds,
            )
        )
        count = max(1, int(rng.poisson(sessions)))
        times = np.sort(rng.uniform(start, end, size=count))
        if rng.random() < SAVED_SEARCH_SHARE:
            searches.append(
                SearchSignal(
                    user_id=user_id,
                    city=city_names[area] or None,
                    min_price=None,
                    max_price=float(round(target * 1.3, -6)),
                    type=type_names[liked_type] if rng.random() < 0.5 else None,
                    at=datetime.fromtimestamp(float(times[0]), UTC),
                    currency=listings[archetype].currency,
                )
            )
        shown = _exposures(rng, times, area, by_city, by_city_created, order, created_sorted)
        utility = (
            2.0 * (city[shown] == area)
            + 1.0 * (city[shown] == second)
            + 1.2 * (kind[shown] == liked_type)
            - 1.5 * np.abs(np.log(price[shown] / target))
            - 0.4 * np.abs(beds[shown] - liked_beds)
            + quality[shown]
            + rng.normal(0.0, 0.5, size=shown.shape)
        )
        valid = shown >= 0
        viewed = valid & (rng.random(shown.shape) < _sigmoid(utility - 1.5))
        session_times = np.repeat(times[:, None], shown.shape[1], axis=1)
        offsets = np.arange(shown.shape[1])[None, :] * 30.0
        events: list[tuple[float, int, str]] = []
        for s, e in zip(*np.nonzero(viewed), strict=True):
            at = float(session_times[s, e] + offsets[0, e])
            row = int(shown[s, e])
            events.append((at, row, "view"))
            for step, (name, threshold) in enumerate(KINDS_FUNNEL, start=1):
                if rng.random() >= _sigmoid(utility[s, e] - threshold):
                    break
                events.append((at + step * 5.0, row, name))
        rejected = valid & ~viewed & (utility < -1.0) & (rng.random(shown.shape) < 0.05)
        for s, e in zip(*np.nonzero(rejected), strict=True):
            events.append(
                (float(session_times[s, e] + offsets[0, e]), int(shown[s, e]), "not_interested")
            )
        for at, row, name in events:
            if at <= end:
                interactions.append(
                    Interaction(user_id, listings[row].id, name, datetime.fromtimestamp(at, UTC))
                )
    interactions.sort(key=lambda i: (i.at, i.user_id, i.property_id, i.kind))
    searches.sort(key=lambda s: s.at)
    return SimulatedLog(interactions, searches, preferences)


def _exposures(
    rng: np.random.Generator,
    times: np.ndarray,
    area: int,
    by_city: list[np.ndarray],
    by_city_created: list[np.ndarray],
    order: np.ndarray,
    created_sorted: np.ndarray,
) -> np.ndarray:
    """Listing rows shown in each session (sessions × EXPOSURES; -1 where none existed)."""
    local_count = int(round(EXPOSURES * AREA_SHARE))
    shown = np.full((times.shape[0], EXPOSURES), -1, dtype=np.int64)
    local_rows, local_created = by_city[area], by_city_created[area]
    local_available = np.searchsorted(local_created, times, side="right")
    all_available = np.searchsorted(created_sorted, times, side="right")
    for s in range(times.shape[0]):
        if local_available[s]:
            picks = rng.integers(0, local_available[s], size=local_count)
            shown[s, :local_count] = local_rows[picks]
        if all_available[s]:
            picks = rng.integers(0, all_available[s], size=EXPOSURES - local_count)
            shown[s, local_count:] = order[picks]
    return shown


def simulate(
    n_users: int = 400,
    n_listings: int = 1_500,
    *,
    seed: int = 0,
    now: datetime = DEFAULT_NOW,
    days: int = 180,
    sessions: float = 8.0,
) -> World:
    """A whole world: ``n_listings`` listings and ``n_users`` users acting over them."""
    listings = simulate_listings(n_listings, seed=seed, now=now, days=days)
    rng = np.random.default_rng(seed + 1)
    user_ids = [_uuid(rng) for _ in range(n_users)]
    log = simulate_log(listings, user_ids, seed=seed, now=now, days=days, sessions=sessions)
    return World(listings, log.interactions, log.searches, log.preferences)
