"""The recommendations subgraph's GraphQL schema: parse arguments, call a service, map the result.

The fields extending ``Property`` and ``User`` live in ``schema_types``.
"""

from __future__ import annotations

import uuid

import strawberry
import strawberry.federation as federation

from common.errors import BadUserInput
from common.graphql_app import schema_extensions
from common.metrics import GraphQLMetrics
from subgraphs.recommendations.schema_types import (
    InteractionKind,
    Property,
    RecommendationsInfo,
    RecordedInteraction,
    User,
)


def _property_id(value: strawberry.ID) -> uuid.UUID:
    try:
        return uuid.UUID(str(value))
    except ValueError:
        raise BadUserInput("propertyId is not a property id.", field="propertyId") from None


@strawberry.type
class Query:
    @strawberry.field(
        description="The version of the recommendation model this instance serves (null until "
        "one is trained)."
    )
    def recommendation_model_version(self, info: RecommendationsInfo) -> str | None:
        return info.context.services.model.version


@strawberry.type
class Mutation:
    @strawberry.mutation(
        description="Tell the graph the signed-in viewer viewed a home, clicked it in their "
        "recommendations, or is not interested in it. Private to the viewer; it counts from "
        "their next request on (nothing is retrained). An unknown home: NOT_FOUND."
    )
    async def record_interaction(
        self,
        info: RecommendationsInfo,
        property_id: strawberry.ID,
        kind: InteractionKind,  # type: ignore[valid-type]
    ) -> RecordedInteraction:
        recorded = await info.context.services.interactions.record(
            info.context.viewer, _property_id(property_id), kind
        )
        return RecordedInteraction(
            kind=recorded.kind,
            recorded_at=recorded.at,
            property=Property(id=strawberry.ID(str(recorded.property_id))),
        )


def build_schema(metrics: GraphQLMetrics) -> federation.Schema:
    """The schema with the extensions of one application (its metrics registry)."""
    return federation.Schema(
        query=Query,
        mutation=Mutation,
        types=[Property, User],
        extensions=schema_extensions(metrics),
    )


# What ``python -m common.sdl_export`` prints; apps build their own with their metrics.
schema = build_schema(GraphQLMetrics("recommendations"))

__all__ = ["build_schema", "schema"]
