"""Child processes for the operations tests: started as a deployment would start them, their
output collected, waited on by what they print or by their health endpoint, stopped at the end.
"""

from __future__ import annotations

import asyncio
import os
import signal
from collections.abc import AsyncIterator, Awaitable, Callable, Mapping, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass, field

import httpx

from common.config import REPO_ROOT, Settings
from common.db import drop_database
from common.migrate import served_subgraphs


@dataclass
class Child:
    """One running process and every line it printed so far (stdout and stderr merged)."""

    name: str
    process: asyncio.subprocess.Process
    lines: list[str] = field(default_factory=list)
    _changed: asyncio.Condition = field(default_factory=asyncio.Condition)
    _reader: asyncio.Task[None] | None = None

    async def _read(self) -> None:
        assert self.process.stdout is not None
        async for raw in self.process.stdout:
            line = raw.decode(errors="replace").rstrip()
            async with self._changed:
                self.lines.append(line)
                self._changed.notify_all()
        async with self._changed:
            self._changed.notify_all()

    def output(self) -> str:
        return "\n".join(self.lines[-60:])

    async def wait_for_line(self, text: str, timeout: float) -> None:
        """Until a printed line contains ``text``; fails with the output when the process ends."""

        def seen() -> bool:
            return any(text in line for line in self.lines) or self.process.returncode is not None

        async with self._changed:
            await asyncio.wait_for(self._changed.wait_for(seen), timeout)
        if not any(text in line for line in self.lines):
            raise AssertionError(f"{self.name} exited before printing {text!r}:\n{self.output()}")

    async def wait_healthy(self, url: str, timeout: float) -> None:
        """Until ``url`` answers 200; fails with the process's output when it exits first."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        async with httpx.AsyncClient(timeout=2) as http:
            while True:
                if self.process.returncode is not None:
                    raise AssertionError(f"{self.name} exited:\n{self.output()}")
                try:
                    if (await http.get(url)).status_code == 200:
                        return
                except httpx.HTTPError:
                    pass
                if loop.time() > deadline:
                    raise AssertionError(f"{self.name} not healthy at {url}:\n{self.output()}")
                # Polling a health endpoint: a process has no other way to say it is up.
                await asyncio.sleep(0.2)

    async def finished(self, timeout: float) -> int:
        """The exit code of a one-shot process, once it has ended."""
        code = await asyncio.wait_for(self.process.wait(), timeout)
        if self._reader is not None:
            await self._reader
        return code


async def start(name: str, command: Sequence[str], env: Mapping[str, str]) -> Child:
    process = await asyncio.create_subprocess_exec(
        *command,
        cwd=REPO_ROOT,
        env=dict(env),
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.STDOUT,
        start_new_session=True,
    )
    child = Child(name, process)
    child._reader = asyncio.create_task(child._read())
    return child


async def stop(child: Child, timeout: float = 20) -> None:
    if child.process.returncode is None:
        os.killpg(child.process.pid, signal.SIGTERM)
        try:
            await asyncio.wait_for(child.process.wait(), timeout)
        except TimeoutError:
            os.killpg(child.process.pid, signal.SIGKILL)
            await child.process.wait()
    if child._reader is not None:
        await child._reader


@asynccontextmanager
async def supervised() -> AsyncIterator[list[Child]]:
    """A list to put started children in; all are stopped (last started first) on exit."""
    children: list[Child] = []
    try:
        yield children
    finally:
        for child in reversed(children):
            await stop(child)


async def eventually(
    check: Callable[[], Awaitable[bool]], *, timeout: float, what: str, every: float = 0.5
) -> None:
    """Until ``check()`` holds: for state another process reaches on its own schedule (search
    indexing what was seeded before it started). Fails naming ``what`` after ``timeout``."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while not await check():
        if loop.time() > deadline:
            raise AssertionError(f"not within {timeout} s: {what}")
        await asyncio.sleep(every)  # re-checking a condition that has no event to wait on


async def drop_stack_databases(settings: Settings, prefix: str) -> None:
    """Drop the databases a stack made under ``prefix`` (so the session's cleanup is short)."""
    own = settings.model_copy(update={"database_prefix": prefix})
    for name in served_subgraphs():
        await drop_database(own, name)
