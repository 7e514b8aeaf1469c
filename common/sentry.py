"""Error tracking with Sentry, on when ``REALIO_SENTRY_DSN`` is set.

Unexpected errors are the ones ``common.errors`` masks as INTERNAL_SERVER_ERROR: it logs each
with its traceback, and Sentry's logging integration turns that record into an event carrying
the exception, the request id and the service. Client errors (BAD_USER_INPUT, NOT_FOUND, …)
are answers, not faults, so Strawberry's integration (which reports every resolver error) and
the other auto-enabling integrations stay off. No personal data is sent (the SDK's default).
"""

from __future__ import annotations

import logging

import sentry_sdk
from sentry_sdk.integrations.logging import LoggingIntegration, ignore_logger
from sentry_sdk.types import Event, Hint

from common.config import Settings
from common.logging import current_request_id


def init_sentry(settings: Settings, service: str) -> bool:
    """Start reporting this process's unexpected errors; False (and nothing done) without a DSN."""
    if not settings.sentry_dsn:
        return False
    sentry_sdk.init(
        dsn=settings.sentry_dsn,
        environment=settings.environment,
        server_name=service,
        traces_sample_rate=settings.sentry_traces_sample_rate,
        integrations=[LoggingIntegration(event_level=logging.ERROR)],
        # No auto-patching of libraries (Strawberry's would report every client error too).
        auto_enabling_integrations=False,
        before_send=_tag_request,
    )
    # Strawberry logs every resolver error, client errors included; common.errors logs (and
    # so reports) the unexpected ones.
    ignore_logger("strawberry.execution")
    sentry_sdk.set_tag("service", service)
    return True


def _tag_request(event: Event, hint: Hint) -> Event:
    tags = event.setdefault("tags", {})
    if isinstance(tags, dict):
        tags["request_id"] = current_request_id()
    return event


def shutdown_sentry(timeout: float = 5.0) -> None:
    """Send what is queued and stop reporting (tests, and processes that end)."""
    client = sentry_sdk.get_client()
    if client.is_active():
        client.flush(timeout=timeout)
        client.close(timeout=timeout)
