"""The event consumers of the recommendations subgraph, one group per topic (each idempotent:
the runtime records processed event ids with the handler's effect, and interactions keep the
id of the event they came from)."""

from __future__ import annotations

from common.events import ConsumerSpec
from subgraphs.recommendations.service.projection import Projection

PROPERTIES_GROUP = "recommendations-properties"
SEARCHES_GROUP = "recommendations-searches"
BOOKINGS_GROUP = "recommendations-bookings"
MESSAGES_GROUP = "recommendations-messages"


def consumer_specs(projection: Projection, *, max_attempts: int = 5) -> list[ConsumerSpec]:
    """Every consumer group recommendations runs."""
    return [
        ConsumerSpec(
            group=PROPERTIES_GROUP,
            topics=["realio.properties"],
            handlers={
                "property.deleted": projection.on_listing_deleted,
                "property.favorited": projection.on_favorite,
                "property.unfavorited": projection.on_favorite,
            },
            # Consecutive created/updated events (the usual run between two fetches) are one
            # statement: a run of either type is one call (ConsumerSpec.batch_handlers).
            batch_handlers={
                "property.created": projection.on_listings,
                "property.updated": projection.on_listings,
            },
            max_attempts=max_attempts,
        ),
        ConsumerSpec(
            group=SEARCHES_GROUP,
            topics=["realio.searches"],
            handlers={
                "search.saved_search_created": projection.on_saved_search,
                "search.saved_search_deleted": projection.on_saved_search_deleted,
            },
            max_attempts=max_attempts,
        ),
        ConsumerSpec(
            group=BOOKINGS_GROUP,
            topics=["realio.bookings"],
            handlers={"booking.requested": projection.on_booking_requested},
            max_attempts=max_attempts,
        ),
        ConsumerSpec(
            group=MESSAGES_GROUP,
            topics=["realio.messages"],
            handlers={
                "conversation.started": projection.on_conversation_started,
                "message.sent": projection.on_message_sent,
            },
            max_attempts=max_attempts,
        ),
    ]
