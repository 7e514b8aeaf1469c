"""``python -m common.healthcheck``: the container health check of every Realio process.

One image runs every process, so the check finds out which one this container runs from the
command line of its main process (``/proc/1/cmdline``; ``--pid`` names another process):
``python -m subgraphs.<name>`` or ``uvicorn subgraphs.<name>.app:…`` is probed on the
subgraph's port (``REALIO_SUBGRAPH_PORTS``), ``python -m router … --port N`` on N (else
``REALIO_ROUTER_PORT``). It exits 0 when ``/health`` answers 200, 1 otherwise; a one-shot
command (``python -m common.migrate``) has no server and is healthy while it runs.
"""

from __future__ import annotations

import argparse
import re
import sys
import urllib.error
import urllib.request
from pathlib import Path

from common.config import Settings, get_settings

_SUBGRAPH = re.compile(r"^subgraphs\.(\w+)(?:\.app:\w+)?$")


def health_url(argv: list[str], settings: Settings) -> str | None:
    """The ``/health`` URL of the Realio server started by ``argv``; None for a one-shot."""
    port: int | None = None
    for index, arg in enumerate(argv):
        if arg == "--port" and index + 1 < len(argv):
            port = int(argv[index + 1])
    for arg in argv:
        match = _SUBGRAPH.match(arg)
        if match:
            return f"http://127.0.0.1:{port or settings.subgraph_ports[match.group(1)]}/health"
    if "router" in argv and not {"compose", "plan"} & set(argv):
        return f"http://127.0.0.1:{port or settings.router_port}/health"
    return None


def command_line(pid: int) -> list[str]:
    raw = Path(f"/proc/{pid}/cmdline").read_bytes()
    return [part.decode() for part in raw.split(b"\0") if part]


def probe(url: str, timeout: float = 3.0) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=timeout) as response:
            return bool(response.status == 200)
    except (urllib.error.URLError, OSError):
        return False


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m common.healthcheck", description=__doc__)
    parser.add_argument("--pid", type=int, default=1, help="the process to check (default 1)")
    args = parser.parse_args(argv)
    url = health_url(command_line(args.pid), get_settings())
    if url is None:
        return 0
    healthy = probe(url)
    print(f"{url}: {'healthy' if healthy else 'not answering'}")
    return 0 if healthy else 1


if __name__ == "__main__":
    sys.exit(main())
