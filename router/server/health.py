"""``/health`` (the process answers) and ``/ready`` (every subgraph answers ``{ __typename }``).

``/ready`` is public: it names the subgraphs that fail and says how in our own words (could
not connect, timed out, an HTTP status), never with a host, a port or an exception's text;
those go to the log with the request id.
"""

from __future__ import annotations

import asyncio
import logging
from typing import TYPE_CHECKING

import orjson
from starlette.requests import Request
from starlette.responses import Response

from router.forwarding import REQUEST_ID_HEADER

if TYPE_CHECKING:
    import aiohttp

PROBE = orjson.dumps({"query": "{ __typename }"})
logger = logging.getLogger("router.server")


def build_probe_client() -> aiohttp.ClientSession:
    """The session of the ``/ready`` probes, apart from the gateway's pool. Opened by the
    first probe: aiohttp is imported then, not at start (serving does not need it)."""
    import aiohttp

    return aiohttp.ClientSession(
        connector=aiohttp.TCPConnector(limit=20),
        cookie_jar=aiohttp.DummyCookieJar(),
        trust_env=False,
    )


async def health(request: Request) -> Response:
    """Liveness: answering at all is the proof."""
    return Response(orjson.dumps({"status": "ok"}), media_type="application/json")


async def _probe(
    client: aiohttp.ClientSession, name: str, url: str, timeout: float, request_id: str
) -> str | None:
    """``None`` when the subgraph answers the probe, else why not (fit for the public)."""
    import aiohttp  # already imported by the session: a lookup

    try:
        async with client.post(
            url,
            data=PROBE,
            headers={"content-type": "application/json", "accept": "application/json"},
            timeout=aiohttp.ClientTimeout(total=timeout),
        ) as response:
            status = response.status
            content = await response.read()
    except TimeoutError:
        return f"timed out after {timeout:g}s"
    except aiohttp.ClientError as exc:
        logger.warning("readiness probe of %s failed (request %s): %r", name, request_id, exc)
        if isinstance(exc, aiohttp.ClientConnectorError):
            return "could not connect"
        return "bad response"
    if status != 200:
        return f"HTTP {status}"
    try:
        body = orjson.loads(content)
    except orjson.JSONDecodeError:
        return "response is not JSON"
    data = body.get("data") if isinstance(body, dict) else None
    if not isinstance(data, dict) or not isinstance(data.get("__typename"), str):
        return "no __typename in the response"
    return None


async def ready(request: Request) -> Response:
    """Readiness: 200 when every subgraph answers, else 503 naming those that do not.

    A subgraph with several instances (decision 0038) is ready when one of them answers; each
    instance's answer is listed under ``instances`` (in the order of its URLs), and a subgraph
    with some of them down is listed under ``degraded``.
    """
    state = request.app.state
    url_lists = dict(state.router.gateway.subgraph_url_lists)
    timeout = state.router.settings.ready_timeout
    names = sorted(url_lists)
    request_id = request.headers.get(REQUEST_ID_HEADER) or "-"
    if state.probe_client is None:
        state.probe_client = build_probe_client()
    probes = [(name, url) for name in names for url in url_lists[name]]
    answers = await asyncio.gather(
        *(_probe(state.probe_client, name, url, timeout, request_id) for name, url in probes)
    )
    by_subgraph: dict[str, list[str | None]] = {name: [] for name in names}
    for (name, _url), problem in zip(probes, answers, strict=True):
        by_subgraph[name].append(problem)
    subgraphs: dict[str, str] = {}
    for name, problems in by_subgraph.items():
        if not problems:
            subgraphs[name] = "no URL configured"
        elif any(problem is None for problem in problems):
            subgraphs[name] = "ok"
        else:
            subgraphs[name] = problems[0] or "ok"
    unavailable = [name for name, answer in subgraphs.items() if answer != "ok"]
    body: dict[str, object] = {"status": "unavailable" if unavailable else "ready"}
    body["subgraphs"] = subgraphs
    if unavailable:
        body["unavailable"] = unavailable
    several = {name: problems for name, problems in by_subgraph.items() if len(problems) > 1}
    if several:
        body["instances"] = {
            name: [problem or "ok" for problem in problems] for name, problems in several.items()
        }
        degraded = [
            name
            for name, problems in several.items()
            if subgraphs[name] == "ok" and any(problem is not None for problem in problems)
        ]
        if degraded:
            body["degraded_subgraphs"] = degraded
    apq = state.router.apq
    shared = await apq.redis_reachable() if apq is not None else None
    if shared is False:
        # Persisted queries degrade to this router's own cache: reported, not unready.
        body["redis"] = "unreachable"
        body["degraded"] = ["redis"]
    return Response(orjson.dumps(body), 503 if unavailable else 200, media_type="application/json")
