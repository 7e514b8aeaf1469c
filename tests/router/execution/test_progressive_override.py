"""Progressive override through live subgraphs: labels decide who answers (fixture
`progressive-override`: email is moved by percent(100), Query.plans by percent(0), plan by the
"my-flag" label the router enables by configuration).

Each subgraph answers with values of its own, so the responses show who resolved a field.
"""

from __future__ import annotations

import pytest

from router.config import RouterSettings
from router.gateway import Gateway, GatewayRequest
from tests.router.execution.support import federation, reference_supergraph, subgraph_sdl
from tests.router.subgraph_kit import federated_app

ACCOUNTS = {
    "1": {
        "id": "1",
        "email": "ada@accounts",
        "plan": "pro (accounts)",
        "tier": "gold (accounts)",
        "credit": 1,
    }
}
USERS = {
    "1": {
        "id": "1",
        "name": "Ada",
        "email": "ada@users",
        "plan": "pro (users)",
        "tier": "gold (users)",
        "credit": 2,
        "phone": "+33 1",
    }
}
BY_EMAIL = {user["email"]: user for user in ACCOUNTS.values()}


def _account(rep: dict) -> dict | None:
    if "id" in rep:
        return ACCOUNTS.get(rep["id"])
    return BY_EMAIL.get(rep.get("email", ""))


def _apps() -> dict:
    return {
        "accounts": federated_app(
            subgraph_sdl("progressive-override", "accounts"),
            root={"account": lambda id: ACCOUNTS.get(id), "plans": ["basic (accounts)"]},
            entities={"User": _account},
        ),
        "users": federated_app(
            subgraph_sdl("progressive-override", "users"),
            root={"user": lambda id: USERS.get(id), "plans": ["basic (users)"]},
            entities={"User": lambda rep: USERS.get(rep["id"])},
        ),
    }


@pytest.mark.parametrize("tool", ["reference", "guild"])
async def test_percent_labels_0_and_100_decide_for_every_request(tool: str) -> None:
    async with federation(
        reference_supergraph("progressive-override", tool), _apps(), override_labels=[]
    ) as fed:
        for _ in range(3):
            result = await fed.query('{ user(id: "1") { name email } }')
            assert result == {"data": {"user": {"name": "Ada", "email": "ada@users"}}}
            assert fed.counts() == {"accounts": 0, "users": 1}

            result = await fed.query("{ plans }")
            assert result == {"data": {"plans": ["basic (accounts)"]}}
            assert fed.counts() == {"accounts": 1, "users": 0}


async def test_label_disabled_keeps_the_overridden_subgraph() -> None:
    async with federation(
        reference_supergraph("progressive-override"), _apps(), override_labels=[]
    ) as fed:
        result = await fed.query('{ user(id: "1") { name plan } }')
        assert result == {"data": {"user": {"name": "Ada", "plan": "pro (accounts)"}}}
        assert fed.counts() == {"accounts": 1, "users": 1}

        result = await fed.query('{ account(id: "1") { plan } }')
        assert result == {"data": {"account": {"plan": "pro (accounts)"}}}
        assert fed.counts() == {"accounts": 1, "users": 0}


async def test_configured_label_moves_the_field_to_the_overriding_subgraph() -> None:
    async with federation(
        reference_supergraph("progressive-override"), _apps(), override_labels=["my-flag"]
    ) as fed:
        result = await fed.query('{ user(id: "1") { name plan } }')
        assert result == {"data": {"user": {"name": "Ada", "plan": "pro (users)"}}}
        assert fed.counts() == {"accounts": 0, "users": 1}

        result = await fed.query('{ account(id: "1") { plan } }')
        assert result == {"data": {"account": {"plan": "pro (users)"}}}
        assert fed.counts() == {"accounts": 1, "users": 1}
        [entities] = fed.cluster["users"].requests
        assert entities.json()["variables"]["representations"] == [
            {"__typename": "User", "id": "1"}
        ]


async def test_configured_percent_label_is_on_for_every_request() -> None:
    async with federation(
        reference_supergraph("progressive-override", "guild"),
        _apps(),
        override_labels=["percent(0)"],
    ) as fed:
        result = await fed.query("{ plans }")
        assert result == {"data": {"plans": ["basic (users)"]}}
        assert fed.counts() == {"accounts": 0, "users": 1}


async def test_key_field_moved_away_is_read_where_it_moved() -> None:
    # accounts keeps `email` for its @key(fields: "email"); percent(100) moved it to users.
    async with federation(
        reference_supergraph("progressive-override"), _apps(), override_labels=[]
    ) as fed:
        result = await fed.query('{ account(id: "1") { email credit } }')
        assert result == {"data": {"account": {"email": "ada@users", "credit": 2}}}
        assert fed.counts() == {"accounts": 1, "users": 1}


async def test_labels_come_from_the_environment_through_the_router_settings(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("REALIO_ROUTER_OVERRIDE_LABELS", '["my-flag"]')
    labels = RouterSettings().override_labels  # what create_app hands the gateway
    async with federation(
        reference_supergraph("progressive-override"), _apps(), override_labels=labels
    ) as fed:
        result = await fed.query('{ user(id: "1") { plan } }')
        assert result == {"data": {"user": {"plan": "pro (users)"}}}
        assert fed.counts() == {"accounts": 0, "users": 1}


def test_plans_are_cached_per_operation_and_relevant_labels() -> None:
    gateway = Gateway(reference_supergraph("progressive-override"), override_labels=[])
    prepared = gateway.prepare(GatewayRequest('{ user(id: "1") { plan } }'))
    off = prepared.plan_for({}, frozenset())
    on = prepared.plan_for({}, frozenset({"my-flag"}))

    assert [f.service for f in off.fetch_nodes] == ["users", "accounts"]
    assert [f.service for f in on.fetch_nodes] == ["users"]
    # Labels the operation does not depend on share its plans.
    assert prepared.plan_for({}, frozenset({"percent(0)", "percent(25.5)"})) is off
    assert prepared.plan_for({}, frozenset({"my-flag", "percent(0)"})) is on
    assert prepared.varies

    unlabeled = gateway.prepare(GatewayRequest('{ user(id: "1") { name credit } }'))
    assert not unlabeled.varies
    assert unlabeled.plan_for({}, frozenset({"my-flag"})) is unlabeled.plan
