"""Real processes started with the commands docker-compose.yml ships, on loopback.

``compose_command`` reads a service's ``command`` from docker-compose.yml and points it at a
loopback port, so tests exercise the deployed command line (uvicorn's flags included).
"""

from __future__ import annotations

import asyncio
import json
import os
import secrets
import sys
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import BinaryIO

import httpx
import yaml

from common.config import REPO_ROOT, Settings

COMPOSE_FILE = REPO_ROOT / "docker-compose.yml"
# The executables compose runs, as this interpreter runs them.
_EXECUTABLES = {"uvicorn": [sys.executable, "-m", "uvicorn"], "python": [sys.executable]}


def compose_command(service: str, port: int) -> list[str]:
    """The ``command`` of ``service`` in docker-compose.yml, listening on 127.0.0.1:``port``."""
    command = [
        str(part)
        for part in yaml.safe_load(COMPOSE_FILE.read_text())["services"][service]["command"]
    ]
    command = [*_EXECUTABLES.get(command[0], [command[0]]), *command[1:]]
    # A subgraph run as `python -m subgraphs.<name>` has no flags: it listens on its port from
    # REALIO_SUBGRAPH_PORTS, which process_env sets.
    for flag, value in (("--host", "127.0.0.1"), ("--port", str(port))):
        if flag in command:
            command[command.index(flag) + 1] = value
    return command


def _log_files(logs: Path) -> tuple[BinaryIO, BinaryIO]:
    return open(f"{logs}.out", "wb"), open(f"{logs}.err", "wb")


@asynccontextmanager
async def running_process(
    command: list[str], env: dict[str, str], logs: Path, health: str
) -> AsyncIterator[None]:
    """Run ``command`` with stdout and stderr in ``<logs>.out`` / ``<logs>.err`` until ``health``
    answers 200; stopped with SIGTERM (a graceful shutdown, which logs too) when the block ends.
    """
    out, err = _log_files(logs)
    with out, err:
        child = await asyncio.create_subprocess_exec(
            *command, cwd=REPO_ROOT, env=env, stdout=out, stderr=err
        )
        try:
            async with httpx.AsyncClient(timeout=2, trust_env=False) as http:
                async with asyncio.timeout(60):
                    while True:
                        assert child.returncode is None, f"{command} exited; see {logs}.err"
                        try:
                            if (await http.get(health)).status_code == 200:
                                break
                        except httpx.TransportError:
                            pass
                        await asyncio.sleep(0.05)  # polling a child's health endpoint
            yield
        finally:
            if child.returncode is None:
                child.terminate()
            await asyncio.wait_for(child.wait(), 30)


def process_env(
    settings: Settings, label: str, users_port: int, **variables: str
) -> dict[str, str]:
    """The environment for child processes of one test: databases ``<run prefix><label>_*``,
    their own Redis keys, JSON logs at INFO, a forwarding secret, and the router pointed at
    the users subgraph on ``users_port``."""
    return {
        **os.environ,
        "PYTHONPATH": str(REPO_ROOT),
        "REALIO_DATABASE_PREFIX": f"{settings.database_prefix}{label}_",
        "REALIO_REDIS_KEY_PREFIX": f"{settings.redis_key_prefix}{label}:",
        "REALIO_DATA_DIR": str(settings.data_dir),
        "REALIO_LOG_JSON": "true",
        "REALIO_LOG_LEVEL": "INFO",
        "REALIO_FORWARDING_SECRET": secrets.token_hex(16),
        "REALIO_ROUTER_SUBGRAPH_URLS": json.dumps(
            {"users": f"http://127.0.0.1:{users_port}/graphql"}
        ),
        "REALIO_SUBGRAPH_PORTS": json.dumps({"users": users_port}),
        **variables,
    }
