"""Use cases of the messaging subgraph; the schema layer and Socket.IO call these only."""

from __future__ import annotations

from dataclasses import dataclass

from subgraphs.messaging.service.conversations import ConversationService
from subgraphs.messaging.service.dependencies import Dependencies
from subgraphs.messaging.service.live import LiveService
from subgraphs.messaging.service.messages import MessageService


@dataclass
class MessagingServices:
    """Everything a resolver may call, reached through ``info.context.services``."""

    messages: MessageService
    conversations: ConversationService
    live: LiveService

    @classmethod
    def build(cls, deps: Dependencies) -> MessagingServices:
        conversations = ConversationService(deps)
        return cls(
            messages=MessageService(deps),
            conversations=conversations,
            live=LiveService(deps, conversations),
        )


__all__ = ["Dependencies", "MessagingServices"]
