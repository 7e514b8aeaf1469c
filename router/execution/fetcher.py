"""HTTP requests to subgraphs over pooled keep-alive connections (``Http1Client``).

Identical fetches in flight at once share one upstream request when the caller says they may
(``shared=True``: the executor does for queries, never for mutations or subscription events):
same subgraph, same request body (operation and variables) and same viewer (the
``authorization`` header). The first one sends it; the others wait for its response bytes,
and each parses them into its own data (a result tree is merged into, so it is never shared).

A failed fetch tells the client which subgraph failed and how, in words of our own (could not
connect, timed out, an HTTP status): never a host, a port or an exception's text, which go to
the log with the request id.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable, Mapping, Sequence
from http import HTTPStatus
from typing import TYPE_CHECKING, Any

import orjson

from router import json_codec
from router.execution.balancing import Upstream, split_urls
from router.execution.http1 import Http1Client, HttpConnectError, HttpFetchError, Response
from router.execution.inflight import InflightGroup
from router.forwarding import REQUEST_ID_HEADER
from router.transport.uploads import (
    ForwardedUpload,
    UploadResponse,
    UploadSender,
    upload_placeholder,
)

_JSON_HEADERS = {
    "content-type": "application/json",
    "accept": "application/graphql-response+json, application/json",
}

if TYPE_CHECKING:
    import httpx


def _httpx() -> Any:
    """httpx (uploads), looked up only when a fetch fails: it is imported with the first
    upload, not at the router's start."""
    import httpx

    return httpx


logger = logging.getLogger("router.execution")

# Told (subgraph, seconds, outcome) after each fetch: outcome is "ok", "graphql_error" (the
# subgraph answered with errors) or "http_error" (no GraphQL answer).
FetchObserver = Callable[[str, float, str], None]


