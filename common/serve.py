"""``python -m subgraphs.<name>``: apply a subgraph's migrations, then serve it with uvicorn."""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Coroutine
from typing import Any

import uvicorn
from starlette.types import ASGIApp

from common.config import Settings, get_settings
from common.logging import configure_logging


def serve_subgraph(
    name: str,
    create_app: Callable[[Settings], ASGIApp],
    migrate: Callable[[Settings], Coroutine[Any, Any, None]],
) -> None:
    """Migrate, then serve the subgraph ``name`` on its configured port until stopped."""
    settings = get_settings()
    configure_logging(settings.log_level, settings.log_json)
    asyncio.run(migrate(settings))
    uvicorn.run(
        create_app(settings),
        host="0.0.0.0",  # containers reach it from outside; the router from localhost
        port=settings.subgraph_ports[name],
        log_level=settings.log_level.lower(),
        log_config=None,  # keep configure_logging's JSON lines on stdout for uvicorn's loggers
        # uvicorn would otherwise replace the peer with X-Forwarded-For from 127.0.0.1; who to
        # believe is decided by RequestContext.client_ip (decision 0012).
        proxy_headers=False,
    )
