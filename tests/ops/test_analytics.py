"""Product analytics: key events reach GA4's Measurement Protocol (a local server speaking it),
batched off the request path, with pseudonymous client ids."""

from __future__ import annotations

import json
import uuid
from typing import Any

from common.analytics import (
    ANONYMOUS_CLIENT_ID,
    GoogleAnalytics,
    NoAnalytics,
    build_analytics,
    client_id_of,
)
from common.auth.viewer import ANONYMOUS, Role, Viewer
from common.config import Settings
from tests.ops.receivers import Received, recording_server

BUYER = Viewer(user_id=uuid.uuid4(), role=Role.BUYER)


def collected(requests: list[Received]) -> list[dict[str, Any]]:
    return [json.loads(r.body) for r in requests if r.path == "/mp/collect"]


def event_count(requests: list[Received]) -> int:
    return sum(len(body["events"]) for body in collected(requests))


def test_without_a_measurement_id_nothing_is_sent() -> None:
    assert isinstance(build_analytics(Settings(ga_measurement_id=None)), NoAnalytics)
    assert isinstance(build_analytics(Settings(ga_measurement_id="G-1")), NoAnalytics)  # no secret
    chosen = build_analytics(Settings(ga_measurement_id="G-1", ga_api_secret="s"))
    assert isinstance(chosen, GoogleAnalytics)
    assert chosen.endpoint == "https://www.google-analytics.com/mp/collect"


def test_client_ids_are_stable_pseudonyms_of_the_viewer() -> None:
    assert client_id_of(BUYER) == client_id_of(Viewer(user_id=BUYER.user_id, role=Role.ADMIN))
    assert str(BUYER.user_id) not in client_id_of(BUYER)
    assert client_id_of(ANONYMOUS) == ANONYMOUS_CLIENT_ID


async def test_events_are_batched_per_client_at_most_25_a_request() -> None:
    async with recording_server() as (url, ga):
        analytics = GoogleAnalytics("G-TEST123", "secret-1", f"{url}/mp/collect", flush_interval=5)
        for page in range(30):
            analytics.track(BUYER, "search", {"search_term": f"loft {page}"})
        analytics.track(ANONYMOUS, "view_item", {"item_id": "p-1"})
        # A full batch goes at once, without waiting for the flush interval.
        await ga.wait_for(lambda r: r.path == "/mp/collect", count=1, timeout=4)
        await analytics.aclose()  # sends what is still queued
        requests = ga.requests

    assert {(r.query["measurement_id"], r.query["api_secret"]) for r in requests} == {
        ("G-TEST123", "secret-1")
    }
    bodies = collected(requests)
    assert all(len(body["events"]) <= 25 for body in bodies)
    assert event_count(requests) == 31
    buyer = [e for b in bodies if b["client_id"] == client_id_of(BUYER) for e in b["events"]]
    assert [e["params"]["search_term"] for e in buyer] == [f"loft {p}" for p in range(30)]
    anonymous = [b for b in bodies if b["client_id"] == ANONYMOUS_CLIENT_ID]
    assert anonymous[0]["events"] == [{"name": "view_item", "params": {"item_id": "p-1"}}]


async def test_a_failing_collector_never_fails_the_caller() -> None:
    analytics = GoogleAnalytics("G-1", "s", "http://127.0.0.1:9/mp/collect", flush_interval=0.01)
    analytics.track(BUYER, "search", {"search_term": "x"})
    await analytics.aclose()  # the POST fails; it is logged, not raised
