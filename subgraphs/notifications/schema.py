"""The notifications subgraph's GraphQL schema: parse arguments, call a service, map the result."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator

import strawberry
import strawberry.federation as federation

from common.auth import Role
from common.graphql_app import schema_extensions
from common.metrics import GraphQLMetrics
from common.pagination import Connection
from subgraphs.notifications.records import Links
from subgraphs.notifications.schema_preferences import (
    NotificationPreferences,
    PushDevice,
    notification_preferences,
    register_push_device,
    unregister_push_device,
    update_notification_preferences,
)
from subgraphs.notifications.schema_types import (
    Booking,
    Notification,
    NotificationsInfo,
    Property,
    RoleEnum,
    User,
    notifications_page,
)
from subgraphs.notifications.service.validation import parse_id


class _Links:
    property_id: strawberry.ID | None
    booking_id: strawberry.ID | None
    conversation_id: strawberry.ID | None
    saved_search_id: strawberry.ID | None

    def links(self) -> Links:
        def optional(value: strawberry.ID | None, field: str) -> uuid.UUID | None:
            return None if value is None else parse_id(value, f"input.{field}")

        return Links(
            property_id=optional(self.property_id, "propertyId"),
            booking_id=optional(self.booking_id, "bookingId"),
            conversation_id=optional(self.conversation_id, "conversationId"),
            saved_search_id=optional(self.saved_search_id, "savedSearchId"),
        )


@strawberry.input(description="An announcement to one user.")
class SendNotificationInput(_Links):
    user_id: strawberry.ID
    title: str = strawberry.field(description="1 to 200 characters.")
    body: str = strawberry.field(description="1 to 2,000 characters.")
    property_id: strawberry.ID | None = None
    booking_id: strawberry.ID | None = None
    conversation_id: strawberry.ID | None = None
    saved_search_id: strawberry.ID | None = None


@strawberry.input(description="An announcement to every user with a role.")
class SendRoleNotificationInput(_Links):
    role: RoleEnum
    title: str = strawberry.field(description="1 to 200 characters.")
    body: str = strawberry.field(description="1 to 2,000 characters.")
    property_id: strawberry.ID | None = None
    booking_id: strawberry.ID | None = None
    conversation_id: strawberry.ID | None = None
    saved_search_id: strawberry.ID | None = None


@strawberry.type
class Query:
    @strawberry.field(
        description="A user's notifications, newest first (the viewer's own by default; admins "
        "may read anyone's, anyone else gets NOT_FOUND). `first` is at most 100."
    )
    async def notifications(
        self,
        info: NotificationsInfo,
        user_id: strawberry.ID | None = None,
        first: int | None = 20,
        after: str | None = None,
        unread_only: bool = False,
    ) -> Connection[Notification]:
        target = None if user_id is None else parse_id(user_id, "userId")
        owner = info.context.services.inbox.owner_for_list(info.context.viewer, target)
        return await notifications_page(info, owner, first, after, unread_only)

    notification_preferences: NotificationPreferences = strawberry.field(
        resolver=notification_preferences,
        description="A user's notification preferences (the viewer's own by default; admins "
        "may read anyone's, anyone else gets NOT_FOUND).",
    )


@strawberry.type
class Mutation:
    @strawberry.mutation(description="Its recipient marks it read (NOT_FOUND for anyone else).")
    async def mark_notification_read(
        self, info: NotificationsInfo, id: strawberry.ID
    ) -> Notification:
        found = await info.context.services.inbox.mark_read(info.context.viewer, parse_id(id, "id"))
        return Notification.of(found)

    @strawberry.mutation(description="Mark all the viewer's notifications read; returns how many.")
    async def mark_all_notifications_read(self, info: NotificationsInfo) -> int:
        return await info.context.services.inbox.mark_all_read(info.context.viewer)

    @strawberry.mutation(
        description="Admins, or services whose credential grants notifications:send "
        "(FORBIDDEN otherwise): notify one user."
    )
    async def send_notification(
        self, info: NotificationsInfo, input: SendNotificationInput
    ) -> Notification:
        made = await info.context.services.inbox.send(
            info.context.viewer,
            parse_id(input.user_id, "input.userId"),
            input.title,
            input.body,
            input.links(),
        )
        return Notification.of(made)

    update_notification_preferences: NotificationPreferences = strawberry.mutation(
        resolver=update_notification_preferences,
        description="Change the viewer's notification preferences (admins: anyone's; another "
        "user's is NOT_FOUND). Refused values are BAD_USER_INPUT naming the field.",
    )
    register_push_device: PushDevice = strawberry.mutation(
        resolver=register_push_device,
        description="Receive push notifications on this device (a token from FCM).",
    )
    unregister_push_device: bool = strawberry.mutation(
        resolver=unregister_push_device,
        description="Stop push on this device; false when the viewer had not registered it.",
    )

    @strawberry.mutation(
        description="Admins, or services whose credential grants notifications:send "
        "(FORBIDDEN otherwise): notify every user with the role; returns how many."
    )
    async def send_notification_to_role(
        self, info: NotificationsInfo, input: SendRoleNotificationInput
    ) -> int:
        return await info.context.services.inbox.send_to_role(
            info.context.viewer,
            Role(input.role.value),
            input.title,
            input.body,
            input.links(),
        )


@strawberry.type
class Subscription:
    @strawberry.subscription(description="The viewer's new notifications as they are created.")
    async def notification_received(self, info: NotificationsInfo) -> AsyncIterator[Notification]:
        async for found in info.context.services.live.received(info.context.viewer):
            yield Notification.of(found)


def build_schema(metrics: GraphQLMetrics) -> federation.Schema:
    """The schema with the extensions of one application (its metrics registry)."""
    return federation.Schema(
        query=Query,
        mutation=Mutation,
        subscription=Subscription,
        types=[User, Property, Booking, Notification],
        extensions=schema_extensions(metrics),
    )


# What ``python -m common.sdl_export`` prints; apps build their own with their metrics.
schema = build_schema(GraphQLMetrics("notifications"))
