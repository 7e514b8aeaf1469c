"""Serving: the trained artefact loaded and kept current, signals that count without a retrain,
the feed cached in Redis and dropped by a new interaction, impressions and rewards, batched
entity resolution, and the errors a client can cause."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from redis.asyncio import Redis
from sqlalchemy import event, select

from common.auth.viewer import Role
from common.events.tables import DEAD_LETTERS, OFFSETS, OUTBOX, PROCESSED
from subgraphs.recommendations.models import impressions, model_versions, outbox
from subgraphs.recommendations.service.feed_cache import feed_key
from tests.integration.recommendations.world import RecsWorld, favorited
from tests.support.personas import Persona

SIMILAR = """query($reps: [_Any!]!) { _entities(representations: $reps) {
  ... on Property { id similarProperties(first: 3) { id recommendationScore recommendationReason } }
} }"""
FEED = """query($id: ID!, $first: Int!) {
  _entities(representations: [{__typename: "User", id: $id}]) {
    ... on User { recommendedProperties(first: $first) { id recommendationReason } } } }"""
RECORD = """mutation($id: ID!, $kind: InteractionKind!) {
  recordInteraction(propertyId: $id, kind: $kind) { kind property { id } } }"""


def reps(*ids: object) -> dict[str, Any]:
    return {"reps": [{"__typename": "Property", "id": str(i)} for i in ids]}


async def feed(recs: RecsWorld, person: Persona, first: int = 10) -> list[dict[str, Any]]:
    data = await recs.client.data(FEED, {"id": str(person.id), "first": first}, person.token)
    items: list[dict[str, Any]] = data["_entities"][0]["recommendedProperties"]
    return items


EVENT_RUNTIME_TABLES = (OUTBOX, PROCESSED, OFFSETS, DEAD_LETTERS)


@contextmanager
def statements(recs: RecsWorld) -> Iterator[list[str]]:
    """Every SQL statement the subgraph runs inside the block, but the event runtime's: its
    background work (the outbox relay, dead-letter retries) may run meanwhile."""
    seen: list[str] = []

    def record(*args: Any) -> None:
        statement = str(args[2])
        if not any(table in statement for table in EVENT_RUNTIME_TABLES):
            seen.append(statement)

    engine = recs.engine.sync_engine
    event.listen(engine, "before_cursor_execute", record)
    try:
        yield seen
    finally:
        event.remove(engine, "before_cursor_execute", record)


async def test_training_stores_a_versioned_artefact_that_the_instance_then_serves(
    recs: RecsWorld,
) -> None:
    homes = await recs.homes(uuid.uuid4(), "Austin", 8)
    version = await recs.train()

    async with recs.engine.connect() as conn:
        row = (
            await conn.execute(select(model_versions).where(model_versions.c.version == version))
        ).one()
    artefact = await recs.services.deps.storage.get(row.storage_key)
    assert artefact is not None and artefact.startswith(b"REALIO-RECS\n")
    assert row.listings >= 8
    served = await recs.client.data("{ recommendationModelVersion }")
    assert served == {"recommendationModelVersion": version}
    similar = await recs.client.data(SIMILAR, reps(homes[0].id))
    picks = similar["_entities"][0]["similarProperties"]
    assert len(picks) == 3 and str(homes[0].id) not in [p["id"] for p in picks]
    assert all(p["recommendationReason"] for p in picks)


async def test_a_listing_published_after_training_is_recommended_without_a_retrain(
    recs: RecsWorld,
) -> None:
    owner = uuid.uuid4()
    await recs.homes(owner, "Boise", 4)
    version = await recs.train()
    [late] = await recs.homes(owner, "Boise", 1, start=10)
    before = await recs.client.data(SIMILAR, reps(late.id))
    assert before["_entities"][0]["similarProperties"] == []  # no features yet: empty, no error

    await recs.services.model.refresh()

    after = await recs.client.data(SIMILAR, reps(late.id))
    assert len(after["_entities"][0]["similarProperties"]) == 3
    assert recs.services.model.version == version


async def test_a_new_favourite_counts_on_the_next_request_and_drops_the_cached_feed(
    recs: RecsWorld,
) -> None:
    buyer = recs.persona(Role.BUYER)
    owner = uuid.uuid4()
    denver = await recs.homes(owner, "Denver", 6)
    await recs.homes(owner, "Austin", 6, start=20)
    version = await recs.train()
    redis = Redis.from_url(str(recs.settings.redis_url))
    key = f"{recs.settings.redis_key_prefix}cache:{feed_key(buyer.id)}"
    try:
        before = await feed(recs, buyer)
        assert await redis.exists(key)  # cached in Redis

        await recs.publish("properties", favorited(denver[0], buyer.id))

        assert not await redis.exists(key)  # the favourite dropped it
        after = await feed(recs, buyer)
        assert recs.services.model.version == version  # no retrain
        denver_ids = {str(home.id) for home in denver[1:]}

        def in_denver(items: list[dict[str, Any]]) -> int:
            return sum(item["id"] in denver_ids for item in items[:5])

        assert in_denver(after) >= 3 and in_denver(after) > in_denver(before), (before, after)
        assert str(denver[0].id) not in [item["id"] for item in after]
    finally:
        await redis.aclose()


async def test_impressions_are_logged_with_propensities_and_a_click_rewards_them(
    recs: RecsWorld,
) -> None:
    buyer = recs.persona(Role.BUYER)
    await recs.homes(uuid.uuid4(), "Austin", 6, start=40)
    await recs.train()
    shown = await feed(recs, buyer, first=5)
    await recs.services.impressions.flush()
    async with recs.engine.connect() as conn:
        logged = (
            await conn.execute(
                select(impressions)
                .where(impressions.c.user_id == buyer.id)
                .order_by(impressions.c.slot)
            )
        ).all()
    assert [str(row.property_id) for row in logged] == [item["id"] for item in shown]
    assert all(0 < row.propensity <= 1 and len(row.context) == 5 for row in logged)
    clicked = logged[0]
    served = recs.services.model.served
    assert served is not None
    pulls = served.bandit.pulls(clicked.source)

    recorded = await recs.client.data(
        RECORD, {"id": str(clicked.property_id), "kind": "CLICK"}, buyer.token
    )

    assert recorded["recordInteraction"] == {
        "kind": "CLICK",
        "property": {"id": str(clicked.property_id)},
    }
    async with recs.engine.connect() as conn:
        reward = await conn.scalar(
            select(impressions.c.reward).where(impressions.c.id == clicked.id)
        )
        sent = (
            await conn.execute(
                select(outbox.c.type, outbox.c.payload).where(
                    outbox.c.aggregate_id == str(buyer.id)
                )
            )
        ).all()
    assert reward == 1.0
    assert served.bandit.pulls(clicked.source) == pulls + 1
    assert [(t, p["kind"], p["source"]) for t, p in sent] == [
        ("recommendation.interaction", "click", clicked.source)
    ]


async def test_one_statement_loads_the_viewer_for_a_whole_entities_batch(
    recs: RecsWorld,
) -> None:
    buyer = recs.persona(Role.BUYER)
    homes = await recs.homes(uuid.uuid4(), "Denver", 5, start=60)
    await recs.train()
    with statements(recs) as signed_in:
        answer = await recs.client.data(SIMILAR, reps(*(h.id for h in homes)), buyer.token)
    with statements(recs) as anonymous:
        await recs.client.data(SIMILAR, reps(*(h.id for h in homes)))

    assert [len(e["similarProperties"]) for e in answer["_entities"]] == [3] * 5
    assert len(signed_in) == 1 and "interactions" in signed_in[0]
    assert anonymous == []


async def test_not_interested_hides_a_home_from_that_viewer_only(recs: RecsWorld) -> None:
    buyer = recs.persona(Role.BUYER)
    homes = await recs.homes(uuid.uuid4(), "Boise", 5, start=80)
    await recs.train()
    query = SIMILAR.replace("first: 3", "first: 50")
    first = await recs.client.data(query, reps(homes[0].id), buyer.token)
    hidden = first["_entities"][0]["similarProperties"][0]["id"]

    await recs.client.data(RECORD, {"id": hidden, "kind": "NOT_INTERESTED"}, buyer.token)

    mine = await recs.client.data(query, reps(homes[0].id), buyer.token)
    theirs = await recs.client.data(query, reps(homes[0].id), recs.persona().token)
    assert hidden not in [p["id"] for p in mine["_entities"][0]["similarProperties"]]
    assert hidden in [p["id"] for p in theirs["_entities"][0]["similarProperties"]]


async def test_bad_input_and_other_users_feeds_are_refused_with_codes(recs: RecsWorld) -> None:
    buyer = recs.persona(Role.BUYER)
    other = recs.persona(Role.BUYER)
    admin = recs.persona(Role.ADMIN)
    [home] = await recs.homes(uuid.uuid4(), "Austin", 1, start=90)

    for first in (51, -1):
        error = await recs.client.error(FEED, {"id": str(buyer.id), "first": first}, buyer.token)
        assert error["extensions"] == {"code": "BAD_USER_INPUT", "field": "first"}
    for viewer in (other, admin):
        error = await recs.client.error(FEED, {"id": str(buyer.id), "first": 5}, viewer.token)
        assert error["extensions"]["code"] == "FORBIDDEN"
    error = await recs.client.error(FEED, {"id": str(buyer.id), "first": 5})
    assert error["extensions"]["code"] == "UNAUTHENTICATED"

    unknown = await recs.client.error(
        RECORD, {"id": str(uuid.uuid4()), "kind": "VIEW"}, buyer.token
    )
    assert unknown["extensions"]["code"] == "NOT_FOUND"
    malformed = await recs.client.error(RECORD, {"id": "not-an-id", "kind": "VIEW"}, buyer.token)
    assert malformed["extensions"] == {"code": "BAD_USER_INPUT", "field": "propertyId"}
    kind = await recs.client.error(RECORD, {"id": str(home.id), "kind": "LOVED"}, buyer.token)
    assert kind["extensions"]["code"] == "BAD_USER_INPUT"
    async with recs.engine.connect() as conn:
        written = await conn.scalar(
            select(outbox.c.seq).where(outbox.c.aggregate_id == str(buyer.id)).limit(1)
        )
    assert written is None  # nothing half-written by the refused requests
