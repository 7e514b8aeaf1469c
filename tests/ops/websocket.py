"""The README's WebSocket sign-in (graphql-transport-ws ``connection_init`` with the token)."""

from __future__ import annotations

import asyncio
from typing import Any

import orjson
from websockets.asyncio.client import connect

from tests.support.readme import readme_block


async def me_over_websocket(ws_url: str, token: str, timeout: float = 10) -> Any:
    """``connection_init`` as the README shows it, then ``me``; returns the result payload."""
    init = orjson.loads(readme_block("json", "connection_init").replace("<accessToken>", token))
    async with connect(ws_url, subprotocols=["graphql-transport-ws"], proxy=None) as ws:  # type: ignore[list-item]
        await ws.send(orjson.dumps(init).decode())
        ack = orjson.loads(await asyncio.wait_for(ws.recv(), timeout))
        assert ack == {"type": "connection_ack"}, ack
        subscribe = {"id": "1", "type": "subscribe", "payload": {"query": "{ me { email } }"}}
        await ws.send(orjson.dumps(subscribe).decode())
        return orjson.loads(await asyncio.wait_for(ws.recv(), timeout))["payload"]
