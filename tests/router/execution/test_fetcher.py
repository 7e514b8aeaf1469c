"""The subgraph HTTP fetcher against a real server on loopback."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Any

import orjson
import pytest

from router.execution.fetcher import SubgraphFetcher, SubgraphFetchError
from tests.router.harness import Receive, Scope, Send, SubgraphCluster


@dataclass
class Seen:
    """What the test subgraph received: each request's client address and headers."""

    peers: list[tuple[str, int]] = field(default_factory=list)
    headers: list[dict[str, str]] = field(default_factory=list)


def _app(seen: Seen, *, status: int = 200, body: bytes | None = None) -> Any:
    """Answers ``{"data": {"ok": true}}`` and asks the client to keep a cookie."""

    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        while (await receive()).get("more_body", False):
            pass
        seen.peers.append(tuple(scope["client"]))
        seen.headers.append({k.decode(): v.decode() for k, v in scope["headers"]})
        payload = body if body is not None else orjson.dumps({"data": {"ok": True}})
        await send(
            {
                "type": "http.response.start",
                "status": status,
                "headers": [
                    (b"content-type", b"application/json"),
                    (b"set-cookie", b"session=someone-elses; Path=/"),
                ],
            }
        )
        await send({"type": "http.response.body", "body": payload})

    return app


@pytest.fixture
async def served() -> AsyncIterator[tuple[Seen, SubgraphFetcher]]:
    seen = Seen()
    async with SubgraphCluster({"one": _app(seen)}) as cluster:
        # By host name: cookie jars refuse cookies of bare IP addresses anyway.
        fetcher = SubgraphFetcher({"one": cluster.urls["one"].replace("127.0.0.1", "localhost")})
        try:
            yield seen, fetcher
        finally:
            await fetcher.aclose()


async def test_sequential_fetches_reuse_one_keep_alive_connection(
    served: tuple[Seen, SubgraphFetcher],
) -> None:
    seen, fetcher = served
    for _ in range(5):
        assert await fetcher.fetch("one", "{ ok }", None, {}) == {"data": {"ok": True}}

    assert len(seen.peers) == 5
    assert len(set(seen.peers)) == 1


async def test_a_cookie_set_by_a_subgraph_is_never_sent_with_later_requests(
    served: tuple[Seen, SubgraphFetcher],
) -> None:
    seen, fetcher = served
    await fetcher.fetch("one", "{ ok }", None, {})
    await fetcher.fetch("one", "{ ok }", None, {})

    assert all("cookie" not in headers for headers in seen.headers)


async def test_body_is_json_with_variables_and_given_headers_are_sent(
    served: tuple[Seen, SubgraphFetcher],
) -> None:
    seen, fetcher = served
    await fetcher.fetch(
        "one", "query Q($a: Int) { ok }", {"a": 1}, {"authorization": "Bearer t"}, "Q"
    )

    headers = seen.headers[0]
    assert headers["authorization"] == "Bearer t"
    assert headers["content-type"] == "application/json"
    assert "application/graphql-response+json" in headers["accept"]


async def test_a_graphql_error_response_with_a_4xx_status_is_passed_through() -> None:
    # graphql-response+json servers answer request errors with 4xx and a GraphQL body.
    body = orjson.dumps({"errors": [{"message": "bad", "extensions": {"code": "BAD_REQUEST"}}]})
    async with SubgraphCluster({"one": _app(Seen(), status=400, body=body)}) as cluster:
        fetcher = SubgraphFetcher(cluster.urls)
        try:
            result = await fetcher.fetch("one", "{ ok }", None, {})
        finally:
            await fetcher.aclose()

    assert result == orjson.loads(body)


async def test_an_unknown_subgraph_and_a_refused_connection_are_fetch_errors() -> None:
    fetcher = SubgraphFetcher({"gone": "http://127.0.0.1:1/graphql"})
    try:
        with pytest.raises(SubgraphFetchError) as unknown:
            await fetcher.fetch("missing", "{ ok }", None, {})
        with pytest.raises(SubgraphFetchError) as refused:
            await fetcher.fetch("gone", "{ ok }", None, {})
    finally:
        await fetcher.aclose()

    assert unknown.value.reason == "no URL configured for this subgraph"
    assert refused.value.to_graphql_error()["extensions"]["service"] == "gone"
    assert refused.value.reason == "could not connect"
    assert refused.value.detail is not None
    assert "cannot connect to 127.0.0.1:1" in refused.value.detail
    assert "127.0.0.1" not in str(refused.value.to_graphql_error())
