"""Mail leaves the request path (decision 0032): register and resendOtp answer before the SMTP
server has accepted anything, so their timing does not tell a pending account from an unknown
address; the queued mail survives a crash of the process and is delivered after a restart.

The SMTP server is a real one (aiosmtpd) whose ``MAIL FROM`` is held at a gate the test opens:
while it is closed, no message can be accepted, so an answer that arrives then did not wait for
the mail. Holding ``MAIL FROM`` (not ``DATA``) means a sender that dies at the gate never
transmits its message, so only a later delivery can put it in the sink.
"""

from __future__ import annotations

import asyncio
import re
import signal
import sys
import threading
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import httpx
import pytest
from sqlalchemy import text

from common.config import REPO_ROOT, Settings
from common.db import transaction
from subgraphs.users.app import migrate as migrate_users
from tests.support.graph import Graph, running_graph
from tests.support.processes import process_env
from tests.support.servers import SmtpSink, free_port, serve_smtp

REGISTER = """mutation($input: RegisterInput!) { register(input: $input) { user { id } } }"""
RESEND = """mutation($email: String!) { resendOtp(email: $email) { email otpExpiresAt } }"""
VERIFY = """mutation($email: String!, $code: String!) {
  verifyUser(email: $email, code: $code) { user { id emailVerified } } }"""
CODE = re.compile(r"\b(\d{6})\b")
WAIT = 30.0


class GatedSink(SmtpSink):
    """An SMTP sink that holds every ``MAIL FROM`` until ``gate`` is open."""

    def __init__(self, loop: asyncio.AbstractEventLoop) -> None:
        super().__init__(_arrived=asyncio.Condition(), loop=loop)
        self.gate = threading.Event()
        self.gate.set()
        self.attempts = 0
        self._attempted = asyncio.Condition()

    async def handle_MAIL(
        self, server: Any, session: Any, envelope: Any, address: str, options: Any
    ) -> str:
        assert self.loop is not None
        self.loop.call_soon_threadsafe(self._count_attempt)
        await asyncio.to_thread(self.gate.wait, 60)
        envelope.mail_from = address
        envelope.mail_options.extend(options)
        return "250 OK"

    def _count_attempt(self) -> None:
        self.attempts += 1

        async def notify() -> None:
            async with self._attempted:
                self._attempted.notify_all()

        asyncio.ensure_future(notify())

    async def wait_for_attempts(self, count: int) -> None:
        """Until a sender has reached ``MAIL FROM`` ``count`` times in all."""
        async with self._attempted:
            await asyncio.wait_for(self._attempted.wait_for(lambda: self.attempts >= count), WAIT)

    def accepted_for(self, recipient: str) -> list[Any]:
        return [m for m in self.messages if m["To"] == recipient]


@asynccontextmanager
async def gated_smtp_server() -> AsyncIterator[tuple[str, GatedSink]]:
    sink = GatedSink(asyncio.get_running_loop())
    async with serve_smtp(sink) as url:
        try:
            yield url, sink
        finally:
            sink.gate.set()  # a delivery held at the gate must not keep the server from stopping


@pytest.fixture(scope="module")
async def smtp() -> AsyncIterator[tuple[str, GatedSink]]:
    async with gated_smtp_server() as server:
        yield server


@pytest.fixture(scope="module")
async def graph(settings: Settings, smtp: tuple[str, GatedSink]) -> AsyncIterator[Graph]:
    configured = settings.model_copy(
        update={"smtp_url": smtp[0], "register_rate_limit": 1000, "resend_otp_rate_limit": 1000}
    )
    async with running_graph(configured, "mail") as running:
        yield running


def registration(email: str) -> dict[str, Any]:
    return {
        "input": {
            "name": "Pending Person",
            "email": email,
            "password": "correct horse battery",
            "role": "BUYER",
        }
    }


async def allow_resend_now(graph: Graph, user_id: str) -> None:
    """Move the last code's send time back past the resend interval (instead of waiting it)."""
    deps: Any = graph.apps["users"].state.services.deps
    async with transaction(deps.db) as session:
        await session.execute(
            text("UPDATE user_otps SET sent_at = sent_at - interval '1 day' WHERE user_id = :id"),
            {"id": uuid.UUID(user_id)},
        )


