"""Real servers on loopback for tests: an ASGI app under uvicorn, and an SMTP sink."""

from __future__ import annotations

import asyncio
import socket
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from email import message_from_bytes
from email.message import Message
from typing import Any, Literal

import uvicorn
from aiosmtpd.controller import Controller
from starlette.types import ASGIApp


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@asynccontextmanager
async def serve_asgi(
    app: ASGIApp, *, lifespan: Literal["auto", "on", "off"] = "on"
) -> AsyncIterator[str]:
    """Serve ``app`` on a free loopback port in this event loop; yields its base URL."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    # Accepted connections inherit this; without it small responses wait on delayed ACKs.
    sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    config = uvicorn.Config(
        app, log_level="warning", lifespan=lifespan, ws="websockets-sansio", proxy_headers=False
    )
    server = uvicorn.Server(config)
    task = asyncio.create_task(server.serve(sockets=[sock]))
    try:
        while not server.started:
            if task.done():
                task.result()
                raise RuntimeError("server stopped before starting")
            await asyncio.sleep(0.005)  # polling a flag set by uvicorn, not a synchronisation sleep
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        await task
        sock.close()


@dataclass
class SmtpSink:
    """Collects delivered messages; ``wait_for`` returns once a message to an address arrives."""

    messages: list[Message] = field(default_factory=list)
    _arrived: asyncio.Condition | None = None
    loop: asyncio.AbstractEventLoop | None = None

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        message = message_from_bytes(envelope.content)
        self.messages.append(message)
        if self.loop is not None:
            self.loop.call_soon_threadsafe(self._notify)
        return "250 Message accepted for delivery"

    def _notify(self) -> None:
        async def notify() -> None:
            assert self._arrived is not None
            async with self._arrived:
                self._arrived.notify_all()

        asyncio.ensure_future(notify())

    async def wait_for(
        self, recipient: str, count: int = 1, timeout: float = 10, subject: str | None = None
    ) -> list[Message]:
        """Once ``count`` messages to ``recipient`` (with ``subject``, if given) arrived: them."""
        assert self._arrived is not None

        def matching() -> list[Message]:
            return [
                m
                for m in self.messages
                if m["To"] == recipient and (subject is None or m["Subject"] == subject)
            ]

        async with self._arrived:
            await asyncio.wait_for(
                self._arrived.wait_for(lambda: len(matching()) >= count), timeout
            )
        return matching()


@asynccontextmanager
async def serve_smtp(handler: Any) -> AsyncIterator[str]:
    """A real SMTP server (aiosmtpd) on loopback with ``handler``; yields its ``smtp://`` URL."""
    port = free_port()
    controller = Controller(handler, hostname="127.0.0.1", port=port)
    await asyncio.to_thread(controller.start)
    try:
        yield f"smtp://127.0.0.1:{port}"
    finally:
        await asyncio.to_thread(controller.stop)


@asynccontextmanager
async def smtp_server() -> AsyncIterator[tuple[str, SmtpSink]]:
    """A real SMTP server (aiosmtpd) on loopback; yields its ``smtp://`` URL and the sink."""
    sink = SmtpSink(_arrived=asyncio.Condition(), loop=asyncio.get_running_loop())
    async with serve_smtp(sink) as url:
        yield url, sink
