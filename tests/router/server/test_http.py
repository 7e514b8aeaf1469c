"""GraphQL over HTTP through a real router: media types, status codes, GET/POST, CSRF, size."""

from __future__ import annotations

import httpx
import orjson

from tests.router.server.conftest import Graph, RunningRouter, running_router

JSON = {"content-type": "application/json"}
GRAPHQL_RESPONSE = "application/graphql-response+json"
PREFLIGHT = {"apollo-require-preflight": "true"}


async def test_post_json_query_answers_from_one_subgraph(
    graph: Graph, router: RunningRouter, client: httpx.AsyncClient
) -> None:
    response = await client.post(router.graphql, json={"query": "{ me { id name } }"})

    assert response.status_code == 200
    assert response.headers["content-type"] == "application/json"
    assert response.json() == {"data": {"me": {"id": "1", "name": "Ada"}}}
    assert graph.cluster.counts() == {"users": 1, "messages": 0}


async def test_graphql_response_json_is_used_when_accepted(
    router: RunningRouter, client: httpx.AsyncClient
) -> None:
    response = await client.post(
        router.graphql,
        json={"query": "query Q($n: Int) { users(first: $n) { name } }", "variables": {"n": 2}},
        headers={"accept": f"{GRAPHQL_RESPONSE}, application/json;q=0.9"},
    )

    assert response.status_code == 200
    assert response.headers["content-type"] == GRAPHQL_RESPONSE
    assert response.json() == {"data": {"users": [{"name": "Ada"}, {"name": "Grace"}]}}


async def test_unparsable_document_is_a_400_with_graphql_response_json(
    graph: Graph, router: RunningRouter, client: httpx.AsyncClient
) -> None:
    response = await client.post(
        router.graphql, json={"query": "{ me { "}, headers={"accept": GRAPHQL_RESPONSE}
    )

    assert response.status_code == 400
    body = response.json()
    assert list(body) == ["errors"]
    assert body["errors"][0]["extensions"]["code"] == "GRAPHQL_PARSE_FAILED"
    assert graph.cluster.counts() == {"users": 0, "messages": 0}


async def test_invalid_document_is_200_with_legacy_json_and_400_with_graphql_response_json(
    graph: Graph, router: RunningRouter, client: httpx.AsyncClient
) -> None:
    request = {"query": "{ me { nope } }"}
    legacy = await client.post(router.graphql, json=request)
    strict = await client.post(router.graphql, json=request, headers={"accept": GRAPHQL_RESPONSE})

    assert legacy.status_code == 200
    assert strict.status_code == 400
    for response in (legacy, strict):
        error = response.json()["errors"][0]
        assert error["extensions"]["code"] == "GRAPHQL_VALIDATION_FAILED"
        assert "nope" in error["message"]
    assert graph.cluster.counts() == {"users": 0, "messages": 0}


async def test_malformed_json_body_is_400(router: RunningRouter, client: httpx.AsyncClient) -> None:
    response = await client.post(router.graphql, content=b"{not json", headers=JSON)

    assert response.status_code == 400
    assert response.json() == {
        "errors": [
            {
                "message": "The request body is not valid JSON.",
                "extensions": {"code": "BAD_REQUEST"},
            }
        ]
    }


async def test_missing_query_is_a_request_error(
    router: RunningRouter, client: httpx.AsyncClient
) -> None:
    response = await client.post(
        router.graphql, json={"variables": {}}, headers={"accept": GRAPHQL_RESPONSE}
    )

    assert response.status_code == 400
    assert response.json()["errors"][0]["extensions"]["code"] == "BAD_REQUEST"


async def test_get_query_with_preflight_header(
    graph: Graph, router: RunningRouter, client: httpx.AsyncClient
) -> None:
    response = await client.get(
        router.graphql,
        params={
            "query": "query Q($n: Int) { users(first: $n) { id } }",
            "variables": '{"n": 1}',
            "operationName": "Q",
        },
        headers=PREFLIGHT,
    )

    assert response.status_code == 200
    assert response.json() == {"data": {"users": [{"id": "1"}]}}
    assert graph.cluster.counts() == {"users": 1, "messages": 0}


async def test_mutation_over_get_is_405_and_never_reaches_the_subgraph(
    graph: Graph, router: RunningRouter, client: httpx.AsyncClient
) -> None:
    response = await client.get(
        router.graphql,
        params={"query": 'mutation { rename(name: "Bob") { name } }'},
        headers=PREFLIGHT,
    )

    assert response.status_code == 405
    assert response.headers["allow"] == "POST"
    assert response.json() == {
        "errors": [
            {
                "message": "Mutations cannot be sent with GET; use POST.",
                "extensions": {"code": "METHOD_NOT_ALLOWED"},
            }
        ]
    }
    assert graph.cluster.counts() == {"users": 0, "messages": 0}


