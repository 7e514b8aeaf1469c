"""How long the router takes to accept or refuse pathological operation shapes.

    python -m bench.limits_bench [--repeat 5]

Each shape goes through what the router runs before execution (``prepare_operation``:
persisted-query lookup, limits, parse, validation, planning) with the default settings and
the real supergraph, on a fresh router state each time so no cache helps. Printed: the shape,
its size in bytes, the outcome (the error code, or ``accepted``) and the median wall-clock
milliseconds. Nothing reaches a subgraph: a query is prepared, never executed.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import time
from collections.abc import Callable
from pathlib import Path

from router.config import RouterSettings
from router.server.app import create_app
from router.server.errors import RequestError
from router.server.operation import RouterState, prepare_operation

SUPERGRAPH = Path("schema/supergraph.graphql").read_text()


def nested_spreads(levels: int, type_name: str = "User", root: str = "{ me { ...F0 } }") -> str:
    """``levels`` fragments, each spreading the next twice: 2^levels spreads of the last."""
    fragments = [
        f"fragment F{i} on {type_name} {{ ...F{i + 1} ...F{i + 1} }}" for i in range(levels)
    ]
    fragments.append(f"fragment F{levels} on {type_name} {{ id }}")
    return root + "\n" + "\n".join(fragments)


def root_spreads(levels: int) -> str:
    """The same chain on the query type, spread at the root."""
    fragments = [f"fragment F{i} on Query {{ ...F{i + 1} ...F{i + 1} }}" for i in range(levels)]
    fragments.append(f"fragment F{levels} on Query {{ __typename }}")
    return "{ ...F0 }\n" + "\n".join(fragments)


def sibling_fragments(count: int) -> str:
    """``count`` distinct fragments spread side by side (pairwise overlap checks)."""
    spreads = " ".join(f"...A{i}" for i in range(count))
    fragments = "\n".join(f"fragment A{i} on User {{ id name }}" for i in range(count))
    return f"{{ me {{ {spreads} }} }}\n{fragments}"


def repeated_fields(count: int) -> str:
    """One connection selected ``count`` times under the same response name."""
    return "{ me { " + "listings(first: 1) { edges { node { id } } } " * count + "} }"


LISTING = "id title description type address bedrooms bathrooms toilets latitude longitude"


def wide_accepted(count: int) -> str:
    """``count`` repeats of a connection with ten fields per node, across fragments."""
    spreads = " ".join(f"...L{i}" for i in range(count))
    fragments = "\n".join(
        f"fragment L{i} on User {{ listings(first: 1) {{ edges {{ node {{ {LISTING} }} }} }} }}"
        for i in range(count)
    )
    return f"{{ me {{ {spreads} }} }}\n{fragments}"


def flat_fields(count: int) -> str:
    return "{ me { " + "id " * count + "} }"


SHAPES: dict[str, Callable[[], str]] = {
    "2^16 nested spreads under me": lambda: nested_spreads(16),
    "2^29 nested spreads under me": lambda: nested_spreads(29),
    "2^16 nested spreads at the root": lambda: root_spreads(16),
    "2^29 nested spreads at the root": lambda: root_spreads(29),
    "8 nested levels (256 spreads)": lambda: nested_spreads(8),
    "400 sibling fragments": lambda: sibling_fragments(400),
    "490 sibling fragments": lambda: sibling_fragments(490),
    "400 repeated connection fields": lambda: repeated_fields(400),
    "499 repeated connection fields": lambda: repeated_fields(499),
    "1990 flat fields": lambda: flat_fields(1990),
    "50 fragments of 13 fields (accepted)": lambda: wide_accepted(50),
    "50 repeated connections (accepted)": lambda: repeated_fields(50),
    "5000 flat fields": lambda: flat_fields(5000),
}


async def _prepare_once(query: str) -> tuple[str, float]:
    app = create_app(RouterSettings(apq_enabled=False), supergraph_sdl=SUPERGRAPH)
    state: RouterState = app.state.router
    started = time.perf_counter()
    try:
        await prepare_operation(state, {"query": query}, {})
        outcome = "accepted"
    except RequestError as refused:
        outcome = refused.errors[0]["extensions"]["code"]
    elapsed = (time.perf_counter() - started) * 1000
    await state.gateway.aclose()
    return outcome, elapsed


async def main(repeat: int) -> None:
    print(f"{'shape':36} {'bytes':>6}  {'outcome':32} {'ms (median)':>11}")
    for name, build in SHAPES.items():
        query = build()
        timings = []
        outcome = ""
        for _ in range(repeat):
            outcome, elapsed = await _prepare_once(query)
            timings.append(elapsed)
        median = statistics.median(timings)
        print(f"{name:36} {len(query.encode()):>6}  {outcome:32} {median:>11.1f}", flush=True)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=5)
    asyncio.run(main(parser.parse_args().repeat))
