"""The events notifications consumes, one group per topic (decision 0018, 0026).

Handlers run inside the consumer's transaction, which also records the event as processed, so
a redelivered event creates nothing twice; the notifications fan out after that commit.
"""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from common.events import BatchEventHandler, ConsumerSpec, Event, EventHandler
from subgraphs.notifications.service import user_events
from subgraphs.notifications.service.booking_events import BOOKING_EVENTS, drafts_for
from subgraphs.notifications.service.inbox import Inbox
from subgraphs.notifications.service.message_alerts import MESSAGE_EVENTS, MessageAlerts
from subgraphs.notifications.service.property_events import (
    FAVORITE_EVENTS,
    PROPERTY_EVENTS,
    PropertyTriggers,
)
from subgraphs.notifications.service.search_events import SAVED_SEARCH_MATCHED
from subgraphs.notifications.service.search_events import drafts_for as search_drafts
from subgraphs.notifications.service.users_directory import USER_EVENTS, UsersDirectory

GROUP = "notifications-bookings"
BOOKINGS_TOPIC = "realio.bookings"
USERS_GROUP = "notifications-users"
PROPERTIES_GROUP = "notifications-properties"
SEARCHES_GROUP = "notifications-searches"
MESSAGES_GROUP = "notifications-messages"


def booking_consumer(inbox: Inbox, *, max_attempts: int = 5) -> ConsumerSpec:
    """Notifications' consumer group on ``realio.bookings``."""

    async def on_booking_event(session: AsyncSession, event: Event) -> None:
        await inbox.deliver(session, drafts_for(event))

    handlers: dict[str, EventHandler] = {t: on_booking_event for t in BOOKING_EVENTS}
    return ConsumerSpec(
        group=GROUP, topics=[BOOKINGS_TOPIC], handlers=handlers, max_attempts=max_attempts
    )


def users_consumer(inbox: Inbox, directory: UsersDirectory) -> ConsumerSpec:
    """``realio.users``: the projection of users, the welcome and new sign-in alerts."""

    async def on_user_event(session: AsyncSession, event: Event) -> None:
        await directory.apply(session, event)
        await inbox.deliver(session, user_events.drafts_for(event))

    types = (*USER_EVENTS, user_events.SESSION_STARTED)
    handlers: dict[str, EventHandler] = {t: on_user_event for t in types}
    return ConsumerSpec(group=USERS_GROUP, topics=["realio.users"], handlers=handlers)


def properties_consumer(inbox: Inbox, triggers: PropertyTriggers) -> ConsumerSpec:
    """``realio.properties``: the projection of favourites and what befalls them."""

    async def on_property_event(session: AsyncSession, event: Event) -> None:
        await inbox.deliver(session, await triggers.apply(session, event))

    # Favourites arrive in bursts (a popular listing): a run of them is one statement.
    batched: dict[str, BatchEventHandler] = {t: triggers.apply_favorites for t in FAVORITE_EVENTS}
    handlers: dict[str, EventHandler] = {
        t: on_property_event for t in PROPERTY_EVENTS if t not in batched
    }
    return ConsumerSpec(
        group=PROPERTIES_GROUP,
        topics=["realio.properties"],
        handlers=handlers,
        batch_handlers=batched,
    )


def searches_consumer(inbox: Inbox) -> ConsumerSpec:
    """``realio.searches``: saved-search matches."""

    async def on_match(session: AsyncSession, event: Event) -> None:
        await inbox.deliver(session, search_drafts(event))

    return ConsumerSpec(
        group=SEARCHES_GROUP, topics=["realio.searches"], handlers={SAVED_SEARCH_MATCHED: on_match}
    )


def messages_consumer(alerts: MessageAlerts) -> ConsumerSpec:
    """``realio.messages``: unread-message alerts, scheduled and cancelled."""
    handlers: dict[str, EventHandler] = {t: alerts.apply for t in MESSAGE_EVENTS}
    return ConsumerSpec(group=MESSAGES_GROUP, topics=["realio.messages"], handlers=handlers)
