"""Automatic persisted queries through the router, in memory and shared through Redis."""

from __future__ import annotations

import hashlib
import os
import uuid

import httpx
import redis.asyncio as aioredis

from router.apq import PersistedQueryStore
from router.config import RouterSettings
from tests.router.server.conftest import Graph, RunningRouter, running_router

REDIS_URL = os.environ.get("REALIO_REDIS_URL", "redis://127.0.0.1:6379/0")


def _unique_query() -> str:
    # A comment makes the text (and hash) unique per test run, so stores start empty for it.
    return f"{{ me {{ name }} }} # {uuid.uuid4().hex}"


def _sha(query: str) -> str:
    return hashlib.sha256(query.encode()).hexdigest()


def _extensions(sha: str) -> dict[str, object]:
    return {"persistedQuery": {"version": 1, "sha256Hash": sha}}


async def test_unknown_hash_is_persisted_query_not_found(
    graph: Graph, router: RunningRouter, client: httpx.AsyncClient
) -> None:
    response = await client.post(
        router.graphql, json={"extensions": _extensions(_sha(_unique_query()))}
    )

    assert response.status_code == 200
    assert response.json() == {
        "errors": [
            {
                "message": "PersistedQueryNotFound",
                "extensions": {"code": "PERSISTED_QUERY_NOT_FOUND"},
            }
        ]
    }
    assert graph.cluster.counts() == {"users": 0, "messages": 0}


async def test_registered_query_is_then_served_by_hash_alone_also_over_get(
    graph: Graph, router: RunningRouter, client: httpx.AsyncClient
) -> None:
    query = _unique_query()
    sha = _sha(query)

    registered = await client.post(
        router.graphql, json={"query": query, "extensions": _extensions(sha)}
    )
    by_hash = await client.post(router.graphql, json={"extensions": _extensions(sha)})
    over_get = await client.get(
        router.graphql,
        params={"extensions": f'{{"persistedQuery":{{"version":1,"sha256Hash":"{sha}"}}}}'},
        headers={"apollo-require-preflight": "true"},
    )

    expected = {"data": {"me": {"name": "Ada"}}}
    assert registered.json() == expected
    assert by_hash.json() == expected
    assert over_get.json() == expected
    assert graph.cluster.counts() == {"users": 3, "messages": 0}


async def test_query_not_matching_its_hash_is_refused(
    graph: Graph, router: RunningRouter, client: httpx.AsyncClient
) -> None:
    response = await client.post(
        router.graphql,
        json={"query": _unique_query(), "extensions": _extensions(_sha("{ me { id } }"))},
    )

    assert response.json() == {
        "errors": [
            {
                "message": "provided sha does not match query",
                "extensions": {"code": "PERSISTED_QUERY_HASH_MISMATCH"},
            }
        ]
    }
    assert graph.cluster.counts() == {"users": 0, "messages": 0}


async def test_unsupported_version_is_refused(
    router: RunningRouter, client: httpx.AsyncClient
) -> None:
    response = await client.post(
        router.graphql,
        json={"extensions": {"persistedQuery": {"version": 2, "sha256Hash": "ab"}}},
    )

    code = response.json()["errors"][0]["extensions"]["code"]
    assert code == "PERSISTED_QUERY_VERSION_NOT_SUPPORTED"


async def test_lru_forgets_the_least_recently_used_query(
    graph: Graph, client: httpx.AsyncClient
) -> None:
    first, second = _unique_query(), _unique_query()
    async with running_router(graph, apq_cache_size=1, redis_url=None) as router:
        for query in (first, second):
            await client.post(
                router.graphql, json={"query": query, "extensions": _extensions(_sha(query))}
            )
        evicted = await client.post(router.graphql, json={"extensions": _extensions(_sha(first))})
        kept = await client.post(router.graphql, json={"extensions": _extensions(_sha(second))})

    assert evicted.json()["errors"][0]["extensions"]["code"] == "PERSISTED_QUERY_NOT_FOUND"
    assert kept.json() == {"data": {"me": {"name": "Ada"}}}


async def test_routers_sharing_redis_know_each_others_queries(
    graph: Graph, client: httpx.AsyncClient
) -> None:
    query = _unique_query()
    sha = _sha(query)
    key = PersistedQueryStore(key_prefix=RouterSettings().redis_key_prefix).redis_key(sha)
    redis = aioredis.Redis.from_url(REDIS_URL)
    try:
        async with (
            running_router(graph, redis_url=REDIS_URL) as first,
            running_router(graph, redis_url=REDIS_URL) as second,
        ):
            await client.post(first.graphql, json={"query": query, "extensions": _extensions(sha)})
            response = await client.post(second.graphql, json={"extensions": _extensions(sha)})

        assert response.json() == {"data": {"me": {"name": "Ada"}}}
        assert await redis.get(key) == query.encode()
    finally:
        await redis.delete(key)
        await redis.aclose()
