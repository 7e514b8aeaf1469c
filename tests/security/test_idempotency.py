"""Idempotent creates through the router: a retry after a timeout never creates a duplicate."""

from __future__ import annotations

import asyncio
import uuid
from typing import Any

import httpx
import pytest

from tests.support.graph import Graph
from tests.support.listings import listing_input

CREATE = """
mutation($input: CreatePropertyInput!, $key: String) {
  createProperty(input: $input, idempotencyKey: $key) { id title }
}"""
MINE = "query($owner: ID) { properties(filter: {ownerId: $owner}, first: 100) { totalCount } }"


@pytest.fixture(scope="module")
async def seller(graph: Graph) -> str:
    return await graph.login("seller@realio.demo")


async def listings_of(graph: Graph, token: str) -> int:
    me = await graph.data("{ me { id } }", token=token)
    data = await graph.data(MINE, {"owner": me["me"]["id"]}, token)
    count: int = data["properties"]["totalCount"]
    return count


async def create(graph: Graph, token: str, key: str | None, **overrides: Any) -> dict[str, Any]:
    return await graph.call(CREATE, {"input": listing_input(**overrides), "key": key}, token)


async def test_a_retry_with_the_same_key_returns_the_first_listing(
    graph: Graph, seller: str
) -> None:
    before = await listings_of(graph, seller)
    key = str(uuid.uuid4())
    first = await create(graph, seller, key, title="Idempotent bungalow")
    again = await create(graph, seller, key, title="Idempotent bungalow")
    assert "errors" not in first and "errors" not in again
    assert again["data"]["createProperty"] == first["data"]["createProperty"]
    assert await listings_of(graph, seller) == before + 1


async def test_without_a_key_every_create_is_a_new_listing(graph: Graph, seller: str) -> None:
    before = await listings_of(graph, seller)
    first = await create(graph, seller, None)
    second = await create(graph, seller, None)
    assert first["data"]["createProperty"]["id"] != second["data"]["createProperty"]["id"]
    assert await listings_of(graph, seller) == before + 2


async def test_the_same_key_with_other_input_is_a_conflict_and_creates_nothing(
    graph: Graph, seller: str
) -> None:
    key = str(uuid.uuid4())
    await create(graph, seller, key, title="First use of the key")
    before = await listings_of(graph, seller)
    body = await create(graph, seller, key, title="Someone reused the key")
    [error] = body["errors"]
    assert error["extensions"]["code"] == "CONFLICT"
    assert error["extensions"]["field"] == "idempotencyKey"
    assert await listings_of(graph, seller) == before


async def test_concurrent_retries_with_one_key_create_one_listing(
    graph: Graph, seller: str
) -> None:
    before = await listings_of(graph, seller)
    key = str(uuid.uuid4())
    bodies = await asyncio.gather(*(create(graph, seller, key) for _ in range(8)))
    ids = {body["data"]["createProperty"]["id"] for body in bodies}
    assert len(ids) == 1, bodies
    assert await listings_of(graph, seller) == before + 1


async def test_a_client_that_gave_up_and_retried_has_exactly_one_listing(
    graph: Graph, seller: str
) -> None:
    # The client stops waiting after a few milliseconds: sometimes before the subgraph
    # commits, sometimes after. Whichever happened, its retry must leave exactly one listing.
    before = await listings_of(graph, seller)
    rounds = 12
    async with httpx.AsyncClient(timeout=0.005, trust_env=False) as impatient:
        for _ in range(rounds):
            key = str(uuid.uuid4())
            variables = {"input": listing_input(title="Impatient client"), "key": key}
            try:
                await impatient.post(
                    graph.url,
                    json={"query": CREATE, "variables": variables},
                    headers={"authorization": f"Bearer {seller}"},
                )
            except httpx.TimeoutException:
                pass
            retry = await graph.call(CREATE, variables, seller)
            assert "errors" not in retry, retry
    assert await listings_of(graph, seller) == before + rounds


async def test_keys_belong_to_one_user(graph: Graph, seller: str) -> None:
    agent = await graph.login("agent@realio.demo")
    key = str(uuid.uuid4())
    mine = await create(graph, seller, key)
    theirs = await create(graph, agent, key)
    assert mine["data"]["createProperty"]["id"] != theirs["data"]["createProperty"]["id"]


@pytest.mark.parametrize("key", ["", "   ", "k" * 201])
async def test_an_unusable_key_is_bad_user_input(graph: Graph, seller: str, key: str) -> None:
    before = await listings_of(graph, seller)
    body = await create(graph, seller, key)
    [error] = body["errors"]
    assert error["extensions"]["code"] == "BAD_USER_INPUT"
    assert error["extensions"]["field"] == "idempotencyKey"
    assert await listings_of(graph, seller) == before
