"""``recordInteraction``: a view, a click on a recommendation, or "not interested".

Private to the viewer. The write is one short transaction (the interaction row, the reward of
the impression it answers, and a ``recommendation.interaction`` event in the outbox); nothing
is fitted: the next request folds the new signal in (decision 0028), and the viewer's cached
feed is dropped so that request sees it.
"""

from __future__ import annotations

import uuid

from common.auth import require_authenticated
from common.auth.viewer import Viewer
from common.db import transaction
from common.errors import NotFound
from common.events import new_event, record_event
from subgraphs.recommendations import repository
from subgraphs.recommendations.records import InteractionKind, RecordedInteraction
from subgraphs.recommendations.service.dependencies import Dependencies
from subgraphs.recommendations.service.feed_cache import FeedCache
from subgraphs.recommendations.service.impressions import Rewards

INTERACTION_EVENT = "recommendation.interaction"


class Interactions:
    def __init__(self, deps: Dependencies, feed_cache: FeedCache, rewards: Rewards) -> None:
        self.deps = deps
        self.feed_cache = feed_cache
        self.rewards = rewards

    async def record(
        self, viewer: Viewer, property_id: uuid.UUID, kind: InteractionKind
    ) -> RecordedInteraction:
        """Record it for the signed-in viewer; NOT_FOUND for a home the graph does not know."""
        user_id = require_authenticated(viewer)
        at = self.deps.clock()
        async with transaction(self.deps.sessions) as session:
            if not await repository.known_listing(session, property_id):
                raise NotFound("No such property.", field="propertyId")
            await repository.add_interaction(
                session,
                user_id=user_id,
                property_id=property_id,
                kind=kind.value,
                origin="graph",
                at=at,
            )
            rewarded = await self.rewards.record(session, user_id, property_id, kind.value, at)
            await record_event(
                session,
                new_event(
                    INTERACTION_EVENT,
                    user_id,
                    {
                        "user_id": str(user_id),
                        "property_id": str(property_id),
                        "kind": kind.value,
                        "source": None if rewarded is None else rewarded[0],
                        "at": at.isoformat(),
                    },
                    producer="recommendations",
                    aggregate_type="recommendations",
                ),
            )
        await self.feed_cache.invalidate(user_id)
        self.rewards.apply(rewarded)
        return RecordedInteraction(property_id=property_id, kind=kind, at=at)
