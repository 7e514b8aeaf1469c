"""GraphQL types of the recommendations subgraph: extensions of Property and User.

Each recommendation is a ``Property`` reference (every other field comes from properties) that
carries its score and reason in ``recommendationScore``/``recommendationReason``.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated

import strawberry
import strawberry.federation as federation
from strawberry.dataloader import DataLoader
from strawberry.types import Info

from common.context import RequestContext
from subgraphs.recommendations.ml import UserState
from subgraphs.recommendations.records import InteractionKind as InteractionKindRecord
from subgraphs.recommendations.records import Recommendation
from subgraphs.recommendations.service import RecommendationsServices

Context = RequestContext[RecommendationsServices]
RecommendationsInfo = Info[Context, None]
DEFAULT_FIRST = 10

InteractionKind = strawberry.enum(
    InteractionKindRecord,
    name="InteractionKind",
    description="VIEW: the viewer opened the home; CLICK: they opened it from a "
    "recommendation; NOT_INTERESTED: never recommend it to them again. Favourites, saved "
    "searches, viewings and conversations count without being recorded here.",
)

First = Annotated[
    int, strawberry.argument(description=f"How many, at most 50 (default {DEFAULT_FIRST}).")
]


def viewer_state_loader(info: RecommendationsInfo) -> DataLoader[uuid.UUID, UserState]:
    """The request's loader of viewers' filter states: one statement per batch."""
    context = info.context

    def build() -> DataLoader[uuid.UUID, UserState]:
        async def load(ids: list[uuid.UUID]) -> list[UserState]:
            return await context.services.recommending.viewer_states(ids)

        return DataLoader(load_fn=load)

    return context.loader("viewer_states", build)


async def viewer_state(info: RecommendationsInfo) -> UserState | None:
    """The signed-in viewer's filters (None when anonymous), loaded once per request."""
    user_id = info.context.viewer.user_id
    return None if user_id is None else await viewer_state_loader(info).load(user_id)


def _property_id(value: strawberry.ID) -> uuid.UUID | None:
    try:
        return uuid.UUID(str(value))
    except ValueError:
        return None


def references(items: list[Recommendation]) -> list[Property]:
    return [
        Property(
            id=strawberry.ID(str(item.property_id)),
            recommendation_score=item.score,
            recommendation_reason=item.reason,
        )
        for item in items
    ]


@federation.type(keys=["id"], description="A listing; the properties subgraph owns its fields.")
class Property:
    id: strawberry.ID
    recommendation_score: float | None = strawberry.field(
        default=None,
        description="On a home returned by recommendations, similarProperties or "
        "recommendedProperties: how strongly it is recommended (higher first); null elsewhere.",
    )
    recommendation_reason: str | None = strawberry.field(
        default=None,
        description='On a recommended home: why, in words ("Similar to a home you saved", '
        '"Popular in Austin under $900K"); null elsewhere.',
    )

    @strawberry.field(
        description="Homes to show on this one's page: similar homes blended with what people "
        "who liked it also liked, diversified; never the viewer's own, sold or off-market "
        "homes or those they marked not interested. Empty until the home has features."
    )
    async def recommendations(
        self, info: RecommendationsInfo, first: First = DEFAULT_FIRST
    ) -> list[Property] | None:
        property_id = _property_id(self.id)
        viewer = await viewer_state(info)
        if property_id is None:
            return []
        items = info.context.services.recommending.for_property(property_id, first, viewer)
        return references(items)

    @strawberry.field(
        description="The homes most similar to this one by content (type, price, size, place, "
        "description), filtered like recommendations. Empty until the home has features."
    )
    async def similar_properties(
        self, info: RecommendationsInfo, first: First = DEFAULT_FIRST
    ) -> list[Property] | None:
        property_id = _property_id(self.id)
        viewer = await viewer_state(info)
        if property_id is None:
            return []
        items = info.context.services.recommending.similar(property_id, first, viewer)
        return references(items)

    @classmethod
    def resolve_reference(cls, id: strawberry.ID) -> Property:
        return cls(id=id)


@federation.type(keys=["id"], description="A user; the users subgraph owns every other field.")
class User:
    id: strawberry.ID

    @strawberry.field(
        description="The signed-in user's personal feed: homes like those they engaged with, "
        "what people with similar tastes liked, and what is popular where they search; each "
        "with recommendationScore and recommendationReason. Only the user themself may read "
        "it (FORBIDDEN otherwise)."
    )
    async def recommended_properties(
        self, info: RecommendationsInfo, first: First = DEFAULT_FIRST
    ) -> list[Property] | None:
        try:
            user_id = uuid.UUID(str(self.id))
        except ValueError:
            user_id = uuid.UUID(int=0)
        items = await info.context.services.recommending.feed(info.context.viewer, user_id, first)
        return references(items)

    @classmethod
    def resolve_reference(cls, id: strawberry.ID) -> User:
        return cls(id=id)


@strawberry.type(description="An interaction recorded for the signed-in viewer.")
class RecordedInteraction:
    kind: InteractionKind  # type: ignore[valid-type]
    recorded_at: datetime = strawberry.field(description="UTC.")
    property: Property
