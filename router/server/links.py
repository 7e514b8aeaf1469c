"""``GET|POST /links/{subgraph}/{path}``: pages a subgraph serves to people following a link
from an email (the notifications subgraph's one-click unsubscribe, decision 0025).

Like ``/files`` (decision 0009), the router finds the subgraph from its URL in the supergraph
and forwards to that subgraph's own ``/links/{path}``: the subgraph needs no public address of
its own. Paths are plain segments only (no ``.``/``..``, nothing encoded), so a link can never
reach another route of the subgraph; bodies are small forms, capped; only headers describing
the page come back.
"""

from __future__ import annotations

import re

from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from router.server.files import _httpx, files_base_url
from router.server.operation import RouterState

MAX_BODY = 16 * 1024
_PATH = re.compile(r"^[A-Za-z0-9_~-][A-Za-z0-9._~-]*(/[A-Za-z0-9_~-][A-Za-z0-9._~-]*)*$")
PASSED_HEADERS = (
    "content-type",
    "cache-control",
    "content-security-policy",
    "referrer-policy",
    "x-frame-options",
)


def _not_found() -> Response:
    return JSONResponse({"error": "not found"}, status_code=404)


def links_base_url(graphql_url: str) -> str:
    """A subgraph's ``/links`` URL from its GraphQL URL."""
    return files_base_url(graphql_url).removesuffix("/files") + "/links"


async def serve_link(request: Request) -> Response:
    state: RouterState = request.app.state.router
    url = state.gateway.subgraph_urls.get(request.path_params["subgraph"])
    path = request.path_params["path"]
    if not url or not _PATH.match(path):
        return _not_found()
    body = b""
    if request.method == "POST":
        async for chunk in request.stream():
            body += chunk
            if len(body) > MAX_BODY:
                return JSONResponse({"error": "payload too large"}, status_code=413)
    headers = {}
    if "content-type" in request.headers:
        headers["content-type"] = request.headers["content-type"]
    client = state.gateway.fetcher.upload_client()
    try:
        response = await client.request(
            request.method, f"{links_base_url(url)}/{path}", content=body, headers=headers
        )
    except _httpx().HTTPError:
        return JSONResponse({"error": "link service unavailable"}, status_code=502)
    if response.status_code >= 500:
        return Response(status_code=502)
    passed = {name: response.headers[name] for name in PASSED_HEADERS if name in response.headers}
    passed["x-content-type-options"] = "nosniff"
    return Response(response.content, status_code=response.status_code, headers=passed)
