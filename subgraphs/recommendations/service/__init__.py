"""The recommendations subgraph's use cases (no Strawberry here)."""

from __future__ import annotations

from dataclasses import dataclass

from subgraphs.recommendations.service.dependencies import Dependencies
from subgraphs.recommendations.service.feed_cache import FeedCache
from subgraphs.recommendations.service.impressions import ImpressionLog, Rewards
from subgraphs.recommendations.service.interactions import Interactions
from subgraphs.recommendations.service.model import ModelHolder
from subgraphs.recommendations.service.projection import Projection
from subgraphs.recommendations.service.recommending import Recommending
from subgraphs.recommendations.service.training import Training


@dataclass(frozen=True)
class RecommendationsServices:
    deps: Dependencies
    model: ModelHolder
    feed_cache: FeedCache
    impressions: ImpressionLog
    rewards: Rewards
    recommending: Recommending
    interactions: Interactions
    projection: Projection
    training: Training

    @classmethod
    def build(cls, deps: Dependencies) -> RecommendationsServices:
        model = ModelHolder(deps)
        feed_cache = FeedCache(deps.cache, deps.cache_ttl_seconds)
        impressions = ImpressionLog(deps)
        rewards = Rewards(deps, model)
        return cls(
            deps=deps,
            model=model,
            feed_cache=feed_cache,
            impressions=impressions,
            rewards=rewards,
            recommending=Recommending(deps, model, feed_cache, impressions),
            interactions=Interactions(deps, feed_cache, rewards),
            projection=Projection(feed_cache, rewards),
            training=Training(deps),
        )


__all__ = ["Dependencies", "RecommendationsServices"]
