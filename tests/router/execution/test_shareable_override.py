"""@shareable (fewest fetches wins) and @override (including from a removed subgraph)."""

from __future__ import annotations

from tests.router.execution.support import federation, reference_supergraph, subgraph_sdl
from tests.router.subgraph_kit import federated_app

LISTING = {"id": "l1", "title": "Loft", "location": {"lat": 48.8, "lng": 2.3}, "score": 0.9}


def _shareable_apps() -> dict:
    return {
        "listings": federated_app(
            subgraph_sdl("shareable", "listings"),
            root={"listing": lambda id: LISTING, "currency": "EUR"},
            entities={"Listing": lambda rep: LISTING},
        ),
        "search": federated_app(
            subgraph_sdl("shareable", "search"),
            root={
                "listing": lambda id: LISTING,
                "currency": "EUR",
                "nearby": lambda lat, lng: [LISTING],
            },
            entities={"Listing": lambda rep: LISTING},
        ),
    }


async def test_shareable_root_field_goes_to_the_subgraph_that_needs_no_jump() -> None:
    async with federation(reference_supergraph("shareable"), _shareable_apps()) as fed:
        result = await fed.query('{ listing(id: "l1") { title score } }')
        assert result == {"data": {"listing": {"title": "Loft", "score": 0.9}}}
        assert fed.counts() == {"listings": 0, "search": 1}

        result = await fed.query('{ currency listing(id: "l1") { title location { lat lng } } }')
        assert result == {
            "data": {
                "currency": "EUR",
                "listing": {"title": "Loft", "location": {"lat": 48.8, "lng": 2.3}},
            }
        }
        assert sum(fed.counts().values()) == 1

        result = await fed.query("{ nearby(lat: 1, lng: 2) { title location { lat } score } }")
        assert result == {
            "data": {"nearby": [{"title": "Loft", "location": {"lat": 48.8}, "score": 0.9}]}
        }
        assert fed.counts() == {"listings": 0, "search": 1}


USERS = {"u1": {"id": "u1", "name": "Ada", "email": "new@users", "phone": "+33 1", "plan": "pro"}}


async def test_overridden_fields_come_from_the_overriding_subgraph_only() -> None:
    apps = {
        "users": federated_app(
            subgraph_sdl("override", "users"),
            root={"user": lambda id: USERS.get(id)},
            entities={"User": lambda rep: USERS.get(rep["id"])},
        ),
        "accounts": federated_app(
            subgraph_sdl("override", "accounts"),
            entities={
                "User": lambda rep: {"id": rep["id"], "email": "stale@accounts", "plan": "pro"}
            },
        ),
    }
    async with federation(reference_supergraph("override"), apps) as fed:
        result = await fed.query('{ user(id: "u1") { name email phone } }')
        assert result == {"data": {"user": {"name": "Ada", "email": "new@users", "phone": "+33 1"}}}
        assert fed.counts() == {"users": 1, "accounts": 0}

        result = await fed.query('{ user(id: "u1") { email plan } }')
        assert result == {"data": {"user": {"email": "new@users", "plan": "pro"}}}
        assert fed.counts() == {"users": 1, "accounts": 1}
        assert "email" not in fed.cluster["accounts"].queries[0]
