"""The model this instance serves, kept current without a restart.

``refresh`` (run on a timer by the app, and by tests directly) loads the newest artefact when
``model_versions`` names one this instance does not serve yet, and adds the listings that
changed since it last looked to the served model with the fitted pipeline (no refit), so a new
home is recommended by content at once. An artefact that fails to load (another key, altered
bytes, another scikit-learn) is logged and skipped: the instance keeps serving what it has.
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass, field

from common.events.progress import Progress
from subgraphs.recommendations import repository
from subgraphs.recommendations.ml import ArtefactError, Bandit, Listing, Recommender
from subgraphs.recommendations.records import ModelVersion
from subgraphs.recommendations.service.dependencies import Dependencies

log = logging.getLogger("realio.recommendations")
# Each batch scans the catalogue once for the new rows' neighbours (decision 0036): small
# batches keep each pause of the event loop short.
APPLY_BATCH = 32


@dataclass
class Served:
    """The model, its bandit and its record; replaced as a whole, never mutated in place
    except for listings added by ``refresh`` and the bandit's reward updates."""

    recommender: Recommender
    bandit: Bandit
    record: ModelVersion
    applied: dict[str, int] = field(default_factory=dict)  # listing id → version applied
    change: int = 0  # newest listing change applied


class ModelHolder:
    """See the module docstring."""

    def __init__(self, deps: Dependencies) -> None:
        self.deps = deps
        self.served: Served | None = None
        self.failed_versions: set[str] = set()
        self._lock = asyncio.Lock()
        # Notified after every refresh, so tests and tools can wait for a version to load.
        self.progress = Progress()

    @property
    def version(self) -> str | None:
        return None if self.served is None else self.served.record.version

    async def refresh(self) -> None:
        """Load a newer artefact if there is one, then apply the listings that changed."""
        async with self._lock:
            async with self.deps.sessions() as session:
                latest = await repository.latest_model_version(session)
            if latest is not None:
                record, bandit_state = latest
                if record.version != self.version and record.version not in self.failed_versions:
                    await self._load(record, bandit_state)
            if self.served is not None:
                await self._apply_changes(self.served)
        self.progress.notify()

    async def _load(self, record: ModelVersion, bandit_state: dict[str, object] | None) -> None:
        data = await self.deps.storage.get(record.storage_key)
        if data is None:
            log.error("model artefact %s is missing from storage", record.storage_key)
            self.failed_versions.add(record.version)
            return
        try:
            recommender = await asyncio.to_thread(
                Recommender.from_bytes, data, key=self.deps.artefact_key
            )
            bandit = Bandit.from_state(bandit_state) if bandit_state else Recommender.new_bandit()
        except (ArtefactError, ValueError):
            log.exception("model %s did not load; still serving %s", record.version, self.version)
            self.failed_versions.add(record.version)
            return
        # Changes since the artefact's training are re-applied from the projection, so none
        # made while it trained is lost.
        self.served = Served(recommender, bandit, record, change=record.listing_change)
        log.info("serving model %s", record.version)

    async def _apply_changes(self, served: Served) -> None:
        async with self.deps.sessions() as session:
            changed = await repository.changed_since(session, served.change)
        fresh: list[Listing] = []
        for change, version, listing in changed:
            served.change = max(served.change, change)
            if served.applied.get(listing.id) == version:
                continue
            served.applied[listing.id] = version
            if listing.status == "deleted":
                if listing.id in served.recommender:
                    served.recommender.remove_listing(listing.id)
                continue
            fresh.append(listing)
        # In the event loop, in small batches: requests read the catalogue between them and
        # never see a half-added row.
        for start in range(0, len(fresh), APPLY_BATCH):
            served.recommender.add_listings(fresh[start : start + APPLY_BATCH])
            await asyncio.sleep(0)
