"""HTTP requests to subgraphs over a pooled keep-alive ``aiohttp.ClientSession``."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import aiohttp
import orjson
from yarl import URL

_JSON_HEADERS = {
    "content-type": "application/json",
    "accept": "application/graphql-response+json, application/json",
}
# Below the 5 s idle timeout of uvicorn (and most servers), so the router drops an idle
# connection before the subgraph does and never sends a request on one being closed: a POST
# is not retried on a fresh connection, since a mutation must not run twice.
KEEPALIVE_SECONDS = 4.0


def new_session(*, max_connections: int = 200, timeout: float = 10.0) -> aiohttp.ClientSession:
    """A pooled keep-alive session for subgraph fetches; create it inside the running loop.

    TCP_NODELAY is aiohttp's default, so small requests are not held back by Nagle's
    algorithm. Cookies are never stored: a ``Set-Cookie`` from a subgraph must not travel
    with the next client's request.
    """
    connector = aiohttp.TCPConnector(
        limit=max_connections, limit_per_host=0, keepalive_timeout=KEEPALIVE_SECONDS
    )
    return aiohttp.ClientSession(
        connector=connector,
        timeout=aiohttp.ClientTimeout(total=timeout),
        cookie_jar=aiohttp.DummyCookieJar(),
        trust_env=False,  # subgraphs are reached directly, never through an HTTP proxy
    )


class SubgraphFetchError(Exception):
    """A subgraph could not be reached or answered with something that is not GraphQL."""

    def __init__(self, service: str, reason: str) -> None:
        super().__init__(f"HTTP fetch failed from '{service}': {reason}")
        self.service = service
        self.reason = reason

    def to_graphql_error(self) -> dict[str, Any]:
        """The error as it appears in the client's response."""
        return {
            "message": str(self),
            "extensions": {
                "code": "SUBREQUEST_HTTP_ERROR",
                "service": self.service,
                "reason": self.reason,
            },
        }


class SubgraphFetcher:
    """Posts GraphQL requests to subgraphs by name.

    Without a ``session`` the fetcher opens its own on the first fetch (inside the running
    loop) and closes it in :meth:`aclose`; a session given here or to :meth:`use_session`
    belongs to the caller.
    """

    def __init__(
        self,
        urls: Mapping[str, str],
        session: aiohttp.ClientSession | None = None,
        *,
        timeout: float = 10.0,
        per_subgraph_timeouts: Mapping[str, float] | None = None,
    ) -> None:
        self.urls = dict(urls)
        # Parsed once: aiohttp would otherwise parse the URL string on every request.
        self._parsed_urls = {name: URL(url) for name, url in self.urls.items() if url}
        self.timeouts = {
            name: per_subgraph_timeouts.get(name, timeout) if per_subgraph_timeouts else timeout
            for name in urls
        }
        self.default_timeout = timeout
        self._client_timeouts = {
            name: aiohttp.ClientTimeout(total=value) for name, value in self.timeouts.items()
        }
        self._session = session
        self._owned_session: aiohttp.ClientSession | None = None

    def use_session(self, session: aiohttp.ClientSession) -> None:
        """Fetch through ``session`` from now on; the caller closes it."""
        self._session = session

    def _session_for_fetch(self) -> aiohttp.ClientSession:
        if self._session is None:
            self._owned_session = self._session = new_session(timeout=self.default_timeout)
        return self._session

    async def aclose(self) -> None:
        """Close the session the fetcher opened itself, if any."""
        if self._owned_session is not None:
            await self._owned_session.close()
            if self._session is self._owned_session:
                self._session = None
            self._owned_session = None

    async def fetch(
        self,
        service: str,
        query: str,
        variables: Mapping[str, Any] | None,
        headers: Mapping[str, str],
        operation_name: str | None = None,
    ) -> dict[str, Any]:
        """Send one operation; returns the subgraph's GraphQL response (``data``/``errors``)."""
        url = self._parsed_urls.get(service)
        if url is None:
            raise SubgraphFetchError(service, "no URL configured for this subgraph")
        body: dict[str, Any] = {"query": query}
        if variables:
            body["variables"] = variables
        if operation_name:
            body["operationName"] = operation_name
        request_headers = {**_JSON_HEADERS, **headers} if headers else _JSON_HEADERS
        client_timeout = self._client_timeouts.get(service)
        try:
            async with self._session_for_fetch().post(
                url, data=orjson.dumps(body), headers=request_headers, timeout=client_timeout
            ) as response:
                content = await response.read()
                status, status_text = response.status, response.reason or ""
        except TimeoutError:  # aiohttp's timeouts (total, connect, read) are all TimeoutErrors
            seconds = self.timeouts.get(service, self.default_timeout)
            raise SubgraphFetchError(service, f"timed out after {seconds:g}s") from None
        except aiohttp.ClientError as error:
            raise SubgraphFetchError(service, f"{type(error).__name__}: {error}") from None
        try:
            payload = orjson.loads(content)
        except orjson.JSONDecodeError:
            payload = None
        if not isinstance(payload, dict) or ("data" not in payload and "errors" not in payload):
            reason = f"{status} {status_text}".strip()
            if status == 200:
                reason = "the response is not a GraphQL response"
            raise SubgraphFetchError(service, reason)
        return payload
