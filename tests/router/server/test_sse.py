"""graphql-sse (distinct connections mode) through the router."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncGenerator

import httpx
import orjson

from tests.router.server.conftest import Graph, RunningRouter
from tests.router.server.subgraphs import TOKEN_REVOKED_BODY

SUBSCRIPTION = 'subscription { messageAdded(room: "lobby") { body author { name } } }'
EVENTS = {"accept": "text/event-stream"}
WAIT = 5.0


async def _events(response: httpx.Response) -> AsyncGenerator[tuple[str, str], None]:
    """``(event, data)`` pairs of a server-sent event stream."""
    event, data = "", ""
    async for line in response.aiter_lines():
        if line.startswith("event:"):
            event = line[len("event:") :].strip()
        elif line.startswith("data:"):
            data = line[len("data:") :].strip()
        elif line == "" and event:
            yield event, data
            event, data = "", ""


async def test_subscription_streams_next_events_and_disconnect_closes_the_subgraph(
    graph: Graph, router: RunningRouter, client: httpx.AsyncClient
) -> None:
    async with client.stream(
        "POST", router.graphql, json={"query": SUBSCRIPTION}, headers=EVENTS
    ) as response:
        assert response.status_code == 200
        assert response.headers["content-type"].startswith("text/event-stream")
        stream = _events(response)
        await asyncio.wait_for(graph.feed.opened.wait(), WAIT)
        graph.feed.publish("m1", "hello", author_id="3")
        first = await asyncio.wait_for(anext(stream), WAIT)
        graph.feed.publish("m2", "bye", author_id="1")
        second = await asyncio.wait_for(anext(stream), WAIT)
        assert graph.feed.active == 1
        await stream.aclose()
    # Leaving the block closed the connection: the router must end the subgraph subscription.
    await asyncio.wait_for(graph.feed.closed.wait(), WAIT)

    assert first[0] == "next"
    assert orjson.loads(first[1]) == {
        "data": {"messageAdded": {"body": "hello", "author": {"name": "Edsger"}}}
    }
    assert orjson.loads(second[1]) == {
        "data": {"messageAdded": {"body": "bye", "author": {"name": "Ada"}}}
    }
    assert graph.feed.active == 0
    assert graph.cluster.counts() == {"users": 2, "messages": 0}


async def test_a_subgraphs_token_end_is_the_last_event_then_complete(
    graph: Graph, router: RunningRouter, client: httpx.AsyncClient
) -> None:
    """The subgraph's verifier saw the token end first: its error ends the client's stream
    at once (``complete``, the subgraph subscription closed), and nothing follows it."""
    async with client.stream(
        "POST", router.graphql, json={"query": SUBSCRIPTION}, headers=EVENTS
    ) as response:
        stream = _events(response)
        await asyncio.wait_for(graph.feed.opened.wait(), WAIT)
        graph.feed.publish("m1", "hello", author_id="3")
        first = await asyncio.wait_for(anext(stream), WAIT)
        # The subgraph's stream stays open after this event: only the router can end it.
        graph.feed.publish("m2", TOKEN_REVOKED_BODY, author_id="1")

        async def rest() -> list[tuple[str, str]]:
            return [event async for event in stream]

        events = await asyncio.wait_for(rest(), WAIT)
    await asyncio.wait_for(graph.feed.closed.wait(), WAIT)

    assert first[0] == "next"
    assert [kind for kind, _ in events] == ["next", "complete"]
    last = orjson.loads(events[0][1])
    assert last["data"] is None
    assert last["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"
    assert last["errors"][0]["extensions"]["reason"] == "TOKEN_REVOKED"
    assert graph.feed.active == 0


async def test_query_over_get_event_stream_is_one_next_then_complete(
    graph: Graph, router: RunningRouter, client: httpx.AsyncClient
) -> None:
    async with client.stream(
        "GET",
        router.graphql,
        params={"query": "{ me { name } }"},
        headers={**EVENTS, "apollo-require-preflight": "true", "x-request-id": "sse-1"},
    ) as response:
        events = [event async for event in _events(response)]

    assert response.headers["x-request-id"] == "sse-1"
    assert events == [("next", '{"data":{"me":{"name":"Ada"}}}'), ("complete", "")]
    assert graph.cluster.counts() == {"users": 1, "messages": 0}


async def test_invalid_operation_is_a_400_json_response(
    graph: Graph, router: RunningRouter, client: httpx.AsyncClient
) -> None:
    response = await client.post(
        router.graphql, json={"query": "subscription { nope }"}, headers=EVENTS
    )

    assert response.status_code == 400
    assert response.headers["content-type"] == "application/json"
    assert response.json()["errors"][0]["extensions"]["code"] == "GRAPHQL_VALIDATION_FAILED"
    assert graph.feed.opened.is_set() is False


async def test_get_event_stream_is_subject_to_csrf_prevention(
    router: RunningRouter, client: httpx.AsyncClient
) -> None:
    response = await client.get(router.graphql, params={"query": SUBSCRIPTION}, headers=EVENTS)

    assert response.status_code == 400
    assert response.json()["errors"][0]["extensions"]["code"] == "CSRF_ERROR"
