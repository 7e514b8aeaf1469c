"""A local SMTP server in its own process for the email benchmark.

Run in the benchmark's process, aiosmtpd would share its interpreter lock with the sender it
measures; in a process of its own it costs what a separate local server costs. It accepts every
message and appends one line per message to a file, which the benchmark counts.
"""

from __future__ import annotations

import asyncio
import socket
import subprocess
import sys
import tempfile
import time
from argparse import ArgumentParser
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any


class CountingSink:
    """The aiosmtpd handler (``-c bench.notifications_smtp_sink.CountingSink FILE``)."""

    def __init__(self, path: str) -> None:
        self._file = open(path, "a", buffering=1)

    @classmethod
    def from_cli(cls, parser: ArgumentParser, *args: str) -> CountingSink:
        if len(args) != 1:
            parser.error("CountingSink takes the path of its count file")
        return cls(args[0])

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        self._file.write(f"{len(envelope.content)}\n")
        return "250 Message accepted for delivery"


@dataclass
class SmtpProcess:
    url: str
    count_file: Path

    def received(self) -> int:
        return len(self.count_file.read_text().splitlines())


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _accepts(port: int) -> bool:
    with socket.socket() as sock:
        return sock.connect_ex(("127.0.0.1", port)) == 0


@asynccontextmanager
async def smtp_process() -> AsyncIterator[SmtpProcess]:
    """An aiosmtpd server on a free loopback port in a child process, until the block ends."""
    port = _free_port()
    count_file = Path(tempfile.mkdtemp(prefix="realio-bench-smtp-")) / "received"
    count_file.touch()
    handler = f"{__name__}.CountingSink"
    command = [sys.executable, "-m", "aiosmtpd", "-n", "-l", f"127.0.0.1:{port}", "-c", handler]
    child = subprocess.Popen([*command, str(count_file)])  # noqa: ASYNC220
    try:
        deadline = time.monotonic() + 30
        while not _accepts(port):
            if child.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError("the benchmark's SMTP server did not start")
            await asyncio.sleep(0.05)  # a benchmark waiting for a child to listen
        yield SmtpProcess(f"smtp://127.0.0.1:{port}", count_file)
    finally:
        child.terminate()
        child.wait(timeout=10)
