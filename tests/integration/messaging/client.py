"""The messaging tests' client: operations as a frontend sends them, and persona helpers."""

from __future__ import annotations

from typing import Any

from tests.support.graphql import GraphQLClient
from tests.support.personas import Persona

MESSAGE_FIELDS = (
    "id conversationId content deleted read cursor createdAt sender { id } receiver { id }"
)
CONVERSATION_FIELDS = f"""
  id unreadCount read createdAt updatedAt
  sender {{ id }} receiver {{ id }} participants {{ id }} property {{ id }}
  lastMessage {{ {MESSAGE_FIELDS} }}
"""
SEND = f"""
mutation Send($input: SendMessageInput!) {{ sendMessage(input: $input) {{ {MESSAGE_FIELDS} }} }}"""
MESSAGES = f"""
query Messages($conversationId: ID!, $first: Int, $after: String) {{
  messages(conversationId: $conversationId, first: $first, after: $after) {{
    totalCount
    edges {{ cursor node {{ {MESSAGE_FIELDS} }} }}
    pageInfo {{ hasNextPage hasPreviousPage endCursor }}
  }}
}}"""
INBOX = f"""
query Inbox($first: Int, $after: String) {{
  conversations(first: $first, after: $after) {{
    totalCount
    edges {{ cursor node {{ {CONVERSATION_FIELDS} }} }}
    pageInfo {{ hasNextPage endCursor }}
  }}
}}"""
MARK_READ = """
mutation Read($conversationId: ID!, $upTo: String) {
  markConversationRead(conversationId: $conversationId, upTo: $upTo) { id unreadCount read }
}"""
CONVERSATION_EVENTS = f"""
subscription Events($conversationId: ID!, $after: String) {{
  conversationEvents(conversationId: $conversationId, after: $after) {{
    kind conversationId readUpTo user {{ id }} message {{ {MESSAGE_FIELDS} }}
  }}
}}"""
INBOX_EVENTS = """
subscription { inboxEvents { kind conversation { id unreadCount lastMessage { content } } } }"""


class MessagingClient(GraphQLClient):
    async def send(self, persona: Persona, content: str, **target: str | None) -> dict[str, Any]:
        """sendMessage as ``persona``; ``target``: conversationId, or receiverId (+ propertyId)."""
        data = await self.data(SEND, {"input": {"content": content, **target}}, persona.token)
        message: dict[str, Any] = data["sendMessage"]
        return message

    async def start(self, sender: Persona, receiver: Persona, content: str = "Hello") -> str:
        """Start a conversation; its id."""
        message = await self.send(sender, content, receiverId=str(receiver.id))
        conversation_id: str = message["conversationId"]
        return conversation_id

    async def messages(
        self, persona: Persona, conversation_id: str, **paging: Any
    ) -> dict[str, Any]:
        data = await self.data(
            MESSAGES, {"conversationId": conversation_id, **paging}, persona.token
        )
        connection: dict[str, Any] = data["messages"]
        return connection

    async def inbox(self, persona: Persona, **paging: Any) -> dict[str, Any]:
        data = await self.data(INBOX, paging, persona.token)
        connection: dict[str, Any] = data["conversations"]
        return connection

    async def mark_read(
        self, persona: Persona, conversation_id: str, up_to: str | None = None
    ) -> dict[str, Any]:
        data = await self.data(
            MARK_READ, {"conversationId": conversation_id, "upTo": up_to}, persona.token
        )
        result: dict[str, Any] = data["markConversationRead"]
        return result