async def test_mutation_over_post_runs(router: RunningRouter, client: httpx.AsyncClient) -> None:
    response = await client.post(
        router.graphql, json={"query": 'mutation { rename(name: "Bob") { name } }'}
    )

    assert response.json() == {"data": {"rename": {"name": "Bob"}}}


async def test_get_without_preflight_header_is_blocked_as_csrf(
    graph: Graph, router: RunningRouter, client: httpx.AsyncClient
) -> None:
    response = await client.get(router.graphql, params={"query": "{ me { id } }"})

    assert response.status_code == 400
    error = response.json()["errors"][0]
    assert error["extensions"] == {"code": "CSRF_ERROR"}
    assert "Cross-Site Request Forgery" in error["message"]
    assert graph.cluster.counts() == {"users": 0, "messages": 0}


async def test_simple_content_types_are_blocked_as_csrf(
    graph: Graph, router: RunningRouter, client: httpx.AsyncClient
) -> None:
    body = orjson.dumps({"query": "{ me { id } }"})
    for content_type in (
        "text/plain",
        "application/x-www-form-urlencoded",
        "multipart/form-data; boundary=x",
    ):
        response = await client.post(
            router.graphql, content=body, headers={"content-type": content_type}
        )
        assert response.status_code == 400, content_type
        assert response.json()["errors"][0]["extensions"]["code"] == "CSRF_ERROR"
    assert graph.cluster.counts() == {"users": 0, "messages": 0}


async def test_simple_content_type_with_preflight_header_passes_csrf_but_is_unsupported(
    router: RunningRouter, client: httpx.AsyncClient
) -> None:
    response = await client.post(
        router.graphql,
        content=orjson.dumps({"query": "{ me { id } }"}),
        headers={"content-type": "text/plain", "x-apollo-operation-name": "Me"},
    )

    assert response.status_code == 415
    assert response.json()["errors"][0]["extensions"]["code"] == "BAD_REQUEST"


async def test_body_over_the_size_limit_is_413(graph: Graph, client: httpx.AsyncClient) -> None:
    async with running_router(graph, max_request_bytes=100) as router:
        padding = " " * 200
        declared = await client.post(router.graphql, json={"query": "{ me { id } }" + padding})

        async def chunks():  # no content-length: the limit applies while streaming
            yield b'{"query": "{ me { id } }'
            yield padding.encode() + b'"}'

        streamed = await client.post(router.graphql, content=chunks(), headers=JSON)

    for response in (declared, streamed):
        assert response.status_code == 413
        assert response.json() == {
            "errors": [
                {
                    "message": "Request body is larger than 100 bytes.",
                    "extensions": {"code": "PAYLOAD_TOO_LARGE"},
                }
            ]
        }
    assert graph.cluster.counts() == {"users": 0, "messages": 0}


async def test_subscription_over_plain_http_is_refused(
    graph: Graph, router: RunningRouter, client: httpx.AsyncClient
) -> None:
    response = await client.post(
        router.graphql, json={"query": 'subscription { messageAdded(room: "a") { id } }'}
    )

    assert response.json()["errors"][0]["extensions"]["code"] == "BAD_REQUEST"
    assert graph.feed.opened.is_set() is False


async def test_graphiql_is_served_to_browsers(
    router: RunningRouter, client: httpx.AsyncClient
) -> None:
    response = await client.get(
        router.graphql, headers={"accept": "text/html,application/xhtml+xml,*/*;q=0.8"}
    )

    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/html")
    assert "<title>Realio GraphiQL</title>" in response.text
    assert "GraphiQL.createFetcher" in response.text


async def test_cors_preflight_allows_configured_origins_only(
    graph: Graph, client: httpx.AsyncClient
) -> None:
    preflight = {
        "access-control-request-method": "POST",
        "access-control-request-headers": "content-type, authorization",
    }
    async with running_router(graph, cors_origins=["https://app.realio.test"]) as router:
        allowed = await client.options(
            router.graphql, headers={**preflight, "origin": "https://app.realio.test"}
        )
        refused = await client.options(
            router.graphql, headers={**preflight, "origin": "https://evil.test"}
        )

    assert allowed.status_code == 200
    assert allowed.headers["access-control-allow-origin"] == "https://app.realio.test"
    assert "access-control-allow-origin" not in refused.headers


async def test_other_methods_on_graphql_still_go_through_starlette_routing(
    graph: Graph, router: RunningRouter, client: httpx.AsyncClient
) -> None:
    # GET and POST take the router's direct path; anything else must keep Starlette's answers.
    put = await client.put(router.graphql, json={"query": "{ me { id } }"})

    assert put.status_code == 405
    assert set(put.headers["allow"].replace(" ", "").split(",")) == {"GET", "HEAD", "POST"}
    assert graph.cluster.counts() == {"users": 0, "messages": 0}
