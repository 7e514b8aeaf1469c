"""The router's own CPU per cached request, without the network.

    python -m bench.gateway_overhead_bench [--requests 20000] [--fetches 2000]

Gateway: ``Gateway.prepare`` + ``Gateway.execute`` in a loop on this process's event loop,
with a fetcher that answers every subgraph request from canned responses, so what is timed
is the router's work alone: plan-cache lookup, variable handling, building subgraph
requests, merging and shaping the response. The plan is cached by a warm-up, as it is for
every repeated operation in production. Figures are CPU time (``time.process_time``) per
request, so other processes on the machine inflate them less than wall-clock time would.

App: the same, through the router's ASGI app (``create_app``: parameters, limits, headers,
JSON in and out, Starlette routing and middleware) called directly, without a server.

Fetcher: ``SubgraphFetcher.fetch`` against a real subgraph on loopback (served by a child
process, so its CPU is not counted): the CPU this process spends per subgraph request in
the HTTP client (encode, send, parse the response, decode JSON).
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import time
from collections.abc import Awaitable, Callable, Mapping, MutableMapping
from typing import Any

import orjson

from bench.router_bench import (
    ENTITY_IDS,
    PRODUCT_COUNT,
    SINGLE_QUERY,
    SPANNING_QUERY,
    SUPERGRAPH,
    _start_subgraphs,
)
from router.config import RouterSettings
from router.execution.fetcher import SubgraphFetcher
from router.gateway import Gateway, GatewayRequest
from router.server.app import create_app


def _product(product_id: str) -> dict[str, Any]:
    return {"id": product_id, "name": f"Product {product_id}", "price": int(product_id) * 3}


# What the bench subgraphs answer, built once: the timed loop must not pay for them.
CANNED: dict[str, dict[str, Any]] = {
    "products:single": {"data": {"product": _product("7")}},
    "products:spanning": {
        "data": {"topProducts": [{**_product(i), "__typename": "Product"} for i in ENTITY_IDS]}
    },
    "inventory": {
        "data": {"_entities": [{"inStock": int(i) % 2 == 0} for i in ENTITY_IDS]},
    },
    "reviews": {"data": {"_entities": [{"reviewCount": int(i) % 7} for i in ENTITY_IDS]}},
}


class CannedFetcher(SubgraphFetcher):
    """Answers from :data:`CANNED` instead of the network; counts the requests it answers."""

    def __init__(self) -> None:  # no HTTP client: nothing leaves the process
        self.requests = 0

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
        self.requests += 1
        if service == "products":
            return CANNED["products:spanning" if "topProducts" in query else "products:single"]
        return CANNED[service]

    async def aclose(self) -> None:  # nothing was opened
        return None


async def _cpu_per_call(call: Callable[[], Awaitable[None]], count: int) -> float:
    """Seconds of this process's CPU per ``call()``, after a warm-up."""
    for _ in range(min(500, count // 10)):
        await call()
    start = time.process_time()
    for _ in range(count):
        await call()
    return (time.process_time() - start) / count


async def _gateway_figures(requests: int) -> None:
    gateway = Gateway(SUPERGRAPH)
    fetcher = CannedFetcher()
    gateway.fetcher = fetcher
    headers = {"authorization": "Bearer bench", "x-request-id": "bench"}
    cases = [
        ("single-subgraph query", SINGLE_QUERY, requests, 1),
        (f"3 subgraphs, {PRODUCT_COUNT} entities", SPANNING_QUERY, max(200, requests // 20), 3),
    ]
    for name, query, count, fetches in cases:
        request = GatewayRequest(query, headers=headers)

        async def call(request: GatewayRequest = request) -> None:
            result = await gateway.execute(gateway.prepare(request), request)
            if "errors" in result:
                raise RuntimeError(f"unexpected errors: {result['errors']}")

        fetcher.requests = 0
        cpu = await _cpu_per_call(call, count)
        per_request = fetcher.requests / (count + min(500, count // 10))
        assert per_request == fetches, (name, per_request)
        print(f"gateway  {name:<34}{count:>8}{cpu * 1e6:>12.1f} µs CPU/request")
    await gateway.aclose()


async def _app_figures(requests: int) -> None:
    gateway = Gateway(SUPERGRAPH)
    gateway.fetcher = CannedFetcher()
    settings = RouterSettings(apq_enabled=False, redis_url=None)
    app = create_app(settings, gateway=gateway)
    body = orjson.dumps({"query": SINGLE_QUERY})
    scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": "POST",
        "scheme": "http",
        "path": "/graphql",
        "raw_path": b"/graphql",
        "root_path": "",
        "query_string": b"",
        "headers": [
            (b"host", b"127.0.0.1:4000"),
            (b"content-type", b"application/json"),
            (b"content-length", str(len(body)).encode()),
            (b"authorization", b"Bearer bench"),
        ],
        "client": ("127.0.0.1", 50000),
        "server": ("127.0.0.1", 4000),
    }
    sent: list[MutableMapping[str, Any]] = []

    async def receive() -> dict[str, Any]:
        return {"type": "http.request", "body": body, "more_body": False}

    async def send(message: MutableMapping[str, Any]) -> None:
        sent.append(message)

    async def call() -> None:
        sent.clear()
        await app(dict(scope), receive, send)
        if sent[0]["status"] != 200 or b'"errors"' in sent[-1]["body"]:
            raise RuntimeError(f"unexpected answer: {sent}")

    cpu = await _cpu_per_call(call, requests)
    name = "single-subgraph query (ASGI)"
    print(f"app      {name:<34}{requests:>8}{cpu * 1e6:>12.1f} µs CPU/request")


async def _fetcher_figures(fetches: int) -> None:
    process, urls = await _start_subgraphs()
    gateway = Gateway(SUPERGRAPH, subgraph_urls=urls)
    try:
        fetcher = gateway.fetcher
        headers = {"authorization": "Bearer bench", "x-request-id": "bench"}

        async def call() -> None:
            answer = await fetcher.fetch("products", SINGLE_QUERY, None, headers)
            if "errors" in answer:
                raise RuntimeError(f"unexpected errors: {answer['errors']}")

        cpu = await _cpu_per_call(call, fetches)
        print(
            f"fetcher  {'one POST to a loopback subgraph':<34}{fetches:>8}{cpu * 1e6:>12.1f}"
            " µs CPU/request"
        )
    finally:
        await gateway.aclose()
        if process.stdin is not None:
            process.stdin.close()
        await asyncio.wait_for(process.wait(), 20)


async def _run(args: argparse.Namespace) -> None:
    print(__doc__.strip().splitlines()[0])
    print(f"{'what':<9}{'case':<34}{'N':>8}{'CPU per request':>28}")
    await _gateway_figures(args.requests)
    await _app_figures(args.requests)
    if args.fetches:
        await _fetcher_figures(args.fetches)


def main(argv: list[str]) -> int:
    """Print the gateway's CPU per cached request and the fetcher's CPU per subgraph request."""
    parser = argparse.ArgumentParser(prog="python -m bench.gateway_overhead_bench")
    parser.add_argument("--requests", type=int, default=20000, help="gateway requests timed")
    parser.add_argument(
        "--fetches", type=int, default=2000, help="subgraph fetches timed (0: skip)"
    )
    args = parser.parse_args(argv)
    try:
        import uvloop

        run: Any = uvloop.run
    except ImportError:
        run = asyncio.run
    run(_run(args))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
