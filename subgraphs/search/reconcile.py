"""Reconciliation: compare the index with the properties subgraph and repair what differs.

Events are delivered at least once, but an operator may skip a dead letter, a database may be
restored, or a bug may drop one; every few minutes search reads every listing's id and
version THROUGH THE GRAPH (the properties subgraph's ``propertiesForReconciliation``) and
repairs the index: missing or older listings are indexed from the snapshot it returns,
deletions it missed become tombstones, and listings properties no longer knows are removed.

Run once from a shell: ``python -m subgraphs.search.reconcile``.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Protocol

import httpx
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from common.db import transaction
from subgraphs.search.models import reconciliations
from subgraphs.search.service.documents import document_from_graph
from subgraphs.search.service.indexing import IndexingService
from subgraphs.search.service.query import IndexedVersion, ListingDocument

log = logging.getLogger("realio.search.reconcile")

PAGE_SIZE = 100

PROPERTY_FIELDS = """
  id version title description address zipCode type status
  price { amount currency }
  bedrooms bathrooms toilets latitude longitude createdAt updatedAt
  owner { id }
"""

RECONCILIATION_QUERY = f"""
query SearchReconciliation($first: Int!, $after: String) {{
  propertiesForReconciliation(first: $first, after: $after) {{
    edges {{ node {{ id version deleted property {{ {PROPERTY_FIELDS} }} }} }}
    pageInfo {{ hasNextPage endCursor }}
  }}
}}
"""


@dataclass(frozen=True, slots=True)
class RemoteListing:
    """One entry as the properties subgraph reports it."""

    id: uuid.UUID
    version: int
    deleted: bool
    document: ListingDocument | None


TokenProvider = Callable[[], Awaitable[str | None]]


class ReconciliationError(RuntimeError):
    pass


class GraphListingSource:
    """Pages through ``propertiesForReconciliation`` on the properties subgraph over HTTP."""

    def __init__(
        self, http: httpx.AsyncClient, url: str, token: TokenProvider, page_size: int = PAGE_SIZE
    ) -> None:
        self.http = http
        self.url = url
        self.token = token
        self.page_size = page_size

    async def pages(self) -> AsyncIterator[list[RemoteListing]]:
        token = await self.token()
        headers = {"authorization": f"Bearer {token}"} if token else {}
        after: str | None = None
        while True:
            variables = {"first": self.page_size, "after": after}
            response = await self.http.post(
                self.url,
                json={"query": RECONCILIATION_QUERY, "variables": variables},
                headers=headers,
            )
            body = response.json()
            if body.get("errors") or not body.get("data"):
                raise ReconciliationError(f"properties answered with errors: {body.get('errors')}")
            connection = body["data"]["propertiesForReconciliation"]
            yield [_remote(edge["node"]) for edge in connection["edges"]]
            info = connection["pageInfo"]
            if not info["hasNextPage"]:
                return
            after = info["endCursor"]


def _remote(node: dict[str, Any]) -> RemoteListing:
    snapshot = node.get("property")
    return RemoteListing(
        id=uuid.UUID(str(node["id"])),
        version=int(node["version"]),
        deleted=bool(node["deleted"]),
        document=None if snapshot is None else document_from_graph(snapshot),
    )


class ListingSource(Protocol):
    """What the reconciler reads: pages of every listing and tombstone the source knows."""

    def pages(self) -> AsyncIterator[list[RemoteListing]]: ...


@dataclass
class ReconciliationReport:
    scanned: int = 0
    repaired: int = 0
    removed: int = 0
    repaired_ids: list[str] = field(default_factory=list)
    removed_ids: list[str] = field(default_factory=list)


class Reconciler:
    def __init__(
        self,
        sessions: async_sessionmaker[AsyncSession],
        indexing: IndexingService,
        source: ListingSource,
    ) -> None:
        self.sessions = sessions
        self.indexing = indexing
        self.source = source

    async def run_once(self) -> ReconciliationReport:
        """One full comparison; returns what was repaired."""
        async with self.sessions() as session:
            started_at: datetime = (await session.execute(select(func.now()))).scalar_one()
        indexed = await self.indexing.index.indexed_versions()
        report = ReconciliationReport()
        seen: set[uuid.UUID] = set()
        async for page in self.source.pages():
            for remote in page:
                report.scanned += 1
                seen.add(remote.id)
                await self._repair(remote, indexed.get(remote.id), report)
        # Listings properties no longer knows at all. One indexed after this run started may
        # be newer than the scan saw, so it is left for the next run.
        for listing_id, known in indexed.items():
            if listing_id in seen or known.deleted or known.indexed_at >= started_at:
                continue
            async with transaction(self.sessions) as session:
                if await self.indexing.remove_listing(session, listing_id, known.version):
                    report.removed += 1
                    report.removed_ids.append(str(listing_id))
        async with transaction(self.sessions) as session:
            await session.execute(
                reconciliations.insert().values(
                    started_at=started_at,
                    finished_at=func.now(),
                    scanned=report.scanned,
                    repaired=report.repaired,
                    removed=report.removed,
                    details={
                        "repaired": report.repaired_ids[:100],
                        "removed": report.removed_ids[:100],
                    },
                )
            )
        return report

    async def _repair(
        self, remote: RemoteListing, known: IndexedVersion | None, report: ReconciliationReport
    ) -> None:
        if remote.deleted:
            if known is not None and known.deleted:
                return
            async with transaction(self.sessions) as session:
                removed = await self.indexing.remove_listing(session, remote.id, remote.version)
            if removed or known is None:
                report.removed += 1
                report.removed_ids.append(str(remote.id))
            return
        if remote.document is None:
            return
        if known is not None and (known.deleted or known.version >= remote.version):
            return
        async with transaction(self.sessions) as session:
            outcome, _ = await self.indexing.index_listing(session, remote.document)
        if outcome.applied:
            report.repaired += 1
            report.repaired_ids.append(str(remote.id))


# After a failed run, the next comes sooner than the interval: first after this many seconds,
# doubling on each further failure up to the interval itself. A search started alongside
# properties and users (``make run``) thus repairs its index within seconds of them answering.
RETRY_FIRST_SECONDS = 2.0


def next_delay(interval_seconds: float, failures: int, elapsed: float) -> float:
    """Seconds to wait before the next run, given consecutive ``failures`` so far."""
    if failures == 0:
        return max(interval_seconds - elapsed, 1.0)
    return min(interval_seconds, RETRY_FIRST_SECONDS * 2 ** (failures - 1))


async def run_periodically(
    reconciler: Reconciler, interval_seconds: float, stop: asyncio.Event
) -> None:
    """Reconcile every ``interval_seconds`` until ``stop`` is set; failures are logged and
    retried with backoff (:func:`next_delay`)."""
    failures = 0
    while not stop.is_set():
        started = time.perf_counter()
        try:
            report = await reconciler.run_once()
            failures = 0
            if report.repaired or report.removed:
                log.warning(
                    "reconciliation repaired the index",
                    extra={"repaired": report.repaired, "removed": report.removed},
                )
        except (httpx.TransportError, ReconciliationError) as error:
            # Expected while properties or users are starting or down: one line, no trace.
            failures += 1
            log.warning(
                "reconciliation skipped; retrying",
                extra={
                    "error": str(error) or repr(error),
                    "retry_in_seconds": next_delay(interval_seconds, failures, 0.0),
                },
            )
        except Exception:
            failures += 1
            log.exception("reconciliation failed; retrying")
        delay = next_delay(interval_seconds, failures, time.perf_counter() - started)
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stop.wait(), delay)
