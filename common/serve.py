"""``python -m subgraphs.<name>``: apply a subgraph's migrations, then serve it with uvicorn.

With several workers (``REALIO_WORKERS`` / ``REALIO_SUBGRAPH_WORKERS`` set, as compose does,
and Redis configured; decision 0038) the process serves the subgraph's port and starts the
other workers as child processes, worker ``k`` on the port ``WORKER_PORT_STEP × k`` above it
(users: 4001, 4101, …); the router lists every worker's URL and balances across them, and
Prometheus scrapes each. Only the first
worker runs the subgraph's event relay and consumer groups; it starts a worker that ended
again, and the others end with it.
"""

from __future__ import annotations

import asyncio
import ctypes
import ctypes.util
import logging
import os
import signal
import subprocess
import sys
import threading
from collections.abc import Callable, Coroutine
from typing import Any

import uvicorn
from starlette.types import ASGIApp

from common.config import Settings, get_settings
from common.logging import configure_logging

WORKER_PORT_STEP = 100
RESTART_CHECK_SECONDS = 1.0
PR_SET_PDEATHSIG = 1
logger = logging.getLogger("realio.serve")


def explicit_workers(settings: Settings, name: str) -> int:
    """How many workers serve ``name`` when its process starts them: only when asked
    (``REALIO_WORKERS`` or ``REALIO_SUBGRAPH_WORKERS`` set, as compose does); a subgraph
    started on its own is one process (tests, a single deployment), whatever "auto" says."""
    asked = "workers" in settings.model_fields_set or name in settings.subgraph_workers
    return settings.workers_for(name) if asked else 1


def worker_port(settings: Settings, name: str, index: int) -> int:
    """The port worker ``index`` of the subgraph ``name`` serves on."""
    return settings.subgraph_ports[name] + WORKER_PORT_STEP * index


def worker_ports(settings: Settings, name: str) -> list[int]:
    """Every worker's port, the first at the subgraph's own."""
    return [worker_port(settings, name, index) for index in range(explicit_workers(settings, name))]


def _start_worker(name: str, index: int) -> subprocess.Popen[bytes]:
    env = {
        **os.environ,
        "REALIO_WORKER_INDEX": str(index),
        # The first worker alone runs the event relay and consumers.
        "REALIO_RUN_EVENT_LOOPS": "false",
    }
    command = [sys.executable, "-m", f"subgraphs.{name}"]
    return subprocess.Popen(command, env=env, preexec_fn=_end_with_parent)


def _end_with_parent() -> None:
    """In a worker, before it runs: SIGTERM when the first worker ends, however it ends
    (uvicorn re-raises the SIGTERM it handled, so no ``finally`` runs after it)."""
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6", use_errno=True)
        libc.prctl(PR_SET_PDEATHSIG, signal.SIGTERM)
    except (OSError, AttributeError):  # not Linux: the finally below is all there is
        pass


def _supervise(
    name: str,
    children: list[subprocess.Popen[bytes]],
    stopping: threading.Event,
    lock: threading.Lock,
) -> None:
    """Start again a worker that ended while the first one serves (the router skips it
    meanwhile: its connections are refused)."""
    while not stopping.wait(RESTART_CHECK_SECONDS):
        with lock:
            for slot, child in enumerate(children):
                if child.poll() is not None and not stopping.is_set():
                    logger.warning(
                        "worker ended; starting it again",
                        extra={"subgraph": name, "worker": slot + 1, "code": child.returncode},
                    )
                    children[slot] = _start_worker(name, slot + 1)


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
    count = explicit_workers(settings, name) if first else 1
    children = [_start_worker(name, index) for index in range(1, count)]
    stopping = threading.Event()
    lock = threading.Lock()
    if children:
        supervision = (name, children, stopping, lock)
        threading.Thread(target=_supervise, args=supervision, daemon=True).start()
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
        stopping.set()
        with lock:  # no worker is started again past this point
            _stop_workers(children)
