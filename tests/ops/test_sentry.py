"""Error tracking: with REALIO_SENTRY_DSN set, an unexpected error in a subgraph reaches Sentry
(a local server speaking Sentry's envelope endpoint) as an event carrying the exception."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
import strawberry

from common.auth.tokens import TokenSigner, load_or_create_private_key
from common.config import Settings
from common.errors import NotFound
from common.graphql_app import create_subgraph_app
from common.sentry import init_sentry, shutdown_sentry
from tests.ops.receivers import Received, recording_server
from tests.support.servers import serve_asgi
from tests.support.subgraph_apps import demo_subgraph


def envelope_items(body: bytes) -> list[tuple[dict[str, Any], dict[str, Any]]]:
    """(item header, item payload) pairs of a Sentry envelope (newline-delimited JSON)."""
    lines = body.split(b"\n")[1:]  # the first line is the envelope header
    items = []
    for header, payload in zip(lines[::2], lines[1::2], strict=False):
        if header.strip():
            items.append((json.loads(header), json.loads(payload)))
    return items


def events(received: list[Received]) -> list[dict[str, Any]]:
    return [p for r in received for h, p in envelope_items(r.body) if h.get("type") == "event"]


def is_envelope(request: Received) -> bool:
    return request.method == "POST" and request.path.endswith("/envelope/")


@strawberry.type
class Query:
    @strawberry.field
    def broken(self) -> str:
        raise RuntimeError("the listing cache lost its marbles")

    @strawberry.field
    def missing(self) -> str:
        raise NotFound("No such thing.")


@pytest.fixture
def no_sentry_afterwards() -> Iterator[None]:
    yield
    shutdown_sentry()


def test_without_a_dsn_sentry_stays_off() -> None:
    assert init_sentry(Settings(sentry_dsn=None), "users") is False


async def test_an_unexpected_error_reaches_sentry_with_its_exception_and_request_id(
    tmp_path: Path, no_sentry_afterwards: None
) -> None:
    async with recording_server() as (sentry_url, sentry):
        dsn = sentry_url.replace("http://", "http://publickey@") + "/42"
        settings = Settings(sentry_dsn=dsn, environment="test-ops", log_json=False)
        signer = TokenSigner(load_or_create_private_key(tmp_path / "key.pem"), settings)
        app = create_subgraph_app(demo_subgraph("ops-demo", Query, settings, signer=signer))
        async with serve_asgi(app) as url, httpx.AsyncClient() as http:
            answer = await http.post(
                f"{url}/graphql",
                json={"query": "{ missing }"},
                headers={"x-request-id": "client-error-1"},
            )
            assert answer.status_code == 200
            answer = await http.post(
                f"{url}/graphql",
                json={"query": "{ broken }"},
                headers={"x-request-id": "ops-test-request-1"},
            )
            assert answer.status_code == 200
        # Flushing blocks until Sentry answers, and the stand-in answers on this event loop.
        await asyncio.to_thread(shutdown_sentry)
        received = await sentry.wait_for(is_envelope)

    assert all(r.path == "/api/42/envelope/" for r in received)
    assert "sentry_key=publickey" in received[0].headers.get("x-sentry-auth", "")
    found = events(received)
    exceptions = [v for e in found for v in e.get("exception", {}).get("values", [])]
    assert [(v["type"], v["value"]) for v in exceptions] == [
        ("RuntimeError", "the listing cache lost its marbles")
    ]
    event = found[0]
    assert event["environment"] == "test-ops"
    assert event["tags"]["service"] == "ops-demo"
    assert event["tags"]["request_id"] == "ops-test-request-1"
