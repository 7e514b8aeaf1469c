"""``python -m subgraphs.<name>``: apply a subgraph's migrations, then serve it with uvicorn.

With several workers (``REALIO_WORKERS`` / ``REALIO_SUBGRAPH_WORKERS``, decision 0038) the
process serves the subgraph's port and starts the other workers as child processes, worker
``k`` on the port ``WORKER_PORT_STEP × k`` above it (users: 4001, 4101, …); the router lists
every worker's URL and balances across them, and Prometheus scrapes each. Only the first
worker runs the subgraph's event relay and consumer groups; the children end with it.
"""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
from collections.abc import Callable, Coroutine
from typing import Any

import uvicorn
from starlette.types import ASGIApp

from common.config import Settings, get_settings
from common.logging import configure_logging

WORKER_PORT_STEP = 100


def worker_port(settings: Settings, name: str, index: int) -> int:
    """The port worker ``index`` of the subgraph ``name`` serves on."""
    return settings.subgraph_ports[name] + WORKER_PORT_STEP * index


def worker_ports(settings: Settings, name: str) -> list[int]:
    """Every worker's port, the first at the subgraph's own."""
    return [worker_port(settings, name, index) for index in range(settings.workers_for(name))]


def _start_workers(name: str, settings: Settings) -> list[subprocess.Popen[bytes]]:
    children = []
    for index in range(1, settings.workers_for(name)):
        env = {
            **os.environ,
            "REALIO_WORKER_INDEX": str(index),
            # The first worker alone runs the event relay and consumers.
            "REALIO_RUN_EVENT_LOOPS": "false",
        }
        command = [sys.executable, "-m", f"subgraphs.{name}"]
        children.append(subprocess.Popen(command, env=env))
    return children


def _stop_workers(children: list[subprocess.Popen[bytes]]) -> None:
    for child in children:
        if child.poll() is None:
            child.send_signal(signal.SIGTERM)
    for child in children:
        try:
            child.wait(10)
        except subprocess.TimeoutExpired:
            child.kill()


def serve_subgraph(
    name: str,
    create_app: Callable[[Settings], ASGIApp],
    migrate: Callable[[Settings], Coroutine[Any, Any, None]],
) -> None:
    """Migrate, then serve the subgraph ``name`` on its configured port until stopped (with
    its other workers, when it has several)."""
    settings = get_settings()
    configure_logging(settings.log_level, settings.log_json)
    first = settings.worker_index == 0
    if first:
        asyncio.run(migrate(settings))
    app = create_app(settings)
    # Started once the first worker's app exists: what it makes at its first start (a secret
    # in the data directory) is made once.
    children = _start_workers(name, settings) if first else []
    try:
        uvicorn.run(
            app,
            host="0.0.0.0",  # containers reach it from outside; the router from localhost
            port=worker_port(settings, name, settings.worker_index),
            log_level=settings.log_level.lower(),
            log_config=None,  # keep configure_logging's JSON lines on stdout for uvicorn's loggers
            # uvicorn would otherwise replace the peer with X-Forwarded-For from 127.0.0.1; who
            # to believe is decided by RequestContext.client_ip (decision 0012).
            proxy_headers=False,
        )
    finally:
        _stop_workers(children)
