"""``python -m subgraphs.recommendations.train`` and the first training of an empty instance.

Reads the projection and every interaction from Postgres, fits the ``Recommender`` in a worker
thread, fits the bandit on the impression log, writes the signed artefact through the storage
port and records it in ``model_versions``; instances pick it up on their next refresh. A
training that fails writes nothing, so instances keep serving the model they have.
"""

from __future__ import annotations

import asyncio
import logging
import time
import uuid

from common.db import transaction
from subgraphs.recommendations import repository
from subgraphs.recommendations.ml import FEED_CONTEXT_DIMENSIONS, Bandit, Recommender
from subgraphs.recommendations.records import ModelVersion
from subgraphs.recommendations.service.dependencies import Dependencies

log = logging.getLogger("realio.recommendations")
ARTEFACT_PREFIX = "recommendations/models"
# The bandit is refitted on this many of the newest impressions (older ones taught it little
# that the newer ones do not).
IMPRESSION_REPLAY = 200_000


class NothingToTrain(Exception):
    """The projection has no listing yet."""


def fit_bandit(log_rows: list[tuple[str, list[float], float]], seed: int = 0) -> Bandit:
    """A bandit updated with each logged (source, context, reward), oldest first."""
    bandit = Recommender.new_bandit(seed)
    for source, context, reward in reversed(log_rows):
        if len(context) == FEED_CONTEXT_DIMENSIONS:
            bandit.update(context, source, reward)
    return bandit


class Training:
    def __init__(self, deps: Dependencies) -> None:
        self.deps = deps

    async def train(self, *, seed: int = 0) -> ModelVersion:
        """Fit, store and record a new model version; raises NothingToTrain without listings."""
        started = time.perf_counter()
        async with self.deps.sessions() as session:
            listings, newest_change = await repository.all_listings(session)
            interactions = [i async for i in repository.every_interaction(session)]
            impressions = await repository.impression_log(session, IMPRESSION_REPLAY)
        active = [listing for listing in listings if listing.status != "deleted"]
        if not active:
            raise NothingToTrain("no listings to train on yet")
        now = self.deps.clock()
        model = await asyncio.to_thread(Recommender.fit, active, interactions, now=now, seed=seed)
        # The model holds what it needs: free the rows before the artefact is written.
        listing_count, interaction_count = len(active), len(interactions)
        del listings, active, interactions
        # Two trainings of the same data in the same second stay two versions.
        model.version = f"{model.version}-{uuid.uuid4().hex[:6]}"
        data = await asyncio.to_thread(model.to_bytes, key=self.deps.artefact_key)
        bandit = fit_bandit(impressions, seed)
        key = f"{ARTEFACT_PREFIX}/{model.version}.recs"
        await self.deps.storage.put(key, data, "application/octet-stream")
        record = ModelVersion(
            version=model.version,
            storage_key=key,
            trained_at=now,
            listings=listing_count,
            interactions=interaction_count,
            seconds=time.perf_counter() - started,
            listing_change=newest_change,
        )
        async with transaction(self.deps.sessions) as session:
            await repository.add_model_version(session, record, bandit.to_state())
        log.info(
            "trained model %s on %d listings and %d interactions in %.1f s",
            record.version,
            record.listings,
            record.interactions,
            record.seconds,
        )
        return record
