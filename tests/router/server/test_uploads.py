"""Multipart requests at the router: size limit while streaming, malformed requests, placement."""

from __future__ import annotations

import io
from collections.abc import AsyncIterator
from typing import Any

import httpx
import orjson
import pytest

from router.server.uploads import close_uploads
from router.transport.uploads import ForwardedUpload, upload_paths
from tests.router.server.conftest import Graph, RunningRouter, running_router

PREFLIGHT = {"apollo-require-preflight": "true"}
QUERY = "mutation ($file: Upload!) { upload(file: $file) }"


def _form(operations: Any, file_map: Any) -> dict[str, str]:
    return {"operations": orjson.dumps(operations).decode(), "map": orjson.dumps(file_map).decode()}


async def test_body_over_the_upload_limit_is_413_even_when_streamed_without_a_length(
    graph: Graph, client: httpx.AsyncClient
) -> None:
    boundary = "realio-test-boundary"
    head = (
        f'--{boundary}\r\nContent-Disposition: form-data; name="operations"\r\n\r\n'
        + orjson.dumps({"query": QUERY, "variables": {"file": None}}).decode()
        + f'\r\n--{boundary}\r\nContent-Disposition: form-data; name="map"\r\n\r\n'
        + '{"0": ["variables.file"]}'
        + f'\r\n--{boundary}\r\nContent-Disposition: form-data; name="0"; filename="a.bin"\r\n'
        + "Content-Type: application/octet-stream\r\n\r\n"
    ).encode()
    sent = 0

    async def body() -> AsyncIterator[bytes]:
        nonlocal sent
        yield head
        for _ in range(64):  # up to 4 MiB, far past the 64 KiB limit
            sent += 65536
            yield b"x" * 65536

    headers = {**PREFLIGHT, "content-type": f"multipart/form-data; boundary={boundary}"}
    async with running_router(graph, max_upload_bytes=65536) as router:
        try:
            response = await client.post(router.graphql, content=body(), headers=headers)
        except httpx.HTTPError:  # the router may close the connection while the client sends
            pytest.fail("the router closed the connection without answering")

    assert response.status_code == 413
    assert response.json()["errors"][0]["extensions"]["code"] == "PAYLOAD_TOO_LARGE"
    assert graph.cluster.counts() == {"users": 0, "messages": 0}


async def test_declared_length_over_the_limit_is_refused_before_reading(
    graph: Graph, client: httpx.AsyncClient
) -> None:
    async with running_router(graph, max_upload_bytes=1000) as router:
        response = await client.post(
            router.graphql,
            data=_form({"query": QUERY, "variables": {"file": None}}, {"0": ["variables.file"]}),
            files={"0": ("a.bin", b"y" * 5000, "application/octet-stream")},
            headers=PREFLIGHT,
        )

    assert response.status_code == 413


@pytest.mark.parametrize(
    ("data", "files", "message"),
    [
        ({"map": "{}"}, {"0": b"x"}, "no 'operations' field"),
        (_form([{"query": QUERY}], {}), {"0": b"x"}, "batching is not supported"),
        (
            _form({"query": QUERY, "variables": {"file": None}}, {"1": ["variables.file"]}),
            {"0": b"x"},
            "no file '1'",
        ),
        (
            _form({"query": QUERY, "variables": {"file": None}}, {"0": ["variables.other"]}),
            {"0": b"x"},
            "does not point at a null",
        ),
        (
            _form({"query": QUERY, "variables": {"file": None}}, {"0": ["query"]}),
            {"0": b"x"},
            "inside 'variables'",
        ),
        (
            _form({"query": QUERY, "variables": {"file": "set"}}, {"0": ["variables.file"]}),
            {"0": b"x"},
            "does not point at a null",
        ),
        ({"operations": "{not json", "map": "{}"}, {"0": b"x"}, "not valid JSON"),
    ],
    ids=[
        "no-operations",
        "batch",
        "missing-file",
        "wrong-path",
        "outside-variables",
        "not-null",
        "bad-json",
    ],
)
async def test_malformed_multipart_requests_are_bad_requests(
    graph: Graph,
    router: RunningRouter,
    client: httpx.AsyncClient,
    data: dict[str, str],
    files: dict[str, bytes],
    message: str,
) -> None:
    response = await client.post(
        router.graphql,
        data=data,
        files={
            name: ("f.bin", content, "application/octet-stream") for name, content in files.items()
        },
        headers=PREFLIGHT,
    )

    assert response.status_code == 400
    [error] = response.json()["errors"]
    assert error["extensions"]["code"] == "BAD_REQUEST"
    assert message in error["message"]
    assert graph.cluster.counts() == {"users": 0, "messages": 0}


async def test_other_content_types_are_still_415(
    router: RunningRouter, client: httpx.AsyncClient
) -> None:
    response = await client.post(
        router.graphql, content=b"query", headers={"content-type": "text/csv", **PREFLIGHT}
    )

    assert response.status_code == 415
    assert "multipart/form-data" in response.json()["errors"][0]["message"]


def test_upload_paths_finds_files_in_nested_variables() -> None:
    first = ForwardedUpload("a.png", "image/png", io.BytesIO(b"a"))
    second = ForwardedUpload("b.png", "image/png", io.BytesIO(b"b"))
    variables = {"input": {"files": [first, None, second]}, "n": 1}

    assert upload_paths(variables) == [
        ("variables.input.files.0", first),
        ("variables.input.files.2", second),
    ]
    close_uploads({"variables": variables})
    assert first.file.closed and second.file.closed
