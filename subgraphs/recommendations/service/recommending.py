"""Answers: a home's recommendations and similar homes, and the viewer's personal feed.

Scoring is in memory over the served model's precomputed arrays (``ModelHolder``); a request
reads at most the viewer's recent interactions and saved searches (one statement each, once
per request however many homes it asks about). Every answer is filtered for the viewer: never
their own listings, never a home they marked not interested, never sold or off-market ones.
"""

from __future__ import annotations

import uuid
from collections import OrderedDict
from collections.abc import Sequence

from common.auth import require_authenticated
from common.auth.viewer import Viewer
from common.errors import BadUserInput, Forbidden
from subgraphs.recommendations import repository
from subgraphs.recommendations.ml import Scored, UserState
from subgraphs.recommendations.records import Recommendation
from subgraphs.recommendations.service.dependencies import Dependencies
from subgraphs.recommendations.service.feed_cache import FeedCache
from subgraphs.recommendations.service.impressions import ImpressionLog
from subgraphs.recommendations.service.model import ModelHolder, Served

MAX_FIRST = 50
# Answers for a home that depend on no viewer, kept per model version and listings change:
# a popular home's page is then a dictionary lookup (precomputed neighbours, in effect).
MEMO_SIZE = 20_000
# The feed is computed (and cached) at least this long, so paging a little further is a hit.
FEED_BATCH = 10


def check_first(first: int) -> int:
    if first < 0 or first > MAX_FIRST:
        raise BadUserInput(f"first must be between 0 and {MAX_FIRST}.", field="first")
    return first


def _answer(picks: Sequence[Scored]) -> list[Recommendation]:
    return [Recommendation(uuid.UUID(p.property_id), p.score, p.reason, p.source) for p in picks]


class Recommending:
    def __init__(
        self,
        deps: Dependencies,
        holder: ModelHolder,
        feed_cache: FeedCache,
        impressions: ImpressionLog,
    ) -> None:
        self.deps = deps
        self.holder = holder
        self.feed_cache = feed_cache
        self.impressions = impressions
        self._memo: OrderedDict[tuple[str, str, int, str, int], list[Recommendation]] = (
            OrderedDict()
        )

    async def viewer_states(self, user_ids: Sequence[uuid.UUID]) -> list[UserState]:
        """The filters' view of several viewers (their recent interactions), one statement."""
        async with self.deps.reads() as session:
            found = await repository.recent_interactions_of_many(session, user_ids)
        return [UserState(str(u), interactions=found[u]) for u in user_ids]

    def for_property(
        self, property_id: uuid.UUID, first: int, viewer: UserState | None
    ) -> list[Recommendation]:
        """A home's recommendations: similar homes blended with "people who liked this also
        liked", diversified. A home the model has no features for yet: []."""
        served = self.holder.served
        if check_first(first) == 0 or served is None:
            return []
        return self._home(served, "for_property", property_id, first, viewer)

    def similar(
        self, property_id: uuid.UUID, first: int, viewer: UserState | None
    ) -> list[Recommendation]:
        """The homes nearest by content (type, price, size, place, words)."""
        served = self.holder.served
        if check_first(first) == 0 or served is None:
            return []
        return self._home(served, "similar", property_id, first, viewer)

    def _home(
        self,
        served: Served,
        kind: str,
        property_id: uuid.UUID,
        first: int,
        viewer: UserState | None,
    ) -> list[Recommendation]:
        """A home's answer; memoised when the viewer changes nothing (anonymous, or owning no
        listing and having marked none not interested)."""
        recommender = served.recommender
        answer = recommender.similar if kind == "similar" else recommender.for_property
        if viewer is not None and (
            viewer.excluded_ids() or recommender.catalogue.owners.get(viewer.user_id) >= 0
        ):
            return _answer(answer(str(property_id), first, viewer=viewer))
        key = (kind, str(property_id), first, served.record.version, served.change)
        found = self._memo.get(key)
        if found is None:
            found = self._memo[key] = _answer(answer(str(property_id), first))
            if len(self._memo) > MEMO_SIZE:
                self._memo.popitem(last=False)
        else:
            self._memo.move_to_end(key)
        return found

    async def feed(self, viewer: Viewer, user_id: uuid.UUID, first: int) -> list[Recommendation]:
        """The viewer's own feed (FORBIDDEN for anyone else's, admins included: interactions
        are private), cached until their next interaction or the next model."""
        check_first(first)
        if require_authenticated(viewer) != user_id:
            raise Forbidden("Recommendations are only shown to the user they are for.")
        served = self.holder.served
        if first == 0 or served is None:
            return []
        version = served.record.version
        cached = await self.feed_cache.get(user_id, version, first)
        now = self.deps.clock()
        if cached is not None:
            return cached
        async with self.deps.reads() as session:
            history = await repository.recent_interactions(session, user_id)
            searches = await repository.recent_searches(session, user_id)
        state = UserState(str(user_id), interactions=history, searches=searches)
        size = max(first, FEED_BATCH)
        bandit = served.bandit if self.deps.use_bandit else None
        picks = served.recommender.feed(state, size, bandit=bandit, now=now)
        self.impressions.log(user_id, picks[:first], version, now)
        answer = _answer(picks)
        await self.feed_cache.put(user_id, version, answer, complete=len(picks) < size)
        return answer[:first]
