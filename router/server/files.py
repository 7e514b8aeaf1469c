"""``GET /files/{subgraph}/{key}``: uploaded files under the router's public URL.

Subgraphs name their files ``{public_files_url}/{subgraph}/{key}`` (``REALIO_PUBLIC_FILES_URL``
is the router's ``/files``); the router streams each from that subgraph's own ``/files/{key}``
route, found from the subgraph's URL in the supergraph. Only the headers that describe the file
come back; anything unknown is a 404.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

from starlette.background import BackgroundTask
from starlette.requests import Request
from starlette.responses import JSONResponse, Response, StreamingResponse

from common.storage import check_key
from router.server.operation import RouterState

PASSED_HEADERS = (
    "content-type",
    "content-length",
    "content-encoding",
    "cache-control",
    "etag",
    "last-modified",
)


def _httpx() -> Any:
    """httpx, imported when a file is proxied (the router starts without it)."""
    import httpx

    return httpx


def _not_found() -> Response:
    return JSONResponse({"error": "not found"}, status_code=404)


def files_base_url(graphql_url: str) -> str:
    """A subgraph's ``/files`` URL from its GraphQL URL (``http://h:4001/graphql``)."""
    base = graphql_url.rstrip("/")
    if base.endswith("/graphql"):
        base = base[: -len("/graphql")]
    return base + "/files"


async def serve_file(request: Request) -> Response:
    """Stream one file from the subgraph that stored it."""
    state: RouterState = request.app.state.router
    subgraph = request.path_params["subgraph"]
    key = request.path_params["key"]
    url = state.gateway.subgraph_urls.get(subgraph)
    try:
        check_key(key)
    except ValueError:
        return _not_found()
    if not url:
        return _not_found()
    client = state.gateway.fetcher.upload_client()
    upstream = client.build_request("GET", f"{files_base_url(url)}/{key}")
    try:
        response = await client.send(upstream, stream=True)
    except _httpx().HTTPError:
        return JSONResponse({"error": "file service unavailable"}, status_code=502)
    if response.status_code != 200:
        await response.aclose()
        return _not_found() if response.status_code == 404 else Response(status_code=502)
    headers = {name: response.headers[name] for name in PASSED_HEADERS if name in response.headers}
    headers["x-content-type-options"] = "nosniff"

    async def body() -> AsyncIterator[bytes]:
        async for chunk in response.aiter_raw():
            yield chunk

    return StreamingResponse(body(), headers=headers, background=BackgroundTask(response.aclose))