class SubgraphFetchError(Exception):
    """A subgraph could not be reached or answered with something that is not GraphQL.

    ``reason`` is shown to the client; ``detail`` (addresses, exception text) is only logged.
    """

    def __init__(self, service: str, reason: str, detail: str | None = None) -> None:
        super().__init__(f"HTTP fetch failed from '{service}': {reason}")
        self.service = service
        self.reason = reason
        self.detail = detail

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

    Without a ``client`` the fetcher opens its own on the first fetch (inside the running
    loop) and closes it in :meth:`aclose`; a client given here or to :meth:`use_client`
    belongs to the caller.
    """

    def __init__(
        self,
        urls: Mapping[str, str | Sequence[str]],
        client: Http1Client | None = None,
        *,
        timeout: float = 10.0,
        per_subgraph_timeouts: Mapping[str, float] | None = None,
    ) -> None:
        # Each subgraph's instances (several URLs: balanced, see router.execution.balancing).
        self.url_lists: dict[str, list[str]] = {}
        self._targets: dict[str, Upstream | str] = {}
        for name, url in urls.items():
            try:
                found = self.url_lists[name] = split_urls(url)
                if found:
                    self._targets[name] = Upstream(found)
            except ValueError as exc:  # reported on use: the other subgraphs still serve
                self._targets[name] = str(exc)
        self.urls = {name: found[0] for name, found in self.url_lists.items() if found}
        self.timeouts = {
            name: per_subgraph_timeouts.get(name, timeout) if per_subgraph_timeouts else timeout
            for name in urls
        }
        self.default_timeout = timeout
        self._client = client
        self._owned_client: Http1Client | None = None
        self.observer: FetchObserver | None = None
        # Multipart requests (file uploads) go through httpx, opened on the first upload.
        self.uploads: UploadSender | None = None
        # Shared fetches in flight: (subgraph, body, viewer) → the exchange.
        self._inflight: InflightGroup[Response] = InflightGroup()
        self.upstream_requests = 0  # requests sent to subgraphs

    @property
    def shared_fetches(self) -> int:
        """Fetches answered by a request another fetch sent."""
        return self._inflight.joined

    def upstream(self, service: str) -> Upstream | None:
        """The instances of ``service`` (``None`` without a valid URL)."""
        found = self._targets.get(service)
        return found if isinstance(found, Upstream) else None

    def use_client(self, client: Http1Client) -> None:
        """Fetch through ``client`` from now on; the caller closes it."""
        self._client = client

    def _client_for_fetch(self) -> Http1Client:
        if self._client is None:
            self._owned_client = self._client = Http1Client()
        return self._client

    def _upload_sender(self) -> UploadSender:
        if self.uploads is None:
            self.uploads = UploadSender()
        return self.uploads

    def upload_client(self) -> httpx.AsyncClient:
        """The httpx client of uploads, also used to proxy subgraphs' ``/files`` routes."""
        return self._upload_sender().client

    async def aclose(self) -> None:
        """Close the clients the fetcher opened itself, if any."""
        if self.uploads is not None:
            await self.uploads.aclose()
            self.uploads = None
        if self._owned_client is not None:
            await self._owned_client.aclose()
            if self._client is self._owned_client:
                self._client = None
            self._owned_client = None

    async def fetch(
        self,
        service: str,
        query: str,
        variables: Mapping[str, Any] | None,
        headers: Mapping[str, str],
        operation_name: str | None = None,
        *,
        shared: bool = False,
    ) -> dict[str, Any]:
        """Send one operation; returns the subgraph's GraphQL response (``data``/``errors``).

        ``shared``: the operation is read-only, so an identical fetch in flight for the same
        viewer may answer it (see the module's docstring).
        """
        observer = self.observer
        started = time.perf_counter() if observer is not None else 0.0
        try:
            payload = await self._fetch(service, query, variables, headers, operation_name, shared)
        except SubgraphFetchError as error:
            logger.warning(
                "fetch from subgraph %s failed (request %s): %s",
                service,
                headers.get(REQUEST_ID_HEADER, "-"),
                error.detail or error.reason,
            )
            if observer is not None:
                observer(service, time.perf_counter() - started, "http_error")
            raise
        if observer is not None:
            outcome = "graphql_error" if payload.get("errors") else "ok"
            observer(service, time.perf_counter() - started, outcome)
        return payload

    async def _fetch(
        self,
        service: str,
        query: str,
        variables: Mapping[str, Any] | None,
        headers: Mapping[str, str],
        operation_name: str | None,
        shared: bool = False,
    ) -> dict[str, Any]:
        target = self._targets.get(service)
        if target is None:
            raise SubgraphFetchError(service, "no URL configured for this subgraph")
        if isinstance(target, str):
            raise SubgraphFetchError(service, "its URL is invalid", target)
        body: dict[str, Any] = {"query": query}
        if variables:
            body["variables"] = variables
        if operation_name:
            body["operationName"] = operation_name
        request_headers = {**_JSON_HEADERS, **headers} if headers else _JSON_HEADERS
        seconds = self.timeouts.get(service, self.default_timeout)
        uploads: list[ForwardedUpload] = []
        encoded = json_codec.dumps(body, default=upload_placeholder(uploads))
        try:
            if uploads:
                self.upstream_requests += 1
                async with asyncio.timeout(seconds):
                    response: Response | UploadResponse = await self._upload_sender().post(
                        target.next_url(), body, headers, seconds
                    )
            elif shared:
                response = await self._shared_post(
                    service, target, encoded, request_headers, seconds
                )
            else:
                self.upstream_requests += 1
                async with asyncio.timeout(seconds):
                    response = await self._post(target, encoded, request_headers)
        except TimeoutError:
            raise SubgraphFetchError(service, f"timed out after {seconds:g}s") from None
        except (HttpFetchError, _httpx().HTTPError) as error:
            detail = f"{type(error).__name__}: {error}"
            connect = isinstance(error, _httpx().ConnectError) or str(error).startswith(
                "cannot connect"
            )
            reason = "could not connect" if connect else "bad response"
            raise SubgraphFetchError(service, reason, detail) from None
        try:
            payload = orjson.loads(response.body)
        except orjson.JSONDecodeError:
            payload = None
        if not isinstance(payload, dict) or ("data" not in payload and "errors" not in payload):
            # The standard phrase, not the subgraph's own reason text.
            try:
                reason = f"{response.status} {HTTPStatus(response.status).phrase}"
            except ValueError:
                reason = f"HTTP {response.status}"
            if response.status == 200:
                reason = "the response is not a GraphQL response"
            raise SubgraphFetchError(service, reason, f"{response.status} {response.reason}")
        return payload

    async def _post(
        self, upstream: Upstream, encoded: bytes, headers: Mapping[str, str]
    ) -> Response:
        """POST to one instance of the subgraph: the only one, or the one ``choose`` picks;
        an instance that refuses the connection is left out for a while and the request,
        never sent, goes to the next one."""
        client = self._client_for_fetch()
        single = upstream.single
        if single is not None:
            return await client.post(single, encoded, headers)
        tried: frozenset[int] = frozenset()
        while True:
            index = upstream.choose(tried)
            upstream.inflight[index] += 1
            try:
                response = await client.post(upstream.targets[index], encoded, headers)
            except HttpConnectError:
                upstream.mark_down(index)
                tried |= {index}
                if len(tried) >= len(upstream):
                    raise
                continue
            finally:
                upstream.inflight[index] -= 1
            if upstream.down_until[index]:
                upstream.mark_up(index)
            return response

    async def _shared_post(
        self,
        service: str,
        target: Upstream,
        encoded: bytes,
        headers: Mapping[str, str],
        seconds: float,
    ) -> Response:
        """POST ``encoded``, or wait for the identical request in flight for the same viewer.

        The exchange has its own timeout, so a waiter that goes away does not fail the others.
        """
        key = (service, encoded, headers.get("authorization"))

        async def exchange() -> Response:
            self.upstream_requests += 1
            async with asyncio.timeout(seconds):
                return await self._post(target, encoded, headers)

        async with asyncio.timeout(seconds):
            return await self._inflight.run(key, exchange)
