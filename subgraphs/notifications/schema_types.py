"""GraphQL types of the notifications subgraph and their mapping from service records."""

from __future__ import annotations

import uuid
from datetime import datetime
from enum import Enum
from typing import TYPE_CHECKING, Annotated

import strawberry
import strawberry.federation as federation
from strawberry.types import Info

from common.context import RequestContext
from common.pagination import Connection, build_connection, check_first
from subgraphs.notifications import records
from subgraphs.notifications.service import NotificationsServices
from subgraphs.notifications.service.validation import parse_cursor, parse_id

if TYPE_CHECKING:
    from subgraphs.notifications.schema_preferences import NotificationPreferences

Context = RequestContext[NotificationsServices]
NotificationsInfo = Info[Context, None]

NotificationKind = strawberry.enum(
    records.Kind, name="NotificationKind", description="What a notification is about."
)
NotificationChannel = strawberry.enum(records.Channel, name="NotificationChannel")
DeliveryStatus = strawberry.enum(
    records.DeliveryStatus,
    name="NotificationDeliveryStatus",
    description="PENDING until tried (or retried after a backoff, or after quiet hours); "
    "SENDING while a dispatcher holds it; DIGEST waiting for the daily digest; DELIVERED; FAILED "
    "after its last attempt; SKIPPED when the channel does not apply (lastError says why).",
)


@strawberry.enum(name="Role", description="What a user may do on Realio.")
class RoleEnum(Enum):
    """users' Role (the same enum in the supergraph)."""

    BUYER = "buyer"
    SELLER = "seller"
    AGENT = "agent"
    ADMIN = "admin"


@strawberry.type(description="How a notification went out on one channel.")
class NotificationDelivery:
    channel: NotificationChannel  # type: ignore[valid-type]
    status: DeliveryStatus  # type: ignore[valid-type]
    attempts: int
    last_error: str | None


@federation.type(keys=["id"], description="A listing; the properties subgraph owns its fields.")
class Property:
    id: strawberry.ID


@federation.type(keys=["id"], description="A viewing; the bookings subgraph owns its fields.")
class Booking:
    id: strawberry.ID


def _ref(value: uuid.UUID | None) -> strawberry.ID | None:
    return None if value is None else strawberry.ID(str(value))


@federation.type(keys=["id"], description="Something a user was told, newest first in lists.")
class Notification:
    id: strawberry.ID
    user_id: strawberry.ID
    kind: NotificationKind  # type: ignore[valid-type]
    title: str
    body: str
    property_id: strawberry.ID | None
    booking_id: strawberry.ID | None
    conversation_id: strawberry.ID | None
    saved_search_id: strawberry.ID | None
    created_at: datetime
    read_at: datetime | None = strawberry.field(description="Null while unread.")
    deliveries: list[NotificationDelivery]

    @strawberry.field(description="The property it is about, when any.")
    def property(self) -> Property | None:
        return None if self.property_id is None else Property(id=self.property_id)

    @strawberry.field(description="The booking it is about, when any.")
    def booking(self) -> Booking | None:
        return None if self.booking_id is None else Booking(id=self.booking_id)

    @classmethod
    def of(cls, n: records.Notification) -> Notification:
        return cls(
            id=strawberry.ID(str(n.id)),
            user_id=strawberry.ID(str(n.user_id)),
            kind=n.kind,
            title=n.title,
            body=n.body,
            property_id=_ref(n.links.property_id),
            booking_id=_ref(n.links.booking_id),
            conversation_id=_ref(n.links.conversation_id),
            saved_search_id=_ref(n.links.saved_search_id),
            created_at=n.created_at,
            read_at=n.read_at,
            deliveries=[
                NotificationDelivery(
                    channel=d.channel, status=d.status, attempts=d.attempts, last_error=d.last_error
                )
                for d in n.deliveries
            ],
        )

    @classmethod
    async def resolve_reference(
        cls, info: NotificationsInfo, id: strawberry.ID
    ) -> Notification | None:
        try:
            notification_id = uuid.UUID(str(id))
        except ValueError:
            return None
        found = await info.context.services.inbox.visible(info.context.viewer, notification_id)
        return None if found is None else cls.of(found)


async def notifications_page(
    info: NotificationsInfo,
    user_id: uuid.UUID,
    first: int | None,
    after: str | None,
    unread_only: bool,
) -> Connection[Notification]:
    inbox = info.context.services.inbox
    page = await inbox.page(
        user_id, first=check_first(first), after=parse_cursor(after), unread_only=unread_only
    )

    async def count_all() -> int:
        return await inbox.count(user_id, unread_only=unread_only)

    return build_connection(
        page.items,
        has_next_page=page.has_next_page,
        has_previous_page=page.has_previous_page,
        cursor_key=lambda n: [n.created_at.isoformat(), str(n.id)],
        to_node=Notification.of,
        count_all=count_all,
    )


@federation.type(keys=["id"], description="A user; the users subgraph owns every other field.")
class User:
    id: strawberry.ID

    @strawberry.field(
        description="The user's notifications, newest first: the user themself and admins "
        "only (FORBIDDEN otherwise)."
    )
    async def notifications(
        self,
        info: NotificationsInfo,
        first: int | None = 20,
        after: str | None = None,
        unread_only: bool = False,
    ) -> Connection[Notification]:
        user_id = info.context.services.inbox.owner_for_user_field(
            info.context.viewer, parse_id(self.id, "id")
        )
        return await notifications_page(info, user_id, first, after, unread_only)

    @strawberry.field(description="How many are unread (the user themself and admins only).")
    async def unread_notification_count(self, info: NotificationsInfo) -> int:
        inbox = info.context.services.inbox
        user_id = inbox.owner_for_user_field(info.context.viewer, parse_id(self.id, "id"))
        return await inbox.count(user_id, unread_only=True)

    @strawberry.field(
        description="The user's notification preferences (the user themself and admins only)."
    )
    async def notification_preferences(
        self, info: NotificationsInfo
    ) -> Annotated[
        NotificationPreferences, strawberry.lazy("subgraphs.notifications.schema_preferences")
    ]:
        from subgraphs.notifications.schema_preferences import NotificationPreferences

        service = info.context.services.preferences
        user_id = service.owner_for_user_field(info.context.viewer, parse_id(self.id, "id"))
        return NotificationPreferences.of(await service.get(user_id))

    @classmethod
    def resolve_reference(cls, id: strawberry.ID) -> User:
        return cls(id=id)
