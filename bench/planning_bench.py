"""Query planning time: a 20-field query over 5 subgraphs, cold and cached.

    python -m bench.planning_bench [--repeat 200]

The supergraph is composed (by our composer) from five small subgraphs: listings, users,
pricing, reviews and media, with entity jumps between them, a value type shared by two of
them, a @requires and a @provides. The query selects 20 fields spread over all five.

- cold, first plan: a freshly parsed supergraph plans the operation once (per-supergraph
  lookups filled on the way), as after a router start or a supergraph reload;
- uncached plan: ``plan_operation`` again and again on the loaded supergraph (what each new
  operation costs);
- cached: ``Gateway.prepare`` for an operation whose plan is cached (parse/validate cache and
  plan cache hits: what every repeated operation costs).

Figures are CPU time (``time.process_time``) per plan; the load average is printed with them.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from typing import Any

from graphql import OperationDefinitionNode, parse

from router.composition.compose import compose
from router.composition.model import SubgraphDefinition
from router.gateway import Gateway, GatewayRequest
from router.planning.prepare import plan_operation
from router.supergraph import parse_supergraph

LINK = (
    'extend schema @link(url: "https://specs.apollo.dev/federation/v2.3", '
    'import: ["@key", "@shareable", "@external", "@provides", "@requires"])\n'
)
SUBGRAPHS = {
    "listings": """
type Query { listings(first: Int): [Listing] topListing: Listing }
type Listing @key(fields: "id") {
  id: ID! title: String city: String bedrooms: Int area: Float
  owner: User @provides(fields: "name")
  address: Address @shareable
}
type Address @shareable { street: String zip: String }
type User @key(fields: "id") { id: ID! name: String @external }
""",
    "users": """
type Query { me: User }
type User @key(fields: "id") { id: ID! name: String @shareable email: String phone: String }
""",
    "pricing": """
type Listing @key(fields: "id") {
  id: ID! area: Float @external
  price: Int currency: String
  pricePerSquareMetre: Float @requires(fields: "area")
}
""",
    "reviews": """
type Listing @key(fields: "id") { id: ID! reviews: [Review] rating: Float }
type Review @key(fields: "id") { id: ID! body: String stars: Int author: User }
type User @key(fields: "id") { id: ID! }
""",
    "media": """
type Listing @key(fields: "id") { id: ID! photos: [Photo] address: Address @shareable }
type Photo { url: String width: Int }
type Address @shareable { street: String zip: String }
""",
}
QUERY = """
query Search {
  listings(first: 10) {
    id title city bedrooms area
    owner { name email phone }
    address { street zip }
    price currency pricePerSquareMetre
    rating
    reviews { body stars author { name phone } }
    photos { url width }
  }
}
"""  # 20 leaf fields from listings, users, pricing, reviews and media


def supergraph_sdl() -> str:
    result = compose(
        [
            SubgraphDefinition(name, f"http://{name}.test/graphql", LINK + sdl)
            for name, sdl in SUBGRAPHS.items()
        ]
    )
    if not result.ok or result.supergraph_sdl is None:
        raise SystemExit(f"composition failed: {result.errors}")
    return result.supergraph_sdl


def _plan(sdl_or_supergraph: Any) -> Any:
    document = parse(QUERY)
    operation = document.definitions[0]
    assert isinstance(operation, OperationDefinitionNode)
    return plan_operation(sdl_or_supergraph, document, operation)


def _summary(samples: list[float]) -> str:
    ordered = sorted(samples)
    p95 = ordered[min(len(ordered) - 1, int(len(ordered) * 0.95))]
    return (
        f"median {statistics.median(ordered) * 1e6:9.1f} µs   p95 {p95 * 1e6:9.1f} µs   "
        f"N {len(ordered)}"
    )


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.planning_bench")
    parser.add_argument("--repeat", type=int, default=200, help="timed plans per case")
    args = parser.parse_args(argv)
    load = " ".join(f"{x:.2f}" for x in os.getloadavg())
    print(__doc__.strip().splitlines()[0])
    print(f"load average at start: {load} ({os.cpu_count()} CPUs)")
    sdl = supergraph_sdl()
    plan = _plan(parse_supergraph(sdl))
    services = sorted({f.service for f in plan.fetch_nodes})
    print(f"plan: {len(plan.fetch_nodes)} fetches to {services}")

    cold: list[float] = []
    for _ in range(max(5, args.repeat // 20)):
        supergraph = parse_supergraph(sdl)
        started = time.process_time()
        _plan(supergraph)
        cold.append(time.process_time() - started)
    supergraph = parse_supergraph(sdl)
    _plan(supergraph)
    uncached: list[float] = []
    for _ in range(args.repeat):
        started = time.process_time()
        _plan(supergraph)
        uncached.append(time.process_time() - started)
    gateway = Gateway(sdl)
    request = GatewayRequest(QUERY, None, None, {})
    gateway.prepare(request)
    cached: list[float] = []
    for _ in range(args.repeat * 10):
        started = time.process_time()
        gateway.prepare(request)
        cached.append(time.process_time() - started)
    print(f"cold, first plan    {_summary(cold)}")
    print(f"uncached plan       {_summary(uncached)}")
    print(f"cached (prepare)    {_summary(cached)}")
    print(f"load average at end: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