def code_in(message: Any) -> str:
    match = CODE.search(str(message.get_payload()))
    assert match, message.get_payload()
    return match.group(1)


async def test_register_and_resend_answer_before_the_smtp_server_accepts_the_mail(
    graph: Graph, smtp: tuple[str, GatedSink]
) -> None:
    sink = smtp[1]
    pending = f"pending-{uuid.uuid4().hex[:8]}@example.com"
    nobody = f"nobody-{uuid.uuid4().hex[:8]}@example.com"
    attempts_before = sink.attempts
    sink.gate.clear()
    try:
        # Both answers arrive while no message can be accepted.
        registered = await graph.data(REGISTER, registration(pending))
        user_id = registered["register"]["user"]["id"]
        await allow_resend_now(graph, user_id)
        for_pending = (await graph.data(RESEND, {"email": pending}))["resendOtp"]
        for_nobody = (await graph.data(RESEND, {"email": nobody}))["resendOtp"]
        assert for_pending.keys() == for_nobody.keys()
        # The relay is at the gate with the first of them: it was sending, and not accepted.
        await sink.wait_for_attempts(attempts_before + 1)
        assert sink.accepted_for(pending) == []
    finally:
        sink.gate.set()
    delivered = await sink.wait_for(pending, count=2, timeout=WAIT)
    assert sink.accepted_for(nobody) == []  # sent in order: a mail for nobody would be here
    # The resent code (the last mail) is the one that verifies the address.
    verified = await graph.data(VERIFY, {"email": pending, "code": code_in(delivered[-1])})
    assert verified["verifyUser"]["user"]["emailVerified"] is True


@asynccontextmanager
async def users_process(
    env: dict[str, str], port: int
) -> AsyncIterator[asyncio.subprocess.Process]:
    """``python -m subgraphs.users`` (as deployed), healthy on ``port``; killed at the end."""
    child = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "subgraphs.users",
        cwd=REPO_ROOT,
        env=env,
        stdout=asyncio.subprocess.DEVNULL,
        stderr=asyncio.subprocess.DEVNULL,
    )
    try:
        async with httpx.AsyncClient(timeout=2, trust_env=False) as http, asyncio.timeout(60):
            while True:
                assert child.returncode is None, "users exited before it was healthy"
                try:
                    if (await http.get(f"http://127.0.0.1:{port}/health")).status_code == 200:
                        break
                except httpx.TransportError:
                    pass
                await asyncio.sleep(0.05)  # polling a child's health endpoint
        yield child
    finally:
        if child.returncode is None:
            child.send_signal(signal.SIGTERM)
        await asyncio.wait_for(child.wait(), 30)


async def test_mail_queued_when_the_process_dies_is_delivered_after_a_restart(
    settings: Settings,
) -> None:
    async with gated_smtp_server() as (smtp_url, sink):
        port = free_port()
        env = process_env(
            settings,
            "mailcrash",
            port,
            REALIO_SMTP_URL=smtp_url,
            REALIO_MAIL_RELAY_LEASE_SECONDS="2",
            REALIO_MAIL_RELAY_POLL_SECONDS="0.5",
        )
        await migrate_users(
            settings.model_copy(update={"database_prefix": env["REALIO_DATABASE_PREFIX"]})
        )
        email = f"crash-{uuid.uuid4().hex[:8]}@example.com"
        sink.gate.clear()
        async with users_process(env, port) as first:
            async with httpx.AsyncClient(timeout=30, trust_env=False) as http:
                response = await http.post(
                    f"http://127.0.0.1:{port}/graphql",
                    json={"query": REGISTER, "variables": registration(email)},
                )
            assert response.json()["data"]["register"]["user"]["id"]
            await sink.wait_for_attempts(1)  # the relay is sending it, held at the gate
            first.send_signal(signal.SIGKILL)  # a crash: no shutdown code runs
            await asyncio.wait_for(first.wait(), WAIT)
        sink.gate.set()
        assert sink.accepted_for(email) == []
        async with users_process(env, port):
            [message] = await sink.wait_for(email, timeout=WAIT)
        assert len(code_in(message)) == 6
        assert len(sink.accepted_for(email)) == 1
