"""Persisted queries are registered only once the router accepts the operation, within a size
cap, and expire from Redis."""

from __future__ import annotations

import hashlib
import uuid
from collections.abc import AsyncIterator
from typing import Any

import pytest
from redis.asyncio import Redis

from router.apq import PersistedQueryStore
from router.config import RouterSettings
from tests.support.graph import Graph


def _sha(query: str) -> str:
    return hashlib.sha256(query.encode()).hexdigest()


def _unique(query: str) -> str:
    # A comment makes the text (and so its hash) new for every test.
    return f"{query} # {uuid.uuid4().hex}"


async def _send(graph: Graph, query: str | None, sha: str) -> dict[str, Any]:
    body: dict[str, Any] = {"extensions": {"persistedQuery": {"version": 1, "sha256Hash": sha}}}
    if query is not None:
        body["query"] = query
    response = await graph.http.post(graph.url, json=body)
    assert response.status_code == 200
    result: dict[str, Any] = response.json()
    return result


@pytest.fixture
async def redis() -> AsyncIterator[Redis]:
    client = Redis.from_url(RouterSettings().redis_url or "redis://127.0.0.1:6379/0")
    yield client
    await client.aclose()


def _key(sha: str) -> str:
    return PersistedQueryStore(key_prefix=RouterSettings().redis_key_prefix).redis_key(sha)


@pytest.mark.parametrize(
    ("query", "code"),
    [
        ("{ me { noSuchField } }", "GRAPHQL_VALIDATION_FAILED"),
        ("{ me { id ", "GRAPHQL_PARSE_FAILED"),
        ("{ me { " + "id " * 60 + "} }", "MAX_FIELD_REPEATS_EXCEEDED"),
    ],
)
async def test_a_refused_operation_is_never_registered(
    graph: Graph, redis: Redis, query: str, code: str
) -> None:
    text = _unique(query)
    sha = _sha(text)

    refused = await _send(graph, text, sha)
    later = await _send(graph, None, sha)

    assert refused["errors"][0]["extensions"]["code"] == code
    assert later["errors"][0]["extensions"]["code"] == "PERSISTED_QUERY_NOT_FOUND"
    assert await redis.exists(_key(sha)) == 0


async def test_an_accepted_operation_is_registered_in_redis_with_a_ttl(
    graph: Graph, redis: Redis
) -> None:
    text = _unique("{ __typename }")
    sha = _sha(text)

    first = await _send(graph, text, sha)
    by_hash = await _send(graph, None, sha)

    assert first == by_hash == {"data": {"__typename": "Query"}}
    assert await redis.get(_key(sha)) == text.encode()
    assert 0 < await redis.ttl(_key(sha)) <= RouterSettings().apq_ttl_seconds


async def test_a_query_over_the_size_cap_is_served_but_not_registered(
    graph: Graph, redis: Redis
) -> None:
    cap = RouterSettings().apq_max_query_bytes
    text = "{ __typename }\n" + "# padding\n" * (cap // 10 + 1)  # comments: no tokens
    sha = _sha(text)

    served = await _send(graph, text, sha)
    later = await _send(graph, None, sha)

    assert served == {"data": {"__typename": "Query"}}
    assert later["errors"][0]["extensions"]["code"] == "PERSISTED_QUERY_NOT_FOUND"
    assert await redis.exists(_key(sha)) == 0
