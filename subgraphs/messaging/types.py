"""GraphQL types of the messaging subgraph and their mapping from service records.

Fields that need the store go through per-request DataLoaders. Subscription events carry
everything they show (a connection's context lives as long as the socket, so a loader cached
there would serve stale read state).
"""

from __future__ import annotations

import uuid
from datetime import datetime
from enum import Enum

import strawberry
import strawberry.federation as federation
from strawberry.dataloader import DataLoader
from strawberry.types import Info

from common.context import RequestContext
from common.pagination import Connection, build_connection, check_first, decode_cursor
from subgraphs.messaging import records
from subgraphs.messaging.service import MessagingServices
from subgraphs.messaging.service.conversations import inbox_cursor
from subgraphs.messaging.service.validation import message_cursor, parse_id

Context = RequestContext[MessagingServices]
MessagingInfo = Info[Context, None]


@strawberry.enum(name="ConversationEventKind", description="What happened in a conversation.")
class EventKindEnum(Enum):
    MESSAGE_SENT = "MESSAGE_SENT"
    MESSAGE_DELETED = "MESSAGE_DELETED"
    READ = "READ"
    TYPING = "TYPING"
    CLEARED = "CLEARED"


@federation.type(keys=["id"], description="A user; the users subgraph owns every other field.")
class User:
    id: strawberry.ID

    @strawberry.field(
        description="The user's conversations, most recent first. Only the user themself "
        "may read them (FORBIDDEN otherwise)."
    )
    async def conversations(
        self, info: MessagingInfo, first: int | None = 20, after: str | None = None
    ) -> Connection[Conversation] | None:
        return await inbox_connection(info, first, after, user_id=parse_id(self.id, "id"))

    @strawberry.field(
        description="Messages from others the user has not read. Only the user themself."
    )
    async def unread_message_count(self, info: MessagingInfo) -> int | None:
        return await info.context.services.conversations.unread_total(
            info.context.viewer, parse_id(self.id, "id")
        )

    @classmethod
    def resolve_reference(cls, id: strawberry.ID) -> User:
        return cls(id=id)


def _user(user_id: uuid.UUID) -> User:
    return User(id=strawberry.ID(str(user_id)))


@federation.type(keys=["id"], description="A listing; the properties subgraph owns its fields.")
class Property:
    id: strawberry.ID

    @strawberry.field(
        description="The viewer's conversations about this listing (an owner or agent sees "
        "every inquiry they received), most recent first."
    )
    async def conversations(
        self, info: MessagingInfo, first: int | None = 20, after: str | None = None
    ) -> Connection[Conversation] | None:
        return await inbox_connection(info, first, after, property_id=parse_id(self.id, "id"))

    @classmethod
    def resolve_reference(cls, id: strawberry.ID) -> Property:
        return cls(id=id)


@federation.type(keys=["id"], description="A message; deleted ones keep a tombstone.")
class Message:
    id: strawberry.ID
    conversation_id: strawberry.ID
    content: str | None = strawberry.field(
        description="Plain text (render it as text, never as markup); null once deleted."
    )
    deleted: bool
    read: bool = strawberry.field(description="Whether its receiver has read it.")
    cursor: str = strawberry.field(
        description="Its position in the conversation: pass it as `after` to "
        "conversationEvents to resume, or to markConversationRead as `upTo`."
    )
    created_at: datetime
    updated_at: datetime
    record: strawberry.Private[records.Message]

    @strawberry.field(description="Who sent it (resolved by the users subgraph).")
    def sender(self) -> User:
        return _user(self.record.sender_id)

    @strawberry.field(description="Who it was sent to.")
    def receiver(self) -> User:
        return _user(self.record.receiver_id)

    @classmethod
    def of(cls, view: records.MessageView) -> Message:
        m = view.message
        return cls(
            id=strawberry.ID(str(m.id)),
            conversation_id=strawberry.ID(str(m.conversation_id)),
            content=None if m.deleted else m.content,
            deleted=m.deleted,
            read=view.read,
            cursor=message_cursor(m.seq),
            created_at=m.created_at,
            updated_at=m.updated_at,
            record=m,
        )

    @classmethod
    async def resolve_reference(cls, info: MessagingInfo, id: strawberry.ID) -> Message | None:
        try:
            message_id = uuid.UUID(str(id))
        except ValueError:
            return None
        view = await message_loader(info).load(message_id)
        return None if view is None else cls.of(view)


