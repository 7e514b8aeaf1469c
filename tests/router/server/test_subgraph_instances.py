"""Several instances of one subgraph behind one router (decision 0038): the router balances
fetches and subscriptions across a subgraph's URLs, keeps a keep-alive pool per URL, leaves an
instance that refuses connections out and reports every instance in ``/ready``."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import httpx
import orjson
import pytest
from websockets.asyncio.client import connect
from websockets.typing import Subprotocol

from router.config import RouterSettings
from router.execution.balancing import Upstream, split_urls
from router.gateway import Gateway
from tests.router.harness import SubgraphCluster
from tests.router.server.conftest import SUPERGRAPH, Graph, running_router
from tests.router.server.subgraphs import MessagesFeed, messages_app, users_app
from tests.support.servers import free_port

WAIT = 5.0


@pytest.fixture
async def two_users() -> AsyncIterator[SubgraphCluster]:
    """Two instances of the users subgraph, each on its own port."""
    async with SubgraphCluster({"a": users_app(), "b": users_app()}) as cluster:
        yield cluster


def test_a_subgraph_url_setting_may_name_several_instances(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv(
        "REALIO_ROUTER_SUBGRAPH_URLS__USERS",
        "http://127.0.0.1:4001/graphql,http://127.0.0.1:4101/graphql",
    )
    monkeypatch.setenv(
        "REALIO_ROUTER_SUBGRAPH_URLS__MESSAGES", '["http://m1/graphql", "http://m2/graphql"]'
    )
    settings = RouterSettings()
    gateway = Gateway(SUPERGRAPH, subgraph_urls=settings.subgraph_urls)

    assert gateway.subgraph_url_lists["users"] == [
        "http://127.0.0.1:4001/graphql",
        "http://127.0.0.1:4101/graphql",
    ]
    assert gateway.subgraph_url_lists["messages"] == ["http://m1/graphql", "http://m2/graphql"]
    # Files and links are proxied to a subgraph's first instance.
    assert gateway.subgraph_urls["users"] == "http://127.0.0.1:4001/graphql"
    assert split_urls(" http://a/graphql  http://b/graphql ") == [
        "http://a/graphql",
        "http://b/graphql",
    ]


def test_the_instance_with_fewer_requests_in_flight_is_chosen() -> None:
    upstream = Upstream(["http://a/graphql", "http://b/graphql", "http://c/graphql"])
    # Idle: in turn.
    assert [upstream.choose() for _ in range(4)] == [0, 1, 2, 0]
    upstream.inflight[:] = [3, 1, 2]
    assert upstream.choose() == 1
    upstream.inflight[:] = [0, 0, 0]
    upstream.mark_down(1)
    assert {upstream.choose() for _ in range(6)} == {0, 2}
    upstream.mark_up(1)
    assert {upstream.choose() for _ in range(6)} == {0, 1, 2}


async def test_requests_alternate_between_the_instances_over_kept_alive_connections(
    graph: Graph, two_users: SubgraphCluster
) -> None:
    urls = {**graph.urls, "users": [two_users["a"].url, two_users["b"].url]}
    async with (
        running_router(graph, urls=urls) as router,
        httpx.AsyncClient(timeout=10, trust_env=False) as client,
    ):
        for _ in range(3):
            query = await client.post(router.graphql, json={"query": "{ me { name } }"})
            assert query.json() == {"data": {"me": {"name": "Ada"}}}
            renamed = await client.post(
                router.graphql, json={"query": 'mutation { rename(name: "Lovelace") { name } }'}
            )
            assert renamed.json() == {"data": {"rename": {"name": "Lovelace"}}}
        counts = two_users.counts()
        # Sequential requests: each instance serves every other one, queries and mutations.
        assert counts == {"a": 3, "b": 3}
        # One keep-alive pool per instance: both are open and were reused.
        pools = router.app.state.router.gateway.fetcher._client._pools
        origins = {(origin[1], origin[2]) for origin in pools}
        ports = {httpx.URL(two_users[name].url).port for name in ("a", "b")}
        assert {port for _host, port in origins} >= ports
        for origin, pool in pools.items():
            if origin[2] in ports:
                assert len(pool.idle) == 1, origin


async def test_an_instance_that_refuses_connections_is_left_out_and_reported(
    graph: Graph, two_users: SubgraphCluster
) -> None:
    down = f"http://127.0.0.1:{free_port()}/graphql"
    urls = {**graph.urls, "users": [down, two_users["a"].url]}
    async with (
        running_router(graph, urls=urls) as router,
        httpx.AsyncClient(timeout=10, trust_env=False) as client,
    ):
        for _ in range(3):
            # A mutation too: a refused connection sent nothing, so another instance may run it.
            renamed = await client.post(
                router.graphql, json={"query": 'mutation { rename(name: "Hopper") { name } }'}
            )
            assert renamed.json() == {"data": {"rename": {"name": "Hopper"}}}
            query = await client.post(router.graphql, json={"query": "{ me { name } }"})
            assert query.json() == {"data": {"me": {"name": "Ada"}}}
        assert two_users.counts()["a"] == 6

        ready = await client.get(router.url + "/ready")
        assert ready.status_code == 200
        body = ready.json()
        assert body["status"] == "ready"
        assert body["subgraphs"]["users"] == "ok"
        assert body["instances"] == {"users": ["could not connect", "ok"]}
        assert body["degraded_subgraphs"] == ["users"]
        assert "127.0.0.1" not in ready.text  # no addresses in the public answer


async def test_a_subgraph_whose_every_instance_is_down_fails_its_fields(graph: Graph) -> None:
    downs = [f"http://127.0.0.1:{free_port()}/graphql" for _ in range(2)]
    urls = {**graph.urls, "users": downs}
    async with (
        running_router(graph, urls=urls) as router,
        httpx.AsyncClient(timeout=10, trust_env=False) as client,
    ):
        answer = (await client.post(router.graphql, json={"query": "{ me { name } }"})).json()
        assert answer["data"] == {"me": None}
        [error] = answer["errors"]
        assert error["extensions"]["code"] == "SUBREQUEST_HTTP_ERROR"
        assert error["extensions"]["reason"] == "could not connect"

        ready = await client.get(router.url + "/ready")
        assert ready.status_code == 503
        assert ready.json()["unavailable"] == ["users"]
        assert ready.json()["instances"] == {"users": ["could not connect", "could not connect"]}


async def test_subscriptions_are_spread_over_the_instances(graph: Graph) -> None:
    feed = MessagesFeed()
    apps = {"m1": messages_app(feed), "m2": messages_app(feed)}
    async with SubgraphCluster(apps) as messages:
        urls = {**graph.urls, "messages": [messages["m1"].url, messages["m2"].url]}
        async with running_router(graph, urls=urls) as router:
            sockets = []
            for index in range(2):
                ws = await connect(
                    router.ws, proxy=None, subprotocols=[Subprotocol("graphql-transport-ws")]
                )
                sockets.append(ws)
                await ws.send(orjson.dumps({"type": "connection_init"}).decode())
                ack = orjson.loads(await asyncio.wait_for(ws.recv(), WAIT))
                assert ack == {"type": "connection_ack"}
                subscribe = {
                    "id": str(index),
                    "type": "subscribe",
                    "payload": {"query": 'subscription { messageAdded(room: "lobby") { body } }'},
                }
                feed.opened.clear()
                await ws.send(orjson.dumps(subscribe).decode())
                # Opened on a subgraph instance before the next one subscribes.
                await asyncio.wait_for(feed.opened.wait(), WAIT)
            assert feed.active == 2
            feed.publish("m1", "hello", author_id="2")
            for ws in sockets:
                event = orjson.loads(await asyncio.wait_for(ws.recv(), WAIT))
                assert event["payload"] == {"data": {"messageAdded": {"body": "hello"}}}
                await ws.close()
            # One subscription on each instance.
            assert messages["m1"].websocket_connections == 1
            assert messages["m2"].websocket_connections == 1


def test_a_json_list_in_one_variable_names_the_instances(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(
        "REALIO_ROUTER_SUBGRAPH_URLS__MESSAGES", '["http://m1/graphql", "http://m2/graphql"]'
    )
    gateway = Gateway(SUPERGRAPH, subgraph_urls=RouterSettings().subgraph_urls)
    assert gateway.subgraph_url_lists["messages"] == ["http://m1/graphql", "http://m2/graphql"]
