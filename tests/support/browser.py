"""A real headless Chromium for page tests, driven over the DevTools protocol.

Debian's chromium (``make test-deps``) is started with its own fresh profile and a DevTools
port chosen by the OS; commands and events go over one WebSocket (the ``websockets`` package).
With ``offline=True`` the page can reach loopback only: host names other than ``127.0.0.1``
do not resolve, and every request is intercepted (``Fetch``) so that one for anywhere else is
failed and recorded in :attr:`Page.blocked`, which a test can assert empty.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import shutil
import tempfile
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import orjson
from websockets.asyncio.client import ClientConnection, connect

CHROMIUM = "/usr/bin/chromium"
FLAGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--remote-debugging-port=0",
)
LOOPBACK = ("127.0.0.1", "localhost", "[::1]")


def chromium_missing() -> str | None:
    """Why browser tests cannot run here, or None."""
    if shutil.which(CHROMIUM) is None:
        return f"{CHROMIUM} is not installed (make test-deps installs Debian's chromium)"
    return None


class Page:
    """One tab: DevTools commands on its session, and the requests it was refused."""

    def __init__(self, browser: Browser, session_id: str) -> None:
        self.browser = browser
        self.session_id = session_id
        self.blocked: list[str] = []
        self.requested: list[str] = []

    async def send(self, method: str, params: dict[str, Any] | None = None) -> Any:
        return await self.browser.send(method, params, session_id=self.session_id)

    async def evaluate(self, expression: str) -> Any:
        """The value of a JavaScript expression in the page (awaited if it is a promise)."""
        reply = await self.send(
            "Runtime.evaluate",
            {"expression": expression, "returnByValue": True, "awaitPromise": True},
        )
        if "exceptionDetails" in reply:
            raise AssertionError(f"page script failed: {reply['exceptionDetails']}")
        return reply["result"].get("value")

    async def wait_for(self, expression: str, timeout: float = 20.0) -> Any:
        """Wait until ``expression`` is truthy in the page; its value."""
        async with asyncio.timeout(timeout):
            while True:
                value = await self.evaluate(expression)
                if value:
                    return value
                # The page's state has no event to await here: poll it, within the deadline.
                await asyncio.sleep(0.05)

    async def _on_request_paused(self, params: dict[str, Any]) -> None:
        url = params["request"]["url"]
        self.requested.append(url)
        host = urlsplit(url).hostname or ""
        if (
            url.startswith(("http://", "https://", "ws://", "wss://"))
            and (f"[{host}]" if ":" in host else host) not in LOOPBACK
        ):
            self.blocked.append(url)
            await self.send(
                "Fetch.failRequest",
                {"requestId": params["requestId"], "errorReason": "InternetDisconnected"},
            )
        else:
            await self.send("Fetch.continueRequest", {"requestId": params["requestId"]})


class Browser:
    """A Chromium process and its DevTools connection."""

    def __init__(self, socket: ClientConnection) -> None:
        self.socket = socket
        self._ids = itertools.count(1)
        self._replies: dict[int, asyncio.Future[Any]] = {}
        self._pages: dict[str, Page] = {}
        self._reader = asyncio.ensure_future(self._read())

    async def send(
        self, method: str, params: dict[str, Any] | None = None, *, session_id: str | None = None
    ) -> Any:
        message_id = next(self._ids)
        message: dict[str, Any] = {"id": message_id, "method": method, "params": params or {}}
        if session_id is not None:
            message["sessionId"] = session_id
        reply: asyncio.Future[Any] = asyncio.get_running_loop().create_future()
        self._replies[message_id] = reply
        await self.socket.send(orjson.dumps(message).decode())
        return await asyncio.wait_for(reply, 30)

    async def _read(self) -> None:
        async for raw in self.socket:
            message = orjson.loads(raw)
            if "id" in message:
                reply = self._replies.pop(message["id"], None)
                if reply is not None and not reply.done():
                    if "error" in message:
                        reply.set_exception(AssertionError(f"DevTools: {message['error']}"))
                    else:
                        reply.set_result(message.get("result", {}))
            elif message.get("method") == "Fetch.requestPaused":
                page = self._pages.get(message.get("sessionId", ""))
                if page is not None:
                    asyncio.ensure_future(page._on_request_paused(message["params"]))

    async def new_page(self, *, offline: bool = True) -> Page:
        """A blank tab; with ``offline`` only loopback requests get through."""
        target = await self.send("Target.createTarget", {"url": "about:blank"})
        attached = await self.send(
            "Target.attachToTarget", {"targetId": target["targetId"], "flatten": True}
        )
        page = Page(self, attached["sessionId"])
        self._pages[page.session_id] = page
        await page.send("Page.enable")
        await page.send("Runtime.enable")
        if offline:
            await page.send("Fetch.enable", {"patterns": [{"urlPattern": "*"}]})
        return page

    async def aclose(self) -> None:
        self._reader.cancel()
        with contextlib.suppress(asyncio.CancelledError, Exception):
            await self._reader
        await self.socket.close()


async def _devtools_url(process: asyncio.subprocess.Process) -> str:
    assert process.stderr is not None
    async with asyncio.timeout(30):
        while True:
            line = await process.stderr.readline()
            if not line:
                raise RuntimeError("chromium exited before opening its DevTools port")
            text = line.decode(errors="replace").strip()
            if text.startswith("DevTools listening on "):
                return text[len("DevTools listening on ") :]


async def _drain(process: asyncio.subprocess.Process) -> None:
    assert process.stderr is not None
    while await process.stderr.readline():
        pass


@contextlib.asynccontextmanager
async def chromium() -> AsyncIterator[Browser]:
    """A headless Chromium with a fresh profile, resolving no host but loopback."""
    with tempfile.TemporaryDirectory(prefix="realio-chromium-") as profile:
        process = await asyncio.create_subprocess_exec(
            CHROMIUM,
            *FLAGS,
            f"--user-data-dir={Path(profile)}",
            "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1, EXCLUDE localhost",
            "about:blank",
            stdin=asyncio.subprocess.DEVNULL,
            stdout=asyncio.subprocess.DEVNULL,
            stderr=asyncio.subprocess.PIPE,
        )
        drain: asyncio.Task[None] | None = None
        try:
            url = await _devtools_url(process)
            drain = asyncio.ensure_future(_drain(process))  # keep its stderr pipe flowing
            socket = await connect(url, proxy=None, max_size=None)
            browser = Browser(socket)
            try:
                yield browser
            finally:
                await browser.aclose()
        finally:
            if process.returncode is None:
                process.terminate()
                try:
                    await asyncio.wait_for(process.wait(), 10)
                except TimeoutError:
                    process.kill()
                    await process.wait()
            if drain is not None:
                drain.cancel()
