"""Idempotency keys are forgotten after their retention, on a schedule every subgraph runs.

The graph here prunes every 50 ms (``REALIO_IDEMPOTENCY_PRUNE_INTERVAL_SECONDS``); the tests
wait for a completed pruning pass (``KeyPruning.next_pass``), never for a sleep.
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from common.config import Settings
from common.idempotency import IDEMPOTENCY_RETENTION, KeyPruning
from tests.support.graph import Graph, running_graph
from tests.support.listings import listing_input

CREATE = """
mutation($input: CreatePropertyInput!, $key: String) {
  createProperty(input: $input, idempotencyKey: $key) { id }
}"""


@pytest.fixture(scope="module")
async def graph(settings: Settings) -> AsyncIterator[Graph]:
    pruning = settings.model_copy(update={"idempotency_prune_interval_seconds": 0.05})
    async with running_graph(pruning, "pruning") as running:
        yield running


async def has_key_table(engine: AsyncEngine) -> bool:
    async with engine.connect() as connection:
        found = await connection.scalar(text("SELECT to_regclass('idempotency_keys')"))
    return found is not None


def pruning_of(graph: Graph, name: str) -> KeyPruning:
    pruning = graph.apps[name].state.idempotency_pruning
    assert isinstance(pruning, KeyPruning), f"{name} keeps idempotency keys but never prunes them"
    return pruning


async def test_every_subgraph_keeping_keys_prunes_them_on_a_schedule(graph: Graph) -> None:
    keeping = [
        name
        for name, app in graph.apps.items()
        if await has_key_table(app.state.engine)  # every subgraph app exposes its engine
    ]
    assert {"properties", "bookings", "messaging"} <= set(keeping)
    for name in keeping:
        pruning = pruning_of(graph, name)
        assert pruning.interval_seconds == 0.05
        await asyncio.wait_for(pruning.next_pass(), 30)  # it runs


@pytest.mark.parametrize("name", ["properties", "bookings", "messaging"])
async def test_expired_keys_disappear_and_fresh_ones_stay(graph: Graph, name: str) -> None:
    engine: AsyncEngine = graph.apps[name].state.engine
    user = uuid.uuid4()
    old = f"expired-{uuid.uuid4()}"
    fresh = f"fresh-{uuid.uuid4()}"
    now = datetime.now(UTC)
    expired_at = now - IDEMPOTENCY_RETENTION - timedelta(minutes=1)
    async with engine.begin() as connection:
        for key, created_at in ((old, expired_at), (fresh, now)):
            await connection.execute(
                text(
                    "INSERT INTO idempotency_keys (user_id, operation, key, fingerprint,"
                    " result_id, created_at) VALUES (:user, 'test', :key, 'f', 'r', :at)"
                ),
                {"user": user, "key": key, "at": created_at},
            )
    await asyncio.wait_for(pruning_of(graph, name).next_pass(), 30)
    async with engine.connect() as connection:
        left = await connection.scalars(
            text("SELECT key FROM idempotency_keys WHERE user_id = :user"), {"user": user}
        )
        assert set(left) == {fresh}


async def test_a_pruned_key_no_longer_replays_through_the_router(graph: Graph) -> None:
    seller = await graph.login("seller@realio.demo")
    key = str(uuid.uuid4())
    variables = {"input": listing_input(title="Pruned key"), "key": key}
    first = await graph.data(CREATE, variables, seller)
    again = await graph.data(CREATE, variables, seller)
    assert again == first  # within the retention: the retry returns the first listing
    engine: AsyncEngine = graph.apps["properties"].state.engine
    async with engine.begin() as connection:
        await connection.execute(
            text(
                "UPDATE idempotency_keys SET created_at = created_at - interval '25 hours'"
                " WHERE key = :key"
            ),
            {"key": key},
        )
    await asyncio.wait_for(pruning_of(graph, "properties").next_pass(), 30)
    later = await graph.data(CREATE, variables, seller)
    assert later["createProperty"]["id"] != first["createProperty"]["id"]
