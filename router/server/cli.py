"""``python -m router --supergraph FILE --port N [--host H] [--config FILE]``."""

from __future__ import annotations

import argparse
import sys
from typing import Any

import uvicorn

from common.gc_policy import tune_gc
from common.logging import configure_logging
from router.config import load_settings


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m router", description=__doc__)
    parser.add_argument("--supergraph", help="supergraph SDL file (schema/supergraph.graphql)")
    parser.add_argument("--port", type=int, help="port to listen on (4000)")
    parser.add_argument("--host", help="interface to bind (127.0.0.1)")
    parser.add_argument("--config", help="config file: TOML, JSON or YAML")
    parser.add_argument("--log-level", default="info", help="uvicorn log level (info)")
    return parser


def main(argv: list[str]) -> int:
    """Serve until interrupted; returns the process exit status."""
    args = _parser().parse_args(argv)
    overrides: dict[str, Any] = {
        name: value
        for name, value in (
            ("supergraph", args.supergraph),
            ("port", args.port),
            ("host", args.host),
        )
        if value is not None
    }
    try:
        settings = load_settings(args.config, **overrides)
    except (OSError, ValueError) as exc:
        print(f"router: {exc}", file=sys.stderr)
        return 2
    if not settings.supergraph.is_file():
        print(f"router: supergraph file {settings.supergraph} does not exist", file=sys.stderr)
        return 2

    from router.server.app import create_app

    # JSON lines on stdout, uvicorn's own included (log_config=None below keeps them).
    configure_logging(args.log_level)
    try:
        app = create_app(settings)
    except Exception as exc:  # a supergraph that does not load: say why, no traceback
        print(f"router: cannot serve {settings.supergraph}: {exc}", file=sys.stderr)
        return 1
    # Startup's objects out of the collector's way, fewer collections under load (decision 0034).
    tune_gc()
    uvicorn.run(
        app,
        host=settings.host,
        port=settings.port,
        log_level=args.log_level,
        log_config=None,
        # Named, not "auto": without uvloop or httptools uvicorn would silently fall back to
        # the pure-Python loop and parser, which cost several times more CPU per request.
        loop="uvloop",
        http="httptools",
        ws_max_size=settings.max_request_bytes,
        access_log=False,  # one log line per request would cost more than the routing itself
        # The peer stays the address the request came from: the router appends it to
        # X-Forwarded-For for the subgraphs, which decide whom to trust (trusted_proxies).
        proxy_headers=False,
    )
    return 0