@federation.type(keys=["id"], description="Two users talking, optionally about a listing.")
class Conversation:
    id: strawberry.ID
    unread_count: int = strawberry.field(description="Messages the viewer has not read.")
    read: bool = strawberry.field(description="Whether the viewer has read every message.")
    last_message: Message | None = strawberry.field(description="The newest the viewer sees.")
    created_at: datetime
    updated_at: datetime
    record: strawberry.Private[records.Conversation]

    @strawberry.field(description="Who started it.")
    def sender(self) -> User:
        return _user(self.record.sender_id)

    @strawberry.field(description="To whom it was started.")
    def receiver(self) -> User:
        return _user(self.record.receiver_id)

    @strawberry.field(description="Both participants.")
    def participants(self) -> list[User]:
        return [_user(u) for u in self.record.participant_ids]

    @strawberry.field(description="The listing it is about, if any.")
    def property(self) -> Property | None:
        pid = self.record.property_id
        return None if pid is None else Property(id=strawberry.ID(str(pid)))

    @classmethod
    def of(cls, entry: records.InboxEntry) -> Conversation:
        c = entry.conversation
        return cls(
            id=strawberry.ID(str(c.id)),
            unread_count=entry.unread_count,
            read=entry.unread_count == 0,
            last_message=None if entry.last_message is None else Message.of(entry.last_message),
            created_at=c.created_at,
            updated_at=c.updated_at,
            record=c,
        )

    @classmethod
    async def resolve_reference(cls, info: MessagingInfo, id: strawberry.ID) -> Conversation | None:
        try:
            conversation_id = uuid.UUID(str(id))
        except ValueError:
            return None
        entry = await conversation_loader(info).load(conversation_id)
        return None if entry is None else cls.of(entry)


def message_loader(info: MessagingInfo) -> DataLoader[uuid.UUID, records.MessageView | None]:
    context = info.context

    def build() -> DataLoader[uuid.UUID, records.MessageView | None]:
        async def load(ids: list[uuid.UUID]) -> list[records.MessageView | None]:
            return await context.services.messages.load_many(context.viewer, ids)

        return DataLoader(load_fn=load)

    return context.loader("messages", build)


def conversation_loader(info: MessagingInfo) -> DataLoader[uuid.UUID, records.InboxEntry | None]:
    """Conversations as the viewer's inbox entries: one batch per request (``_entities``)."""
    context = info.context

    def build() -> DataLoader[uuid.UUID, records.InboxEntry | None]:
        async def load(ids: list[uuid.UUID]) -> list[records.InboxEntry | None]:
            return await context.services.conversations.load_entries(context.viewer, ids)

        return DataLoader(load_fn=load)

    return context.loader("conversations", build)


async def inbox_connection(
    info: MessagingInfo,
    first: int | None,
    after: str | None,
    *,
    user_id: uuid.UUID | None = None,
    property_id: uuid.UUID | None = None,
) -> Connection[Conversation]:
    """A page of the viewer's inbox: ``Query.conversations``, ``User`` and ``Property``."""
    page, count_all = await info.context.services.conversations.inbox(
        info.context.viewer,
        first=check_first(first),
        after=decode_cursor(after, arity=2),
        user_id=user_id,
        property_id=property_id,
    )
    return build_connection(
        page.items,
        has_next_page=page.has_next_page,
        has_previous_page=page.has_previous_page,
        cursor_key=inbox_cursor,
        to_node=Conversation.of,
        count_all=count_all,
    )


@strawberry.type(description="Something that happened in a conversation, live.")
class ConversationEvent:
    kind: EventKindEnum
    conversation_id: strawberry.ID
    message: Message | None = strawberry.field(
        description="MESSAGE_SENT and MESSAGE_DELETED: the message (a tombstone once deleted)."
    )
    read_up_to: str | None = strawberry.field(
        description="READ: the cursor of the last message the reader has read."
    )
    user_id: strawberry.Private[uuid.UUID | None]

    @strawberry.field(description="READ: who read; TYPING: who is typing.")
    def user(self) -> User | None:
        return None if self.user_id is None else _user(self.user_id)

    @classmethod
    def of(cls, event: records.ConversationEvent) -> ConversationEvent:
        return cls(
            kind=EventKindEnum(event.kind.value),
            conversation_id=strawberry.ID(str(event.conversation_id)),
            message=None if event.message is None else Message.of(event.message),
            read_up_to=None if event.up_to is None else message_cursor(event.up_to),
            user_id=event.user_id,
        )


@strawberry.type(description="One of the viewer's conversations changed.")
class InboxEvent:
    kind: EventKindEnum
    conversation: Conversation

    @classmethod
    def of(cls, event: records.InboxEvent) -> InboxEvent:
        return cls(kind=EventKindEnum(event.kind.value), conversation=Conversation.of(event.entry))
