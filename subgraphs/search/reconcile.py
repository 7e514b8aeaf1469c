"""Reconciliation: compare the index with the properties subgraph and repair what differs.

Events are delivered at least once, but an operator may skip a dead letter, a database may be
restored, or a bug may drop one; every few minutes search reads listings THROUGH THE GRAPH (the
properties subgraph's ``propertiesForReconciliation``) and repairs the index: missing or older
listings are indexed from the snapshot it returns and deletions it missed become tombstones.

Most runs are incremental: they ask only for what changed (or was deleted) since the last
successful run started, minus :data:`SAFETY_MARGIN`. A full run reads every listing, and only it
can find listings properties no longer knows at all (a restored backup of the index), which it
removes; one comes every ``REALIO_SEARCH_RECONCILE_FULL_INTERVAL_SECONDS`` (:func:`plan_run`).
Every run, failed ones too, is a row of ``search_reconciliations``, which the schedule reads.

Run once from a shell: ``python -m subgraphs.search.reconcile [--full]``.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import logging
import time
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from enum import StrEnum
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
query SearchReconciliation($first: Int!, $after: String, $updatedSince: DateTime) {{
  propertiesForReconciliation(first: $first, after: $after, updatedSince: $updatedSince) {{
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

    async def pages(
        self, updated_since: datetime | None = None
    ) -> AsyncIterator[list[RemoteListing]]:
        token = await self.token()
        headers = {"authorization": f"Bearer {token}"} if token else {}
        after: str | None = None
        since = None if updated_since is None else updated_since.isoformat()
        while True:
            variables = {"first": self.page_size, "after": after, "updatedSince": since}
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
    """What the reconciler reads: pages of the listings and tombstones the source knows, all of
    them, or only those changed (or deleted) at or after ``updated_since``."""

    def pages(
        self, updated_since: datetime | None = None
    ) -> AsyncIterator[list[RemoteListing]]: ...


class RunKind(StrEnum):
    FULL = "full"
    INCREMENTAL = "incremental"


class Outcome(StrEnum):
    SUCCEEDED = "succeeded"
    FAILED = "failed"


# How far before the last successful run's start an incremental run reads. A listing's change
# time is properties' ``now()``, the START of the transaction that made it, while this run's
# start is search's ``now()``: a change whose transaction began before the last run started but
# committed after that run read its page would be missed without a margin, and so would one
# stamped by a properties database whose clock runs behind search's. Properties' write
# transactions are a few statements (files are stored before the transaction opens), so they
# last milliseconds, and NTP keeps database clocks within a second; two minutes is two orders
# of magnitude more than both, and costs an incremental run only re-reading two minutes of
# changes. Anything later still (a transaction stalled for minutes) is repaired by the next
# full run.
SAFETY_MARGIN = timedelta(seconds=120)
DEFAULT_FULL_INTERVAL = timedelta(hours=24)


@dataclass(frozen=True, slots=True)
class PastRuns:
    """When the latest successful run, and the latest successful full run, started."""

    last_success: datetime | None
    last_full_success: datetime | None


@dataclass(frozen=True, slots=True)
class RunPlan:
    kind: RunKind
    updated_since: datetime | None  # None for a full run


def plan_run(
    now: datetime,
    past: PastRuns,
    *,
    full_interval: timedelta | None,
    margin: timedelta = SAFETY_MARGIN,
    force_full: bool = False,
) -> RunPlan:
    """The next run: full when asked for, when no run has succeeded yet, or when the latest
    successful full run started ``full_interval`` or longer ago (``None``: never for that
    reason); otherwise incremental from the latest successful run's start minus ``margin``.

    The schedule lives in ``search_reconciliations``, not in the process: the first run after a
    restart is incremental when a full run succeeded recently, and a restart does not postpone
    the daily full run.
    """
    full = RunPlan(RunKind.FULL, None)
    if force_full or past.last_success is None or past.last_full_success is None:
        return full
    if full_interval is not None and now - past.last_full_success >= full_interval:
        return full
    return RunPlan(RunKind.INCREMENTAL, past.last_success - margin)


@dataclass
class ReconciliationReport:
    kind: RunKind = RunKind.FULL
    updated_since: datetime | None = None
    pages: int = 0
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
        *,
        full_interval: timedelta | None = DEFAULT_FULL_INTERVAL,
        margin: timedelta = SAFETY_MARGIN,
    ) -> None:
        self.sessions = sessions
        self.indexing = indexing
        self.source = source
        self.full_interval = full_interval
        self.margin = margin

    async def run_once(self, *, force_full: bool = False) -> ReconciliationReport:
        """One run, full or incremental as :func:`plan_run` decides; returns what was repaired.

        The run is recorded whether it succeeds or fails; only successful ones move the window.
        """
        async with self.sessions() as session:
            started_at: datetime = (await session.execute(select(func.now()))).scalar_one()
            past = await _past_runs(session)
        plan = plan_run(
            started_at,
            past,
            full_interval=self.full_interval,
            margin=self.margin,
            force_full=force_full,
        )
        report = ReconciliationReport(kind=plan.kind, updated_since=plan.updated_since)
        try:
            await self._compare(started_at, report)
        except Exception as error:
            with contextlib.suppress(Exception):  # the database may be why it failed
                await self._record(started_at, report, Outcome.FAILED, str(error) or repr(error))
            raise
        await self._record(started_at, report, Outcome.SUCCEEDED)
        return report

    async def _compare(self, started_at: datetime, report: ReconciliationReport) -> None:
        indexed = await self.indexing.index.indexed_versions()
        seen: set[uuid.UUID] = set()
        fresh_versions = getattr(self.indexing.index, "indexed_versions_of", None)
        async for page in self.source.pages(report.updated_since):
            report.pages += 1
            current = {remote.id: indexed.get(remote.id) for remote in page}
            stale = [r.id for r in page if _may_need_repair(r, current[r.id])]
            if stale and fresh_versions is not None:
                # The snapshot was taken when the run started; the consumer has usually
                # indexed these since (a run overlapping a burst of writes, or the first run
                # while the seeded listings' events are applied). One read per page, instead
                # of a locked transaction per listing that would change nothing.
                current.update(await fresh_versions(stale))
            for remote in page:
                report.scanned += 1
                seen.add(remote.id)
                await self._repair(remote, current[remote.id], report)
        if report.kind is not RunKind.FULL:
            return  # an unchanged listing is absent from an incremental read, not unknown
        # Listings properties no longer knows at all. One indexed after this run started may
        # be newer than the scan saw, so it is left for the next run.
        for listing_id, known in indexed.items():
            if listing_id in seen or known.deleted or known.indexed_at >= started_at:
                continue
            async with transaction(self.sessions) as session:
                if await self.indexing.remove_listing(session, listing_id, known.version):
                    report.removed += 1
                    report.removed_ids.append(str(listing_id))

    async def _record(
        self,
        started_at: datetime,
        report: ReconciliationReport,
        outcome: Outcome,
        error: str | None = None,
    ) -> None:
        details: dict[str, Any] = {
            "repaired": report.repaired_ids[:100],
            "removed": report.removed_ids[:100],
        }
        if error is not None:
            details["error"] = error[:1000]
        async with transaction(self.sessions) as session:
            await session.execute(
                reconciliations.insert().values(
                    started_at=started_at,
                    finished_at=func.now(),
                    kind=report.kind.value,
                    outcome=outcome.value,
                    updated_since=report.updated_since,
                    pages=report.pages,
                    scanned=report.scanned,
                    repaired=report.repaired,
                    removed=report.removed,
                    details=details,
                )
            )

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


def _may_need_repair(remote: RemoteListing, known: IndexedVersion | None) -> bool:
    """Whether ``_repair`` would write for ``remote`` given what the index knew (``known``)."""
    if remote.deleted:
        return known is None or not known.deleted
    if remote.document is None:
        return False
    return known is None or (not known.deleted and known.version < remote.version)


async def _past_runs(session: AsyncSession) -> PastRuns:
    succeeded = reconciliations.c.outcome == Outcome.SUCCEEDED.value
    latest = select(func.max(reconciliations.c.started_at)).where(succeeded)
    latest_full = latest.where(reconciliations.c.kind == RunKind.FULL.value)
    return PastRuns(
        last_success=(await session.execute(latest)).scalar_one(),
        last_full_success=(await session.execute(latest_full)).scalar_one(),
    )


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
        skipped: Exception | None = None
        try:
            report = await reconciler.run_once()
            failures = 0
            if report.repaired or report.removed:
                log.warning(
                    "reconciliation repaired the index",
                    extra={
                        "kind": report.kind.value,
                        "repaired": report.repaired,
                        "removed": report.removed,
                    },
                )
        except (httpx.TransportError, ReconciliationError) as error:
            failures += 1
            skipped = error
        except Exception:
            failures += 1
            log.exception("reconciliation failed; retrying")
        delay = next_delay(interval_seconds, failures, time.perf_counter() - started)
        if skipped is not None:
            # Expected while properties or users are starting or down: one line, no trace.
            log.warning(
                "reconciliation skipped; retrying",
                extra={"error": str(skipped) or repr(skipped), "retry_in_seconds": delay},
            )
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stop.wait(), delay)


async def _run_from_shell(full: bool) -> ReconciliationReport:
    from dataclasses import replace

    from common.config import get_settings
    from common.db import create_engine, session_factory
    from subgraphs.search.app import SUBGRAPH, SearchOptions, build_index, build_reconciler
    from subgraphs.search.service.container import build_services

    settings = get_settings()
    engine = create_engine(settings, SUBGRAPH)
    index = build_index(settings, engine)
    # From a shell, any earlier successful run is enough for an incremental one.
    options = replace(SearchOptions.from_settings(settings), reconcile_full_interval_seconds=0)
    try:
        async with httpx.AsyncClient(timeout=30) as http:
            services = build_services(index, session_factory(engine))
            reconciler = build_reconciler(settings, services, engine, http, options)
            return await reconciler.run_once(force_full=full)
    finally:
        close = getattr(index, "close", None)
        if close is not None:
            await close()
        await engine.dispose()


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(
        prog="python -m subgraphs.search.reconcile",
        description="Reconcile search's index with the properties subgraph once: incremental "
        "when a previous run succeeded, full otherwise or with --full.",
    )
    parser.add_argument(
        "--full", action="store_true", help="read every listing, and remove unknown ones"
    )
    args = parser.parse_args(argv)
    report = asyncio.run(_run_from_shell(args.full))
    print(
        f"{report.kind.value} reconciliation: {report.scanned} entries in {report.pages} pages, "
        f"{report.repaired} repaired, {report.removed} removed"
    )


if __name__ == "__main__":
    main()
