"""Router start-up: seconds from process start until ``/health`` answers 200.

    python -m bench.startup_bench [--runs 5] [--supergraph FILE ...]

Starts ``python -m router`` on a free loopback port, ``--runs`` times per supergraph (a small
two-subgraph one from the router's pattern fixtures and the product's own by default), and
polls ``/health`` every 10 ms until it answers. Also says whether the interpreter may write
bytecode caches: without them (``PYTHONDONTWRITEBYTECODE`` set and nothing compiled at
install) every start compiles each module from source again. Prints figures only.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import socket
import statistics
import sys
import time
from pathlib import Path

import aiohttp

ROOT = Path(__file__).resolve().parent.parent
SMALL = ROOT / "tests/router/patterns/fixtures/shaping/supergraph.reference.graphql"
FULL = ROOT / "schema/supergraph.graphql"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


async def _healthy_after(supergraph: Path, http: aiohttp.ClientSession) -> float:
    port = _free_port()
    started = time.perf_counter()
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "router",
        "--supergraph",
        str(supergraph),
        "--port",
        str(port),
        "--log-level",
        "warning",
        stdout=asyncio.subprocess.DEVNULL,
        stderr=asyncio.subprocess.DEVNULL,
    )
    try:
        async with asyncio.timeout(60):
            while True:
                if process.returncode is not None:
                    raise RuntimeError(f"the router exited with {process.returncode}")
                try:
                    async with http.get(f"http://127.0.0.1:{port}/health") as response:
                        if response.status == 200:
                            return time.perf_counter() - started
                except aiohttp.ClientConnectionError:
                    pass
                await asyncio.sleep(0.01)  # polling another process's start: nothing to await
    finally:
        process.terminate()
        await process.wait()


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--supergraph", type=Path, nargs="*", default=[SMALL, FULL])
    args = parser.parse_args()
    writes = "off" if os.environ.get("PYTHONDONTWRITEBYTECODE") else "on"
    print(f"load average {os.getloadavg()[0]:.2f}; bytecode cache writes {writes}")
    async with aiohttp.ClientSession() as http:
        for supergraph in args.supergraph:
            times = [await _healthy_after(supergraph, http) for _ in range(args.runs)]
            print(
                f"router healthy after start, {supergraph.relative_to(ROOT)} "
                f"({args.runs} runs): median {statistics.median(times):.2f} s, "
                f"max {max(times):.2f} s (budget ≤ 1 s, small supergraph)"
            )


if __name__ == "__main__":
    asyncio.run(main())
