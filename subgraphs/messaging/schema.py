"""The messaging subgraph's GraphQL schema: parse arguments, call a service, map the result."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from datetime import datetime
from typing import Annotated

import strawberry
import strawberry.federation as federation
from strawberry.extensions import ParserCache, ValidationCache

from common.graphql_app import schema_extensions
from common.idempotency import ARGUMENT_DESCRIPTION
from common.metrics import GraphQLMetrics
from common.pagination import Connection, build_connection, check_first
from subgraphs.messaging.service.validation import parse_id, parse_message_cursor
from subgraphs.messaging.tokens import expiry_of, token_of
from subgraphs.messaging.types import (
    Context,
    Conversation,
    ConversationEvent,
    InboxEvent,
    Message,
    MessagingInfo,
    Property,
    User,
    inbox_connection,
)


@strawberry.input(description="To a conversation, or to a user (optionally about a listing).")
class SendMessageInput:
    content: str = strawberry.field(description="Plain text, 1 to 4,000 characters.")
    conversation_id: strawberry.ID | None = None
    receiver_id: strawberry.ID | None = strawberry.field(
        default=None, description="Starts the conversation for this pair and listing if needed."
    )
    property_id: strawberry.ID | None = None


@strawberry.type
class Query:
    @strawberry.field(description="The viewer's inbox, most recent first.")
    async def conversations(
        self, info: MessagingInfo, first: int | None = 20, after: str | None = None
    ) -> Connection[Conversation] | None:
        return await inbox_connection(info, first, after)

    @strawberry.field(description="One of the viewer's conversations; NOT_FOUND otherwise.")
    async def conversation(self, info: MessagingInfo, id: strawberry.ID) -> Conversation | None:
        entry = await info.context.services.conversations.entry(
            info.context.viewer, parse_id(id, "id")
        )
        return Conversation.of(entry)

    @strawberry.field(
        description="A conversation's messages, newest first (participants only; NOT_FOUND "
        "otherwise). `first` is at most 100."
    )
    async def messages(
        self,
        info: MessagingInfo,
        conversation_id: strawberry.ID,
        first: int | None = 20,
        after: str | None = None,
    ) -> Connection[Message] | None:
        page, count_all = await info.context.services.messages.page(
            info.context.viewer,
            parse_id(conversation_id, "conversationId"),
            first=check_first(first),
            before=parse_message_cursor(after),
        )
        return build_connection(
            page.items,
            has_next_page=page.has_next_page,
            has_previous_page=page.has_previous_page,
            cursor_key=lambda view: [view.message.seq],
            to_node=Message.of,
            count_all=count_all,
        )


@strawberry.type
class Mutation:
    @strawberry.mutation(description="Send a message; rate limited per user (RATE_LIMITED).")
    async def send_message(
        self,
        info: MessagingInfo,
        input: SendMessageInput,
        idempotency_key: Annotated[
            str | None, strawberry.argument(description=ARGUMENT_DESCRIPTION)
        ] = None,
    ) -> Message:
        _, view = await info.context.services.messages.send(
            info.context.viewer,
            input.content,
            idempotency_key=idempotency_key,
            conversation_id=_optional_id(input.conversation_id, "input.conversationId"),
            receiver_id=_optional_id(input.receiver_id, "input.receiverId"),
            property_id=_optional_id(input.property_id, "input.propertyId"),
        )
        return Message.of(view)

    @strawberry.mutation(description="Its sender replaces a message with a tombstone for both.")
    async def delete_message(self, info: MessagingInfo, id: strawberry.ID) -> Message:
        view = await info.context.services.messages.delete(info.context.viewer, parse_id(id, "id"))
        return Message.of(view)

    @strawberry.mutation(
        description="Clear the conversation for the viewer only (the other participant keeps "
        "theirs); returns how many messages were cleared."
    )
    async def delete_messages(self, info: MessagingInfo, conversation_id: strawberry.ID) -> int:
        return await info.context.services.conversations.clear(
            info.context.viewer, parse_id(conversation_id, "conversationId")
        )

    @strawberry.mutation(
        description="Move the viewer's last-read pointer to `upTo` (a message cursor; the "
        "newest message when omitted). It never moves back."
    )
    async def mark_conversation_read(
        self, info: MessagingInfo, conversation_id: strawberry.ID, up_to: str | None = None
    ) -> Conversation:
        entry = await info.context.services.conversations.mark_read(
            info.context.viewer,
            parse_id(conversation_id, "conversationId"),
            parse_message_cursor(up_to, "upTo"),
        )
        return Conversation.of(entry)

    @strawberry.mutation(description="Tell the other participant the viewer is typing.")
    async def send_typing(self, info: MessagingInfo, conversation_id: strawberry.ID) -> bool:
        return await info.context.services.messages.typing(
            info.context.viewer, parse_id(conversation_id, "conversationId")
        )

    @strawberry.mutation(description="Stop a user from messaging the viewer.")
    async def block_user(self, info: MessagingInfo, user_id: strawberry.ID) -> bool:
        return await info.context.services.conversations.block(
            info.context.viewer, parse_id(user_id, "userId"), blocked=True
        )

    @strawberry.mutation(description="Let a blocked user message the viewer again.")
    async def unblock_user(self, info: MessagingInfo, user_id: strawberry.ID) -> bool:
        blocked = await info.context.services.conversations.block(
            info.context.viewer, parse_id(user_id, "userId"), blocked=False
        )
        return not blocked


def token_expiry(context: Context) -> datetime | None:
    """When the viewer's token expires (it was verified when the connection opened)."""
    token = token_of(context.connection_params, context.request.headers.get("authorization"))
    return expiry_of(token)


@strawberry.type
class Subscription:
    @strawberry.subscription(
        description="New messages, deletions, read receipts and typing in one of the viewer's "
        "conversations. With `after` (a message cursor) the messages sent since come first, "
        "then live ones, with no gap and no duplicate. Ends with UNAUTHENTICATED when the "
        "token expires."
    )
    async def conversation_events(
        self, info: MessagingInfo, conversation_id: strawberry.ID, after: str | None = None
    ) -> AsyncIterator[ConversationEvent]:
        context = info.context
        stream = context.services.live.conversation_events(
            context.viewer,
            parse_id(conversation_id, "conversationId"),
            after=parse_message_cursor(after),
            expires_at=token_expiry(context),
        )
        async for event in stream:
            yield ConversationEvent.of(event)

    @strawberry.subscription(description="Any of the viewer's conversations changed.")
    async def inbox_events(self, info: MessagingInfo) -> AsyncIterator[InboxEvent]:
        context = info.context
        stream = context.services.live.inbox_events(
            context.viewer, expires_at=token_expiry(context)
        )
        async for event in stream:
            yield InboxEvent.of(event)


def _optional_id(value: strawberry.ID | None, field: str) -> uuid.UUID | None:
    return None if value is None else parse_id(value, field)


def build_schema(metrics: GraphQLMetrics) -> federation.Schema:
    """The schema with the extensions of one application (its metrics registry)."""
    return federation.Schema(
        query=Query,
        mutation=Mutation,
        subscription=Subscription,
        types=[User, Property, Conversation, Message],
        # The router sends the same few operations over and over (every send, every
        # subscription): parsing and validating each once saves most of their CPU.
        extensions=[
            *schema_extensions(metrics),
            lambda: ParserCache(maxsize=256),
            lambda: ValidationCache(maxsize=256),
        ],
    )


# What ``python -m common.sdl_export`` prints; apps build their own with their metrics.
schema = build_schema(GraphQLMetrics("messaging"))
